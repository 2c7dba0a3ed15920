package io.cloudbridge.testkit.pipelines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Notifications;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What reference pipelines 1 and 2 are fed, and what came out of them. It sends EventBridge events into SQS (the
 * queue of pipeline 1) and gzip JSON-lines log archives into S3 with their ObjectCreated notifications (pipeline 2),
 * remembering each event id and log message it sent, and reads them back from Kafka, BigQuery and GCS.
 */
public final class Traffic {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

  private final SqsClient sqs;
  private final S3Client s3;
  private final Set<String> events = ConcurrentHashMap.newKeySet();
  private final Set<String> lines = ConcurrentHashMap.newKeySet();

  /** Sends through these clients (the caller's, pointed at the servers themselves, not at fault proxies). */
  public Traffic(SqsClient sqs, S3Client s3) {
    this.sqs = sqs;
    this.s3 = s3;
  }

  /** Event ids sent so far. */
  public Set<String> events() {
    return Set.copyOf(events);
  }

  /** Log messages sent so far. */
  public Set<String> lines() {
    return Set.copyOf(lines);
  }

  /** {@code count} events (a multiple of 10) with ids {@code <prefix>-e<n>}, half of each detail type. */
  public void sendEvents(String prefix, int count) {
    String queue = sqs.getQueueUrl(b -> b.queueName("shop-events")).queueUrl();
    Instant at = Instant.now().minusSeconds(60);
    for (int i = 0; i < count; i += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int j = i; j < i + 10; j++) {
        String id = prefix + "-e" + j;
        String type = j % 2 == 0 ? "Order Placed" : "Checkout Started";
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody("{\"version\":\"0\",\"id\":\"" + id
            + "\",\"detail-type\":\"" + type + "\",\"source\":\"com.example.shop\",\"account\":\"123456789012\","
            + "\"time\":\"" + at + "\",\"region\":\"eu-west-1\",\"resources\":[],\"detail\":{\"orderId\":\"o-" + id
            + "\",\"user_agent\":\"" + AGENT + "\"}}").build());
        ids.add(id);
      }
      var failed = sqs.sendMessageBatch(b -> b.queueUrl(queue).entries(batch)).failed();
      if (!failed.isEmpty()) {
        throw new IllegalStateException("SQS refused " + failed);
      }
      events.addAll(ids);
    }
  }

  /** A gzip JSON-lines archive of {@code count} lines at {@code s3://demo-logs/dd-archive/…/<name>.json.gz}, notified. */
  public void sendArchive(String name, int count) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> messages = new ArrayList<>();
    Instant at = Instant.now().minusSeconds(60);
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      for (int l = 0; l < count; l++) {
        String message = name + " line " + l;
        gz.write(("{\"date\":\"" + at + "\",\"service\":\"svc-" + (l % 4) + "\",\"status\":\"info\",\"message\":\""
            + message + "\"}\n").getBytes(StandardCharsets.UTF_8));
        messages.add(message);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String key = "dd-archive/dt=20261122/hour=10/" + name + ".json.gz";
    String etag = S3Server.put(s3, b -> b.bucket(ReferencePipelines.LOG_BUCKET).key(key), bytes.toByteArray());
    String queue = sqs.getQueueUrl(b -> b.queueName("log-archive-events")).queueUrl();
    sqs.sendMessage(b -> b.queueUrl(queue).messageBody(
        S3Notifications.created(ReferencePipelines.LOG_BUCKET, key, etag, bytes.size())));
    lines.addAll(messages);
  }

  /** Every committed value of a topic now (read_committed, up to the last stable offsets), as JSON. */
  public static List<JsonNode> kafkaValues(EmbeddedKafkaCluster kafka, String topic, Duration timeout) {
    List<JsonNode> out = new ArrayList<>();
    try {
      for (var r : kafka.consumeAll(timeout.toMillis(), Map.of("isolation.level", "read_committed"), Map.of(), topic)) {
        out.add(JSON.readTree(r.value()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("reading " + topic, e);
    }
    return out;
  }

  /** Event ids of pipeline 1's records in Kafka, one per record (repeats kept). */
  public static List<String> kafkaEventIds(EmbeddedKafkaCluster kafka, Duration timeout) {
    List<String> ids = new ArrayList<>();
    for (String topic : ReferencePipelines.EVENT_TOPICS) {
      kafkaValues(kafka, topic, timeout).forEach(v -> ids.add(v.path("payload").path("id").asText()));
    }
    return ids;
  }

  /** Log messages of pipeline 2's records in Kafka, one per record. */
  public static List<String> kafkaLines(EmbeddedKafkaCluster kafka, Duration timeout) {
    return kafkaValues(kafka, ReferencePipelines.LOG_TOPIC, timeout).stream()
        .map(v -> v.path("payload").path("message").asText()).toList();
  }

  /** Event ids of the rows of pipeline 1's BigQuery tables, one per row. */
  public static List<String> bigQueryEventIds(BigQueryStandIn bigQuery) {
    List<String> ids = new ArrayList<>();
    for (String topic : ReferencePipelines.EVENT_TOPICS) {
      bigQuery.rows(ReferencePipelines.DATASET, topic.replace('.', '_')).forEach(r -> ids.add((String) r.get("id")));
    }
    return ids;
  }

  /** Log messages of the rows of pipeline 2's BigQuery table, one per row. */
  public static List<String> bigQueryLines(BigQueryStandIn bigQuery) {
    return bigQuery.rows(ReferencePipelines.DATASET, "logs").stream().map(r -> (String) r.get("message")).toList();
  }

  /** {@code field} of every JSON line of the gzip objects under a prefix of the pipelines' GCS bucket. */
  public static List<String> gcsField(GcsStandIn gcs, String prefix, String field) {
    List<String> out = new ArrayList<>();
    for (String name : gcs.objectNames(ReferencePipelines.BUCKET)) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      byte[] object = gcs.objectBytes(ReferencePipelines.BUCKET, name);
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(object))) {
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          out.add(JSON.readTree(line).path(field).asText());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(name, e);
      }
    }
    return out;
  }

  /** Event ids in pipeline 1's GCS objects, one per line. */
  public static List<String> gcsEventIds(GcsStandIn gcs) {
    return gcsField(gcs, "events/", "id");
  }

  /** Log messages in pipeline 2's GCS objects, one per line. */
  public static List<String> gcsLines(GcsStandIn gcs) {
    return gcsField(gcs, "logs/", "message");
  }
}
