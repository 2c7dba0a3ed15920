package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged plugins, as a user installs them, on a real two-worker Connect cluster. */
class PluginLoadingTest {

  private static ConnectCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ConnectCluster.builder().workers(2).pluginPath(PackagedPlugins.dir()).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void everyPackagedPluginIsListedByTheWorkersWithTheProjectVersion() {
    List<Path> plugins = PackagedPlugins.plugins();
    assertThat(plugins).isNotEmpty();
    Map<String, String> listed = new HashMap<>();
    cluster.connectorPlugins().forEach(p -> listed.put(p.get("class"), p.get("version")));

    for (Path plugin : plugins) {
      List<String> declared = PackagedPlugins.declaredClasses(plugin);
      assertThat(declared).as("service entries of %s", plugin.getFileName()).isNotEmpty();
      for (String className : declared) {
        assertThat(listed).as("plugin %s from %s", className, plugin.getFileName())
            .containsEntry(className, System.getProperty("project.version"));
      }
    }
  }

  @Test
  void pluginClassesComeFromPluginPathNotFromTheTestClasspath() {
    assertThatThrownBy(() -> Class.forName("io.cloudbridge.fixture.StampHeader"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void aPackagedTransformRunsInsideAConnectorPipeline(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("input.txt");
    Files.write(input, List.of("first line", "second line", "third line"), StandardCharsets.UTF_8);
    cluster.createTopic("lines", 1);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector");
    config.put("tasks.max", "1");
    config.put("file", input.toString());
    config.put("topic", "lines");
    config.put("transforms", "stamp");
    config.put("transforms.stamp.type", "io.cloudbridge.fixture.StampHeader");
    config.put("transforms.stamp.header.value", "from-plugin-path");
    cluster.configureConnector("file-lines", config);
    cluster.awaitRunning("file-lines", 1, Duration.ofSeconds(60));

    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : cluster.consume(3, Duration.ofSeconds(60), "lines")) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
      Header stamp = r.headers().lastHeader("cloudbridge-stamp");
      assertThat(stamp).as("header on %s", values.get(values.size() - 1)).isNotNull();
      assertThat(new String(stamp.value(), StandardCharsets.UTF_8)).isEqualTo("from-plugin-path");
    }
    assertThat(values).containsExactly("first line", "second line", "third line");
    cluster.deleteConnector("file-lines");
  }

  /** A Pub/Sub push body as one line of the source file: a page view with a user agent, base64 in message.data. */
  private static String pushBody(int n, String ua, String contentType) {
    String data = "{\"n\":" + n + ",\"content_type\":\"" + contentType + "\",\"ua\":\"" + ua
        + "\",\"at\":\"2026-11-2" + n + "T18:30:00Z\"}"; // 00:15 the next day in Kathmandu
    return "{\"message\":{\"attributes\":{\"origin\":\"web\"},\"data\":\""
        + java.util.Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8))
        + "\",\"messageId\":\"m-" + n + "\",\"publishTime\":\"2026-11-22T10:00:00Z\"},"
        + "\"subscription\":\"projects/p/subscriptions/views\"}";
  }

  @Test
  void theThreeTransformsChainedInAConnectorPipelineMakeTheExpectedRecords(@TempDir Path dir) throws Exception {
    String firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
    String googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    Path input = dir.resolve("push-bodies.txt");
    // A line that is no push body goes to Connect's error handling (tolerated, logged); the third body has no
    // attributes: the predicate keeps the user-agent transform off it.
    Files.write(input, List.of(pushBody(1, firefox, "video"), pushBody(2, googlebot, "image"), "not a push body",
        pushBody(3, firefox, "text").replace("\"attributes\":{\"origin\":\"web\"},", "")), StandardCharsets.UTF_8);
    cluster.createTopic("views", 1);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector");
    config.put("tasks.max", "1");
    config.put("file", input.toString());
    config.put("topic", "views");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("transforms", "decode,ua,path");
    config.put("errors.tolerance", "all");
    config.put("errors.log.enable", "true");
    config.put("transforms.decode.type", "io.cloudbridge.smt.Base64Envelope$Value");
    config.put("transforms.decode.envelope", "pubsub_push");
    config.put("transforms.decode.attributes.header.prefix", "attr.");
    config.put("transforms.ua.type", "io.cloudbridge.smt.UserAgent");
    config.put("transforms.ua.field", "ua");
    config.put("transforms.ua.fields", "agent_name,device_class,is_bot");
    config.put("transforms.ua.predicate", "fromWeb");
    config.put("predicates", "fromWeb");
    config.put("predicates.fromWeb.type", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey");
    config.put("predicates.fromWeb.name", "attr.origin");
    config.put("transforms.path.type", "io.cloudbridge.smt.PartitionKey");
    config.put("transforms.path.template", "content_type=${value.content_type}/day=${time:yyyy-MM-dd}");
    config.put("transforms.path.timestamp.source", "field");
    config.put("transforms.path.timestamp.field", "value.at");
    config.put("transforms.path.timezone", "Asia/Kathmandu");
    config.put("transforms.path.target.name", "hive_path");
    cluster.configureConnector("views-pipeline", config);
    cluster.awaitRunning("views-pipeline", 1, Duration.ofSeconds(60));

    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    cluster.consume(3, Duration.ofSeconds(60), "views").forEach(records::add);
    assertThat(records).hasSize(3);
    com.fasterxml.jackson.databind.JsonNode first = json.readTree(records.get(0).value());
    assertThat(first.path("n").asLong()).isEqualTo(1);
    assertThat(first.path("user_agent_parsed").path("agent_name").asText()).isEqualTo("Firefox");
    assertThat(first.path("user_agent_parsed").path("device_class").asText()).isEqualTo("Desktop");
    assertThat(first.path("user_agent_parsed").path("is_bot").asBoolean()).isFalse();
    assertThat(header(records.get(0), "hive_path")).isEqualTo("content_type=video/day=2026-11-22");
    assertThat(header(records.get(0), "attr.origin")).isEqualTo("web");
    assertThat(header(records.get(0), "pubsub.message_id")).isEqualTo("m-1");
    com.fasterxml.jackson.databind.JsonNode second = json.readTree(records.get(1).value());
    assertThat(second.path("user_agent_parsed").path("is_bot").asBoolean()).isTrue();
    assertThat(header(records.get(1), "hive_path")).isEqualTo("content_type=image/day=2026-11-23");
    com.fasterxml.jackson.databind.JsonNode third = json.readTree(records.get(2).value());
    assertThat(third.path("n").asLong()).isEqualTo(3);
    assertThat(third.has("user_agent_parsed")).isFalse();
    assertThat(header(records.get(2), "hive_path")).isEqualTo("content_type=text/day=2026-11-24");
    cluster.deleteConnector("views-pipeline");
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    assertThat(h).as("header %s", name).isNotNull();
    return new String(h.value(), StandardCharsets.UTF_8);
  }
}
