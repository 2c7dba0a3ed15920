package io.cloudbridge.common.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.auth.oauth2.AwsCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.NoCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcpConfigTest {

  private static final ConfigDef DEF = GcpConfig.addTo(new ConfigDef());

  /** Workload identity federation from AWS, as `gcloud iam workload-identity-pools create-cred-config --aws` writes it. */
  static final String AWS_FEDERATION = """
      {"type":"external_account",
       "audience":"//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/aws-pool/providers/aws",
       "subject_token_type":"urn:ietf:params:aws:token-type:aws4_request",
       "service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sink@p.iam.gserviceaccount.com:generateAccessToken",
       "token_url":"https://sts.googleapis.com/v1/token",
       "credential_source":{"environment_id":"aws1",
         "region_url":"http://169.254.169.254/latest/meta-data/placement/availability-zone",
         "url":"http://169.254.169.254/latest/meta-data/iam/security-credentials",
         "regional_cred_verification_url":"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}}
      """;

  private static GcpConfig config(Map<String, String> props) {
    return new GcpConfig(new AbstractConfig(DEF, props));
  }

  static String serviceAccountKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(g.generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    return "{\"type\":\"service_account\",\"project_id\":\"p\",\"private_key_id\":\"k1\",\"private_key\":"
        + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(pem)
        + ",\"client_email\":\"sink@p.iam.gserviceaccount.com\",\"client_id\":\"1\","
        + "\"token_uri\":\"https://oauth2.googleapis.com/token\"}";
  }

  @Test
  void inlineServiceAccountKeyAndAwsFederationConfigLoad() throws Exception {
    var key = config(Map.of("gcp.credentials.source", "json", "gcp.credentials.json", serviceAccountKey()))
        .credentials();
    assertThat(key).isInstanceOf(ServiceAccountCredentials.class);
    assertThat(((ServiceAccountCredentials) key).getClientEmail()).isEqualTo("sink@p.iam.gserviceaccount.com");
    assertThat(config(Map.of("gcp.credentials.source", "json", "gcp.credentials.json", AWS_FEDERATION))
        .credentials()).isInstanceOf(AwsCredentials.class);
    assertThat(config(Map.of("gcp.credentials.source", "none")).credentials()).isSameAs(NoCredentials.getInstance());
  }

  @Test
  void aCredentialFileOnTheWorkerLoads(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("federation.json"), AWS_FEDERATION);
    assertThat(config(Map.of("gcp.credentials.source", "file", "gcp.credentials.file", file.toString()))
        .credentials()).isInstanceOf(AwsCredentials.class);
  }

  @Test
  void badJsonIsRefusedWithoutQuotingIt() {
    String secretish = "{\"type\":\"service_account\",\"private_key\":\"TOP-SECRET-MATERIAL";
    assertThatThrownBy(() -> config(Map.of("gcp.credentials.source", "json", "gcp.credentials.json", secretish))
        .credentials())
        .isInstanceOf(ConfigException.class).hasMessageContaining("gcp.credentials.json")
        .hasMessageNotContaining("TOP-SECRET");
  }

  @Test
  void validateNamesTheMissingKey() {
    Map<String, String> props = new HashMap<>(Map.of("gcp.credentials.source", "json"));
    Map<String, ConfigValue> values = new HashMap<>();
    DEF.validate(props).forEach(v -> values.put(v.name(), v));
    GcpConfig.validate(values);
    assertThat(values.get("gcp.credentials.json").errorMessages()).containsExactly("gcp.credentials.source=json needs the JSON");
    assertThat(values.get("gcp.credentials.file").errorMessages()).isEmpty();
    assertThat(values.get("gcp.credentials.json").visible()).isTrue();
    assertThat(values.get("gcp.credentials.file").visible()).isFalse();
  }
}
