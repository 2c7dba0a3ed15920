package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.Ports;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * S3 goes away in the middle of an object and comes back: the task reads on from where the broken response
 * stopped, so every line arrives once, in order, and the task never fails.
 */
class S3EventsOutageIT {

  private static final int LINES = 120_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aBrokenObjectDownloadIsResumedWhereItStopped(@TempDir Path dir) throws Exception {
    int port = Ports.free();
    S3Server s3Server = S3Server.onDisk(dir, port);
    try (SqsServer sqsServer = SqsServer.start(); SqsClient sqs = sqsServer.client();
         ConnectCluster connect = ConnectCluster.builder().workers(1)
             .pluginPath(Path.of(System.getProperty("cloudbridge.plugin.path")))
             .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
             .workerProperty("value.converter.schemas.enable", "false")
             .start()) {
      connect.createTopic("outage", 1);
      String key = "archive/big.json.gz";
      String etag;
      try (S3Client s3 = s3Server.client()) {
        s3.createBucket(r -> r.bucket("outage"));
        etag = s3.putObject(r -> r.bucket("outage").key(key), RequestBody.fromBytes(archive())).eTag()
            .replace("\"", "");
      }
      String url = sqsServer.createQueue("outage", Map.of());
      Map<String, String> c = new HashMap<>();
      c.put("connector.class", "io.cloudbridge.s3events.S3EventsSourceConnector");
      c.put("tasks.max", "1");
      c.put("sqs.queue.url", url);
      c.put("sqs.wait.time.seconds", "1");
      c.put("s3.endpoint.override", s3Server.endpoint().uri().toString());
      c.put("s3.path.style.access", "true");
      c.put("topic", "outage");
      // Small polls and a small bound on unacknowledged records: the object is still being read when S3 goes.
      c.put("batch.max.records", "200");
      c.put("max.unacknowledged.records", "1000");
      c.putAll(sqsServer.connectorAwsConfig());
      connect.configureConnector("outage", c);
      connect.awaitRunning("outage", 1, Duration.ofSeconds(60));
      sqs.sendMessage(r -> r.queueUrl(url).messageBody(Notifications.created("outage", key, etag, "0C01")));

      List<Long> seen = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer = connect.kafka().createConsumerAndSubscribeTo(
          Map.of("auto.offset.reset", "earliest", "group.id", "outage-check"), "outage")) {
        await("the first lines").atMost(Duration.ofMinutes(1)).until(() -> drain(consumer, seen) >= 2_000);
        s3Server.close();
        S3Server again = S3Server.onDisk(dir, port);
        s3Server = again;
        await("every line").atMost(Duration.ofMinutes(3)).until(() -> drain(consumer, seen) >= LINES);
        await("the notification deleted").atMost(Duration.ofMinutes(1)).until(() -> sqsServer.messagesLeft(url) == 0);
        drain(consumer, seen);
      }
      assertThat(PluginMetrics.task("outage", "s3-read-retries-total")).as("reads tried again").isPositive();
      assertThat(connect.status("outage").tasks().get(0).state()).isEqualTo("RUNNING");
      assertThat(seen).hasSize(LINES);
      for (int i = 0; i < LINES; i++) {
        if (seen.get(i) != i) {
          throw new AssertionError("record " + i + " is line " + seen.get(i) + ": a gap or a duplicate");
        }
      }
    } finally {
      s3Server.close();
    }
  }

  /**
   * Lines padded with random text, so the gzip object is tens of megabytes: far more than socket buffers hold, so
   * S3 is still sending when it goes away.
   */
  private static byte[] archive() throws Exception {
    java.util.Random random = new java.util.Random(42);
    byte[] pad = new byte[150];
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes, 64 * 1024)) {
      for (int i = 0; i < LINES; i++) {
        for (int j = 0; j < pad.length; j++) {
          pad[j] = (byte) ('a' + random.nextInt(26));
        }
        out.write(("{\"n\":" + i + ",\"pad\":\"" + new String(pad, StandardCharsets.US_ASCII) + "\"}\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toByteArray();
  }

  private static int drain(KafkaConsumer<byte[], byte[]> consumer, List<Long> seen) throws Exception {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(300))) {
      seen.add(JSON.readTree(r.value()).get("n").asLong());
    }
    return seen.size();
  }
}
