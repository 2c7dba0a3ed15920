package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The plugin zips installed as README tells users (each unzipped into a directory on the worker's plugin.path),
 * then reference pipeline 1 as config-examples/eventbridge-to-bigquery has it: EventBridge events in an SQS queue →
 * SQS source with UserAgent and PartitionKey → BigQuery and GCS sinks. Only the endpoints (and the GCS rotation, so
 * the test need not wait a minute) differ from the files.
 */
class InstallationTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PIPELINE = Path.of("../config-examples/eventbridge-to-bigquery");
  private static final String TOPIC = "events.com.example.shop.Order_Placed";

  private static String event(int n, Instant at) {
    String ua = n % 2 == 0 ? "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
        : "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    return "{\"version\":\"0\",\"id\":\"e-" + n + "\",\"detail-type\":\"Order Placed\",\"source\":\"com.example.shop\","
        + "\"account\":\"123456789012\",\"time\":\"" + at + "\",\"region\":\"eu-west-1\",\"resources\":[],"
        + "\"detail\":{\"orderId\":\"o-" + n + "\",\"total\":" + (10 + n) + ",\"user_agent\":\"" + ua + "\"}}";
  }

  @Test
  void theZipsUnzippedIntoPluginPathRunTheEventBridgePipeline(@TempDir Path dir) throws Exception {
    Path pluginPath = Files.createDirectories(dir.resolve("plugins"));
    List<Path> zips;
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("plugin.zips.dir")))) {
      zips = files.filter(p -> p.toString().endsWith(".zip")).toList();
    }
    assertThat(zips).hasSize(5);
    for (Path zip : zips) {
      unzip(zip, pluginPath);
    }

    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start()) {
      ConnectCluster connect = ConnectCluster.builder().workers(1).pluginPath(pluginPath).start();
      try {
        connect.createTopic(TOPIC, 3); // the sinks subscribe by pattern; the topic is there before they start
        for (String name : List.of("eventbridge-events-source", "events-bigquery-sink", "events-gcs-sink")) {
          Map<String, String> config = JSON.readValue(PIPELINE.resolve(name + ".json").toFile(),
              new TypeReference<>() {});
          StandIns.point(config, sqs, s3, gcs, bigQuery);
          if (config.containsKey("rotate.schedule.interval.ms")) {
            config.put("rotate.schedule.interval.ms", "2000");
          }
          connect.configureConnector(name, config);
        }
        Instant at = Instant.now().minusSeconds(120);
        try (SqsClient client = sqs.client()) {
          String queue = client.getQueueUrl(r -> r.queueName("shop-events")).queueUrl();
          for (int n = 0; n < 20; n++) {
            String body = event(n, at.plusSeconds(n));
            client.sendMessage(r -> r.queueUrl(queue).messageBody(body));
          }
        }

        String table = "events_com_example_shop_Order_Placed";
        await("the events in BigQuery").atMost(Duration.ofSeconds(90)).ignoreExceptions()
            .until(() -> bigQuery.rows("analytics", table).size() >= 20);
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        bigQuery.rows("analytics", table).forEach(r -> rows.put((String) r.get("id"), r));
        assertThat(rows).hasSize(20);
        for (int n = 0; n < 20; n++) {
          Map<String, Object> r = rows.get("e-" + n);
          @SuppressWarnings("unchecked")
          Map<String, Object> detail = (Map<String, Object>) r.get("detail");
          assertThat(detail.get("orderId")).isEqualTo("o-" + n);
          @SuppressWarnings("unchecked")
          Map<String, Object> client = (Map<String, Object>) r.get("client");
          assertThat(client.get("is_bot")).as("bot flag of e-%s", n).isEqualTo(n % 2 == 1);
          assertThat(client.get("agent_name")).isEqualTo(n % 2 == 0 ? "Firefox" : "Googlebot");
          assertThat(r.get("_kafka_topic")).isEqualTo(TOPIC);
          assertThat(r.get("event_date")).isEqualTo(at.plusSeconds(n).atZone(java.time.ZoneId.of("Europe/Paris"))
              .toLocalDate().toString());
        }

        List<String> ids = new ArrayList<>();
        await("the events in GCS").atMost(Duration.ofSeconds(90)).until(() -> {
          ids.clear();
          for (String name : gcs.objectNames("demo-lake")) {
            if (name.startsWith("events/")) {
              assertThat(name).startsWith("events/detail_type=Order Placed/dt="
                  + at.atZone(java.time.ZoneId.of("Europe/Paris")).toLocalDate() + "/" + TOPIC + "+");
              ids.addAll(idsIn(gcs.objectBytes("demo-lake", name)));
            }
          }
          return ids.size() >= 20;
        });
        assertThat(ids).hasSize(20).doesNotHaveDuplicates();
      } finally {
        connect.close();
      }
    }
  }

  private static List<String> idsIn(byte[] gzip) throws IOException {
    List<String> out = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(new ByteArrayInputStream(gzip)), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        JsonNode r = JSON.readTree(line);
        out.add(r.path("id").asText());
      }
    }
    return out;
  }

  /** {@code unzip <zip> -d <plugin.path>}: the archive's top directory becomes a plugin directory. */
  private static void unzip(Path zip, Path into) throws IOException {
    try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
      for (ZipEntry e = z.getNextEntry(); e != null; e = z.getNextEntry()) {
        Path target = into.resolve(e.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new IOException("entry outside the target: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(z, target);
        }
      }
    }
  }
}
