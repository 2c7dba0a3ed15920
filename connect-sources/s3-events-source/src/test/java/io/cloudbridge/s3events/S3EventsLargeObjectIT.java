package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Bounded memory: a gzip JSON-lines object of more than 2 GiB uncompressed is read by a worker process whose heap
 * is capped at 256 MiB, and every line reaches Kafka, in order and intact.
 */
class S3EventsLargeObjectIT {

  private static final int LINE_BYTES = 2048;
  private static final long UNCOMPRESSED = (2L << 30) + (64L << 20);
  private static final int LINES = (int) (UNCOMPRESSED / LINE_BYTES);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aTwoGigabyteObjectIsReadWithA256MegabyteHeap(@TempDir Path dir) throws Exception {
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    try (SqsServer sqsServer = SqsServer.start(); S3Server s3Server = S3Server.inMemory();
         SqsClient sqs = sqsServer.client(); S3Client s3 = s3Server.client()) {
      kafka.createTopic("big-lines", 1);
      s3.createBucket(r -> r.bucket("big"));
      String key = "archive/huge.json.gz";
      byte[] object = archive();
      String etag = S3Server.put(s3, r -> r.bucket("big").key(key), object);
      String url = sqsServer.createQueue("big", Map.of());

      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      // Compressed produce requests keep the broker's disk small; the worker still handles every byte.
      ConnectWorkerProcess worker = ConnectWorkerProcess.start(kafka.bootstrapServers(), "big", plugins, dir,
          Map.of("producer.compression.type", "lz4"), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
      try {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.cloudbridge.s3events.S3EventsSourceConnector");
        config.put("tasks.max", "1");
        config.put("sqs.queue.url", url);
        config.put("sqs.wait.time.seconds", "1");
        config.put("s3.endpoint.override", s3Server.endpoint().uri().toString());
        config.put("s3.path.style.access", "true");
        config.put("topic", "big-lines");
        config.putAll(sqsServer.connectorAwsConfig());
        worker.putConnector("big", JSON.writeValueAsString(config));
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(Notifications.created("big", key, etag, "0B01")));

        long next = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
          consumer.subscribe(List.of("big-lines"));
          long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
          while (next < LINES && System.nanoTime() < deadline && worker.isAlive()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
              JsonNode line = JSON.readTree(r.value());
              if (line.get("n").asLong() != next || line.get("m").asLong() != next
                  || line.get("pad").asText().length() != padLength(next)) {
                throw new AssertionError("record " + next + " is not line " + next + ": "
                    + new String(r.value(), 0, 80, StandardCharsets.UTF_8));
              }
              next++;
            }
          }
        }
        assertThat(worker.isAlive()).as("the worker survived (no OutOfMemoryError)").isTrue();
        assertThat(next).as("lines delivered of %d (%d bytes uncompressed, %d compressed)", LINES,
            (long) LINES * LINE_BYTES, object.length).isEqualTo(LINES);
        await("the notification deleted").atMost(Duration.ofMinutes(1)).until(() -> sqsServer.messagesLeft(url) == 0);
        System.out.printf("S3EventsLargeObjectIT: %d lines, %d MiB uncompressed, %d MiB compressed, worker -Xmx256m%n",
            LINES, ((long) LINES * LINE_BYTES) >> 20, object.length >> 20);
      } finally {
        worker.close();
      }
    } finally {
      kafka.stop();
    }
  }

  private static int padLength(long n) {
    return LINE_BYTES - prefix(n).length() - suffix(n).length() - 1;
  }

  private static String prefix(long n) {
    return "{\"n\":" + n + ",\"pad\":\"";
  }

  private static String suffix(long n) {
    return "\",\"m\":" + n + "}";
  }

  /** Fixed-length lines, so the uncompressed size is exact; fast compression, as log shippers use. */
  private static byte[] archive() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 << 20);
    String pad = "0123456789abcdef".repeat(LINE_BYTES / 16);
    try (GZIPOutputStream out = new GZIPOutputStream(bytes, 256 * 1024) {
      {
        def.setLevel(Deflater.BEST_SPEED);
      }
    }) {
      for (long i = 0; i < LINES; i++) {
        String line = prefix(i) + pad.substring(0, padLength(i)) + suffix(i) + "\n";
        out.write(line.getBytes(StandardCharsets.US_ASCII));
      }
    }
    return bytes.toByteArray();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaCluster kafka) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("group.id", "big-check");
    p.put("auto.offset.reset", "earliest");
    p.put("max.partition.fetch.bytes", Integer.toString(8 << 20));
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }
}
