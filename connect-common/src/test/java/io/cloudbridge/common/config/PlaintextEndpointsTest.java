package io.cloudbridge.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.common.aws.AwsConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlaintextEndpointsTest {

  private static final ConfigDef DEF = AwsConfig.addTo(new ConfigDef())
      .define("grpc.endpoint", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "")
      .define("grpc.plaintext", ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.LOW, "");

  private static AbstractConfig config(String key, String value, Map<String, String> more) {
    Map<String, String> props = new HashMap<>(more);
    props.put(key, value);
    return new AbstractConfig(DEF, props);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.0.0.1:9324", "http://localhost:4566", "http://127.8.0.1", "http://[::1]:9000",
      "https://sqs.eu-west-1.amazonaws.com", "https://10.0.0.5:4566", ""})
  void loopbackAndTlsEndpointsAreAccepted(String url) {
    assertThatCode(() -> PlaintextEndpoints.require(config(AwsConfig.ENDPOINT, url, Map.of()), AwsConfig.ENDPOINT))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://10.0.0.5:4566", "http://localstack:4566", "http://sqs.eu-west-1.amazonaws.com",
      "http://127.0.0.1.example.com", "http://[::2]:9000", "http://localhost.evil.example:80"})
  void plainHttpToAnyOtherHostIsRefusedNamingTheKey(String url) {
    assertThatThrownBy(() -> PlaintextEndpoints.require(config(AwsConfig.STS_ENDPOINT, url, Map.of()),
        AwsConfig.ENDPOINT, AwsConfig.STS_ENDPOINT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(AwsConfig.STS_ENDPOINT)
        .hasMessageContaining(PlaintextEndpoints.ALLOWED + "=true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://10.0.0.5:4566", "http://localstack:4566"})
  void theUserMayAllowPlainHttpExplicitly(String url) {
    AbstractConfig config = config(AwsConfig.ENDPOINT, url, Map.of(PlaintextEndpoints.ALLOWED, "true"));
    assertThatCode(() -> PlaintextEndpoints.require(config, AwsConfig.ENDPOINT)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"bigquery:9060", "10.1.2.3:9060", "bigquerystorage.example:443"})
  void plaintextGrpcToAnotherHostIsRefusedUnlessAllowed(String hostPort) {
    assertThatThrownBy(() -> PlaintextEndpoints.requireGrpc(
        config("grpc.endpoint", hostPort, Map.of("grpc.plaintext", "true")), "grpc.endpoint", "grpc.plaintext"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("grpc.endpoint").hasMessageContaining("grpc.plaintext");
    assertThatCode(() -> PlaintextEndpoints.requireGrpc(config("grpc.endpoint", hostPort, Map.of()), "grpc.endpoint",
        "grpc.plaintext")).as("TLS").doesNotThrowAnyException();
    assertThatCode(() -> PlaintextEndpoints.requireGrpc(config("grpc.endpoint", hostPort,
        Map.of("grpc.plaintext", "true", PlaintextEndpoints.ALLOWED, "true")), "grpc.endpoint", "grpc.plaintext"))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:9060", "localhost:9060", "[::1]:9060"})
  void plaintextGrpcToLoopbackIsAccepted(String hostPort) {
    assertThatCode(() -> PlaintextEndpoints.requireGrpc(config("grpc.endpoint", hostPort,
        Map.of("grpc.plaintext", "true")), "grpc.endpoint", "grpc.plaintext")).doesNotThrowAnyException();
    assertThat(PlaintextEndpoints.isLoopback("LOCALHOST")).isTrue();
  }
}
