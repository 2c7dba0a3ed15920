package io.cloudbridge.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged plugins on a Kafka Connect 3.7.2 worker (Amazon MSK Connect's newest runtime), run as its own
 * process from the 3.7 jars, against a real broker: the worker lists them and runs them in a pipeline.
 */
class Connect37WorkerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  static Path dir;
  private static EmbeddedKafkaCluster kafka;
  private static Process worker;
  private static String rest;

  @BeforeAll
  static void start() throws Exception {
    kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    int port = io.cloudbridge.testkit.Ports.free();
    rest = "http://127.0.0.1:" + port;
    Path props = dir.resolve("worker.properties");
    Files.writeString(props, String.join("\n",
        "bootstrap.servers=" + kafka.bootstrapServers(),
        "group.id=compat-37",
        "config.storage.topic=compat-configs", "offset.storage.topic=compat-offsets", "status.storage.topic=compat-status",
        "config.storage.replication.factor=1", "offset.storage.replication.factor=1", "status.storage.replication.factor=1",
        "key.converter=org.apache.kafka.connect.storage.StringConverter",
        "value.converter=org.apache.kafka.connect.storage.StringConverter",
        "listeners=http://127.0.0.1:" + port,
        "plugin.path=" + System.getProperty("cloudbridge.plugins.dir"),
        "plugin.discovery=service_load",
        "offset.flush.interval.ms=1000", ""));
    Path log4j = dir.resolve("log4j.properties");
    Files.writeString(log4j, "log4j.rootLogger=WARN, out\nlog4j.appender.out=org.apache.log4j.ConsoleAppender\n"
        + "log4j.appender.out.layout=org.apache.log4j.PatternLayout\nlog4j.appender.out.layout.ConversionPattern=%d %p %c - %m%n\n");
    worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Dlog4j.configuration=file:" + log4j,
        "-cp", System.getProperty("connect37.lib") + "/*",
        "org.apache.kafka.connect.cli.ConnectDistributed", props.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("worker.log").toFile()).start();
    await("Connect 3.7 worker REST").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> {
          if (!worker.isAlive()) {
            throw new AssertionError("worker exited: " + Files.readString(dir.resolve("worker.log")));
          }
          return get("/connectors").statusCode() == 200;
        });
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.destroy();
      worker.waitFor();
    }
    if (kafka != null) {
      kafka.stop();
    }
  }

  @Test
  void theWorkerIsConnect37AndListsThePackagedPluginsWithTheirVersion() throws Exception {
    assertThat(JSON.readTree(get("/").body()).path("version").asText()).isEqualTo("3.7.2");
    List<Map<String, String>> plugins = JSON.readValue(get("/connector-plugins?connectorsOnly=false").body(),
        new TypeReference<>() {});
    assertThat(plugins).anySatisfy(p -> {
      assertThat(p.get("class")).isEqualTo("io.cloudbridge.fixture.StampHeader");
      assertThat(p.get("version")).isEqualTo(System.getProperty("project.version"));
    });
  }

  @Test
  void aPackagedTransformRunsInAPipelineOnTheOldWorker() throws Exception {
    Path input = dir.resolve("input.txt");
    Files.write(input, List.of("alpha", "beta"), StandardCharsets.UTF_8);
    kafka.createTopic("compat-lines", 1);
    String config = JSON.writeValueAsString(Map.of(
        "connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max", "1",
        "file", input.toString(),
        "topic", "compat-lines",
        "transforms", "stamp",
        "transforms.stamp.type", "io.cloudbridge.fixture.StampHeader",
        "transforms.stamp.header.value", "on-3.7"));
    HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/connectors/compat-file/config"))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(config)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isIn(200, 201);

    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : kafka.consume(2, Duration.ofSeconds(60).toMillis(), "compat-lines")) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
      Header stamp = r.headers().lastHeader("cloudbridge-stamp");
      assertThat(stamp).isNotNull();
      assertThat(new String(stamp.value(), StandardCharsets.UTF_8)).isEqualTo("on-3.7");
    }
    assertThat(values).containsExactly("alpha", "beta");
  }

  @Test
  void theSqsSourceRunsOnTheOldWorkerWithoutPluginMetricsAndDeletesAfterAcknowledgement() throws Exception {
    try (io.cloudbridge.testkit.aws.SqsServer sqsServer = io.cloudbridge.testkit.aws.SqsServer.start();
         var sqs = sqsServer.client()) {
      String url = sqsServer.createQueue("compat-events", Map.of());
      for (int i = 0; i < 5; i++) {
        int n = i;
        sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"n\":" + n + "}"));
      }
      kafka.createTopic("compat-sqs", 1);
      Map<String, String> config = new java.util.HashMap<>();
      config.put("connector.class", "io.cloudbridge.sqs.SqsSourceConnector");
      config.put("tasks.max", "1");
      config.put("sqs.queue.url", url);
      config.put("sqs.wait.time.seconds", "1");
      config.put("topic", "compat-sqs");
      config.put("value.format", "string");
      config.putAll(sqsServer.connectorAwsConfig());
      HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create(rest + "/connectors/compat-sqs/config"))
          .header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isIn(200, 201);

      List<String> values = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : kafka.consume(5, Duration.ofSeconds(60).toMillis(), "compat-sqs")) {
        values.add(new String(r.value(), StandardCharsets.UTF_8));
      }
      assertThat(values).containsExactlyInAnyOrder("{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
      await("messages deleted after Kafka acknowledged them").atMost(Duration.ofSeconds(30))
          .until(() -> sqsServer.messagesLeft(url) == 0);
      assertThat(JSON.readTree(get("/connectors/compat-sqs/status").body()).at("/tasks/0/state").asText())
          .isEqualTo("RUNNING");
    }
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(rest + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

}
