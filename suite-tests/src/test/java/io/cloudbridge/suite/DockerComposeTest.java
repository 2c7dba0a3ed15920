package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml cannot be started here (no Docker engine), so its structure is checked instead: the services
 * users need, a Connect image built from every plugin this checkout packages, the config examples mounted, and
 * the files the services mount present and saying what the pipelines expect.
 */
class DockerComposeTest {

  private static final Path ROOT = Path.of("..");

  private static JsonNode compose() throws IOException {
    return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
  }

  private static List<String> volumes(JsonNode service) {
    List<String> out = new ArrayList<>();
    service.path("volumes").forEach(v -> out.add(v.asText()));
    return out;
  }

  @Test
  void theStackHasEveryServiceThePipelinesNeed() throws IOException {
    List<String> services = new ArrayList<>();
    compose().path("services").fieldNames().forEachRemaining(services::add);
    assertThat(services).contains("kafka", "schema-registry", "connect", "mysql", "localstack", "gcs", "bigquery");
  }

  @Test
  void theWorkerImageHoldsEveryPackagedPluginAndTheExamples() throws IOException {
    JsonNode connect = compose().path("services").path("connect");
    Path dockerfile = ROOT.resolve(connect.path("build").path("dockerfile").asText());
    assertThat(dockerfile).isRegularFile();
    String image = Files.readString(dockerfile);
    List<Path> modules;
    try (Stream<Path> files = Files.walk(ROOT, 7)) {
      modules = files.filter(p -> p.endsWith(Path.of("src", "main", "plugin", "manifest.json")))
          .map(p -> ROOT.relativize(p.getParent().getParent().getParent().getParent()))
          .filter(m -> !m.toString().contains("fixture")) // the test kit's own plugin ships to nobody
          .toList();
    }
    assertThat(modules).hasSizeGreaterThanOrEqualTo(5);
    for (Path module : modules) {
      assertThat(image).as("the image copies the plugin of %s", module)
          .contains(module.toString().replace('\\', '/') + "/target/*-plugin.zip");
    }
    assertThat(image).contains("debezium-connector-mysql").contains("kafka-connect-avro-converter");
    String worker = Files.readString(ROOT.resolve("docker/connect/connect.properties"));
    assertThat(worker).contains("plugin.path=/opt/cloudbridge/plugins").contains("schema.registry.url=http://schema-registry:8081");
    assertThat(image).contains("COPY --from=plugins /plugins /opt/cloudbridge/plugins");
    assertThat(volumes(connect)).contains("./config-examples:/opt/cloudbridge/config-examples:ro");
  }

  @Test
  void theDatabaseAndAwsStandInsAreSetUpForThePipelines() throws IOException {
    JsonNode services = compose().path("services");
    String mysql = services.path("mysql").path("command").toString();
    assertThat(mysql).contains("--binlog-format=ROW").contains("--binlog-row-image=FULL");
    for (JsonNode service : List.of(services.path("mysql"), services.path("localstack"))) {
      for (String volume : volumes(service)) {
        assertThat(ROOT.resolve(volume.split(":")[0])).as(volume).isRegularFile();
      }
    }
    String init = Files.readString(ROOT.resolve("docker/localstack/init-aws.sh"));
    // the queues the reference pipelines read
    assertThat(init).contains("shop-events").contains("log-archive-events").contains("put-targets")
        .contains("put-bucket-notification-configuration");
    assertThat(Files.readString(ROOT.resolve("docker/mysql/shop.sql"))).contains("CREATE TABLE customers");
  }
}
