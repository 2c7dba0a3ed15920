package io.cloudbridge.common.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.testkit.aws.AwsEndpoint;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.StsStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class AwsConfigTest {

  private static final ConfigDef DEF = AwsConfig.addTo(new ConfigDef());

  private static AwsConfig config(Map<String, String> props) {
    return new AwsConfig(new AbstractConfig(DEF, props));
  }

  @ParameterizedTest
  @CsvSource({
      "aws.region, EU-WEST-1",
      "aws.region, mars",
      "aws.endpoint.override, ftp://localhost:21",
      "aws.endpoint.override, not a url",
      "aws.credentials.provider, magic",
      "aws.role.arn, arn:aws:iam::123:role/short-account",
      "aws.role.session.name, x",
      "aws.role.sts.endpoint, localhost:4566"})
  void badValuesAreRejectedNamingTheKey(String key, String value) {
    assertThatThrownBy(() -> config(Map.of(key, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void goodValuesAreAccepted() {
    AwsConfig c = config(Map.of("aws.region", "us-gov-west-1", "aws.endpoint.override", "http://127.0.0.1:9324",
        "aws.credentials.provider", "assume-role", "aws.role.arn", "arn:aws:iam::123456789012:role/events-reader"));
    assertThat(c.region()).isEqualTo("us-gov-west-1");
    assertThat(c.endpointOverride()).hasToString("http://127.0.0.1:9324");
    assertThat(c.credentialsSource()).isEqualTo(AwsConfig.CredentialsSource.ASSUME_ROLE);
    assertThat(c.roleSessionName()).isEqualTo("cloudbridge");
  }

  @Test
  void validateAttachesMissingCredentialKeysToTheKeyToFix() {
    Map<String, ConfigValue> values = validate(Map.of("aws.credentials.provider", "static", "aws.access.key.id", "AKIA"));
    assertThat(values.get("aws.secret.access.key").errorMessages())
        .contains("aws.credentials.provider=static needs a secret access key");
    assertThat(values.get("aws.access.key.id").errorMessages()).isEmpty();

    assertThat(validate(Map.of("aws.credentials.provider", "profile")).get("aws.profile.name").errorMessages())
        .containsExactly("aws.credentials.provider=profile needs a profile name");
    assertThat(validate(Map.of("aws.credentials.provider", "assume-role")).get("aws.role.arn").errorMessages())
        .containsExactly("aws.credentials.provider=assume-role needs a role ARN");
    assertThat(validate(Map.of()).values()).allSatisfy(v -> assertThat(v.errorMessages()).isEmpty());
  }

  @Test
  void recommenderShowsOnlyTheKeysOfTheChosenSource() {
    Map<String, ConfigValue> values = validate(Map.of("aws.credentials.provider", "static",
        "aws.access.key.id", "a", "aws.secret.access.key", "b"));
    assertThat(values.get("aws.secret.access.key").visible()).isTrue();
    assertThat(values.get("aws.profile.name").visible()).isFalse();
    assertThat(values.get("aws.role.arn").visible()).isFalse();
  }

  @Test
  void taskStartRefusesAnIncompleteCredentialsSource() {
    assertThatThrownBy(() -> new AwsClients(config(Map.of("aws.credentials.provider", "static"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("aws.access.key.id");
  }

  @Test
  void staticKeysSignRequestsThatTheServerAccepts() {
    try (S3Server s3 = S3Server.inMemory();
         AwsClients clients = new AwsClients(staticConfig(s3.endpoint(), s3.endpoint().secretAccessKey()));
         S3Client client = clients.configure(S3Client.builder().forcePathStyle(true), 4).build()) {
      client.createBucket(b -> b.bucket("signed"));
      assertThat(client.listBuckets().buckets()).extracting(b -> b.name()).contains("signed");
    }
  }

  @Test
  void aWrongStaticSecretIsRefusedByTheServer() {
    try (S3Server s3 = S3Server.inMemory();
         AwsClients clients = new AwsClients(staticConfig(s3.endpoint(), "wrong"));
         S3Client client = clients.configure(S3Client.builder().forcePathStyle(true), 4).build()) {
      assertThatThrownBy(client::listBuckets)
          .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
  }

  @Test
  void assumeRoleCallsStsWithRoleSessionAndExternalIdAndUsesTheIssuedCredentials() {
    try (S3Server s3 = S3Server.inMemory(); StsStandIn sts = new StsStandIn(s3.endpoint())) {
      Map<String, String> props = new HashMap<>();
      props.put("aws.region", "us-east-1");
      props.put("aws.endpoint.override", s3.endpoint().uri().toString());
      props.put("aws.credentials.provider", "assume-role");
      props.put("aws.access.key.id", "AKIABASEIDENTITY");
      props.put("aws.secret.access.key", "base-secret");
      props.put("aws.role.arn", "arn:aws:iam::123456789012:role/events-reader");
      props.put("aws.role.external.id", "tenant-42");
      props.put("aws.role.session.name", "cloudbridge-sqs");
      props.put("aws.role.sts.endpoint", sts.url());
      try (AwsClients clients = new AwsClients(config(props));
           S3Client client = clients.configure(S3Client.builder().forcePathStyle(true), 4).build()) {
        client.createBucket(b -> b.bucket("assumed"));
      }
      assertThat(sts.assumeRoleRequests()).singleElement().satisfies(r -> {
        assertThat(r).containsEntry("RoleArn", "arn:aws:iam::123456789012:role/events-reader")
            .containsEntry("RoleSessionName", "cloudbridge-sqs")
            .containsEntry("ExternalId", "tenant-42");
      });
    }
  }

  @Test
  void namedProfileIsReadFromTheSharedCredentialsFile(@TempDir Path dir) throws Exception {
    try (S3Server s3 = S3Server.inMemory()) {
      Path file = dir.resolve("credentials");
      Files.writeString(file, "[other]\naws_access_key_id = nope\naws_secret_access_key = nope\n"
          + "[events]\naws_access_key_id = " + AwsEndpoint.ACCESS_KEY_ID + "\naws_secret_access_key = "
          + AwsEndpoint.SECRET_ACCESS_KEY + "\n");
      String previous = System.setProperty("aws.sharedCredentialsFile", file.toString());
      try (AwsClients clients = new AwsClients(config(Map.of("aws.region", "us-east-1",
               "aws.endpoint.override", s3.endpoint().uri().toString(),
               "aws.credentials.provider", "profile", "aws.profile.name", "events")));
           S3Client client = clients.configure(S3Client.builder().forcePathStyle(true), 4).build()) {
        client.createBucket(b -> b.bucket("profiled"));
      } finally {
        if (previous == null) {
          System.clearProperty("aws.sharedCredentialsFile");
        } else {
          System.setProperty("aws.sharedCredentialsFile", previous);
        }
      }
    }
  }

  private static AwsConfig staticConfig(AwsEndpoint endpoint, String secret) {
    return config(Map.of("aws.region", endpoint.region().id(), "aws.endpoint.override", endpoint.uri().toString(),
        "aws.credentials.provider", "static", "aws.access.key.id", endpoint.accessKeyId(),
        "aws.secret.access.key", secret));
  }

  private static Map<String, ConfigValue> validate(Map<String, String> props) {
    List<ConfigValue> list = DEF.validate(props);
    Map<String, ConfigValue> values = list.stream().collect(Collectors.toMap(ConfigValue::name, Function.identity()));
    AwsConfig.validate(values);
    return values;
  }
}
