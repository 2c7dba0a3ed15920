package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Notifications;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Reference pipelines 1 (EventBridge → BigQuery and GCS) and 2 (S3 log archives → GCS and BigQuery exactly once) on
 * three workers with their tasks spread across them; a worker joins while records are in flight, then one of the
 * first three leaves. Afterwards every event and log line is where it belongs, as often as each connector promises:
 * pipeline 2 exactly once in Kafka, BigQuery and GCS; pipeline 1 at least once from SQS into Kafka and BigQuery, and
 * exactly once from Kafka into GCS.
 */
class ScalingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLES = Path.of("../config-examples");
  private static final List<String> EVENT_TOPICS = List.of("events.com.example.shop.Order_Placed",
      "events.com.example.shop.Checkout_Started");
  private static final int EVENTS_PER_WAVE = 150;
  private static final int ARCHIVES_PER_WAVE = 2;
  private static final int LINES_PER_ARCHIVE = 150;
  private static final Duration ARRIVAL = Duration.ofMinutes(3);

  @Test
  void pipelinesOneAndTwoKeepTheirGuaranteesWhileAWorkerJoinsAndOneLeaves() throws Exception {
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start()) {
      ConnectCluster connect = ConnectCluster.builder().workers(3).pluginPath(PackagedPlugins.dir())
          .brokerProperty("transaction.state.log.replication.factor", "1")
          .brokerProperty("transaction.state.log.min.isr", "1")
          .workerProperty("exactly.once.source.support", "enabled")
          .workerProperty("offset.flush.interval.ms", "2000")
          // Connect holds a departed worker's tasks this long for its return before moving them (default 5 min).
          .workerProperty("scheduled.rebalance.max.delay.ms", "5000")
          .start();
      try (SqsClient sqsClient = sqs.client(); S3Client s3Client = s3.client()) {
        EVENT_TOPICS.forEach(t -> connect.createTopic(t, 3));
        s3Client.createBucket(b -> b.bucket("demo-logs"));
        Map<String, Integer> tasks = new HashMap<>();
        for (String pipeline : List.of("eventbridge-to-bigquery", "s3-logs-to-gcs-and-bigquery")) {
          try (var files = java.nio.file.Files.list(EXAMPLES.resolve(pipeline))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
              Map<String, String> config = JSON.readValue(file.toFile(), new TypeReference<>() {});
              StandIns.point(config, sqs, s3, gcs, bigQuery, connect.bootstrapServers());
              config.computeIfPresent("rotate.schedule.interval.ms", (k, v) -> "3000");
              String name = file.getFileName().toString().replace(".json", "");
              connect.configureConnector(name, config);
              tasks.put(name, Integer.parseInt(config.get("tasks.max")));
            }
          }
        }
        tasks.forEach((name, n) -> connect.awaitRunning(name, n, Duration.ofSeconds(90)));
        assertThat(workersRunningTasks(connect, tasks.keySet())).as("tasks spread over the workers").hasSize(3);

        Set<WorkerHandle> firstThree = Set.copyOf(connect.embedded().workers());
        Sent sent = new Sent();
        sendWave(0, sqsClient, s3Client, sent);
        WorkerHandle joined = connect.addWorker();
        sendWave(1, sqsClient, s3Client, sent);
        await("a rebalance giving the new worker tasks").atMost(Duration.ofSeconds(90)).ignoreExceptions()
            .until(() -> workersRunningTasks(connect, tasks.keySet()).contains(workerId(joined)));
        WorkerHandle leaving = firstThree.iterator().next();
        String joinedId = workerId(joined);
        String leavingId = workerId(leaving);
        sendWave(2, sqsClient, s3Client, sent);
        connect.stopWorker(leaving);
        sendWave(3, sqsClient, s3Client, sent);
        tasks.forEach((name, n) -> connect.awaitRunning(name, n, Duration.ofSeconds(90)));
        assertThat(workersRunningTasks(connect, tasks.keySet())).doesNotContain(leavingId).contains(joinedId).hasSize(3);

        // Pipeline 2: every log line exactly once in Kafka, BigQuery and GCS.
        await("every log line in BigQuery").atMost(ARRIVAL).ignoreExceptions()
            .until(() -> bigQuery.rows("analytics", "logs").size() >= sent.lines.size());
        await("every log line in GCS").atMost(ARRIVAL)
            .until(() -> gcsLines(gcs, "logs/").size() >= sent.lines.size());
        List<String> kafkaLines = values(connect, "logs.archive").stream()
            .map(v -> v.path("payload").path("message").asText()).toList();
        assertThat(kafkaLines).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines);
        assertThat(bigQuery.rows("analytics", "logs")).extracting(r -> (String) r.get("message"))
            .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines);
        assertThat(gcsLines(gcs, "logs/")).extracting(l -> l.path("message").asText())
            .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines);

        // Pipeline 1: at least once into Kafka and BigQuery; GCS holds each Kafka record exactly once.
        await("every event in BigQuery").atMost(ARRIVAL).ignoreExceptions().until(() -> eventIds(bigQuery).containsAll(sent.events));
        List<String> kafkaEvents = new ArrayList<>();
        for (String topic : EVENT_TOPICS) {
          values(connect, topic).forEach(v -> kafkaEvents.add(v.path("payload").path("id").asText()));
        }
        assertThat(new HashSet<>(kafkaEvents)).isEqualTo(sent.events);
        assertThat(eventIds(bigQuery)).isEqualTo(sent.events);
        await("each event record in GCS").atMost(ARRIVAL)
            .until(() -> gcsLines(gcs, "events/").size() >= kafkaEvents.size());
        assertThat(gcsLines(gcs, "events/")).extracting(l -> l.path("id").asText())
            .containsExactlyInAnyOrderElementsOf(kafkaEvents);
        System.out.printf("scaling: %d events (%d Kafka records, %d BigQuery rows), %d log lines; workers %s joined, %s left%n",
            sent.events.size(), kafkaEvents.size(), eventRows(bigQuery), sent.lines.size(), joinedId, leavingId);
      } finally {
        connect.close();
      }
    }
  }

  private static final class Sent {
    final Set<String> events = new HashSet<>();
    final Set<String> lines = new HashSet<>();
  }

  /** A wave of EventBridge events into SQS and of gzip log archives into S3 with their notifications. */
  private static void sendWave(int wave, SqsClient sqs, S3Client s3, Sent sent) throws IOException {
    String events = sqs.getQueueUrl(b -> b.queueName("shop-events")).queueUrl();
    Instant at = Instant.now().minusSeconds(60);
    for (int i = 0; i < EVENTS_PER_WAVE; i += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      for (int j = i; j < i + 10; j++) {
        String id = "w" + wave + "-e" + j;
        String type = j % 2 == 0 ? "Order Placed" : "Checkout Started";
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody("{\"version\":\"0\",\"id\":\"" + id
            + "\",\"detail-type\":\"" + type + "\",\"source\":\"com.example.shop\",\"account\":\"123456789012\","
            + "\"time\":\"" + at + "\",\"region\":\"eu-west-1\",\"resources\":[],\"detail\":{\"orderId\":\"o-" + id
            + "\",\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\"}}").build());
        sent.events.add(id);
      }
      assertThat(sqs.sendMessageBatch(b -> b.queueUrl(events).entries(batch)).failed()).isEmpty();
    }
    String notifications = sqs.getQueueUrl(b -> b.queueName("log-archive-events")).queueUrl();
    for (int a = 0; a < ARCHIVES_PER_WAVE; a++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
        for (int l = 0; l < LINES_PER_ARCHIVE; l++) {
          String message = "wave " + wave + " archive " + a + " line " + l;
          gz.write(("{\"date\":\"" + at + "\",\"service\":\"svc-" + (l % 4) + "\",\"status\":\"info\",\"message\":\""
              + message + "\"}\n").getBytes(StandardCharsets.UTF_8));
          sent.lines.add(message);
        }
      }
      String key = "dd-archive/dt=20261122/hour=10/archive_w" + wave + "_" + a + ".json.gz";
      String etag = S3Server.put(s3, b -> b.bucket("demo-logs").key(key), bytes.toByteArray());
      String body = S3Notifications.created("demo-logs", key, etag, bytes.size());
      sqs.sendMessage(b -> b.queueUrl(notifications).messageBody(body));
    }
  }

  private static Set<String> workersRunningTasks(ConnectCluster connect, Set<String> connectors) {
    Set<String> workers = new HashSet<>();
    for (String name : connectors) {
      for (ConnectorStateInfo.TaskState t : connect.status(name).tasks()) {
        if (t.state().equals("RUNNING")) {
          workers.add(t.workerId());
        }
      }
    }
    return workers;
  }

  private static String workerId(WorkerHandle worker) {
    return worker.url().getHost() + ":" + worker.url().getPort();
  }

  /** Every committed value of a topic now (read_committed, up to the last stable offsets). */
  private static List<JsonNode> values(ConnectCluster connect, String topic) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (var r : connect.kafka().consumeAll(ARRIVAL.toMillis(), Map.of("isolation.level", "read_committed"),
        Map.of(), topic)) {
      out.add(JSON.readTree(r.value()));
    }
    return out;
  }

  private static Set<String> eventIds(BigQueryStandIn bigQuery) {
    Set<String> ids = new HashSet<>();
    for (String topic : EVENT_TOPICS) {
      bigQuery.rows("analytics", topic.replace('.', '_')).forEach(r -> ids.add((String) r.get("id")));
    }
    return ids;
  }

  private static int eventRows(BigQueryStandIn bigQuery) {
    return EVENT_TOPICS.stream().mapToInt(t -> bigQuery.rows("analytics", t.replace('.', '_')).size()).sum();
  }

  /** Every JSON line of the gzip objects under a prefix. */
  private static List<JsonNode> gcsLines(GcsStandIn gcs, String prefix) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String name : gcs.objectNames("demo-lake")) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gcs.objectBytes("demo-lake", name)))) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }
}
