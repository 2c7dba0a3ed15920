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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Exactly once: with {@code exactly.once.source.support=enabled} on two worker processes, the worker reading a
 * large gzip JSON-lines object is killed (SIGKILL) in the middle of it. After the other worker takes over, every
 * line is in Kafka exactly once (read_committed), in order, and the notification is gone from the queue.
 */
class S3EventsExactlyOnceIT {

  private static final int LINES = 300_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aWorkerKilledMidObjectLeavesNoDuplicateAndNoGap(@TempDir Path dir) throws Exception {
    Properties broker = new Properties();
    broker.put("transaction.state.log.replication.factor", "1");
    broker.put("transaction.state.log.min.isr", "1");
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, broker);
    kafka.start();
    try (SqsServer sqsServer = SqsServer.start(); S3Server s3Server = S3Server.inMemory();
         SqsClient sqs = sqsServer.client(); S3Client s3 = s3Server.client();
         io.cloudbridge.testkit.http.FaultProxy s3Proxy =
             io.cloudbridge.testkit.http.FaultProxy.to(s3Server.endpoint().uri());
         io.cloudbridge.testkit.http.FaultProxy sqsProxy =
             io.cloudbridge.testkit.http.FaultProxy.to(sqsServer.endpoint().uri())) {
      kafka.createTopic("eos-lines", 1);
      s3.createBucket(r -> r.bucket("archive"));
      String key = "dd-archive/2026/11/22/archive_0405.json.gz";
      String etag = S3Server.put(s3, r -> r.bucket("archive").key(key), archive());
      String url = sqsServer.createQueue("eos", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "10"));

      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      Map<String, String> worker = Map.of("exactly.once.source.support", "enabled");
      ConnectWorkerProcess a = ConnectWorkerProcess.start(kafka.bootstrapServers(), "eos", plugins, dir, worker);
      ConnectWorkerProcess b = ConnectWorkerProcess.start(kafka.bootstrapServers(), "eos", plugins, dir, worker);
      try {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.cloudbridge.s3events.S3EventsSourceConnector");
        config.put("tasks.max", "1");
        config.put("exactly.once.support", "required");
        config.put("sqs.queue.url", url);
        config.put("sqs.wait.time.seconds", "1");
        config.put("sqs.visibility.timeout.seconds", "10");
        config.put("s3.endpoint.override", s3Proxy.uri().toString());
        config.put("s3.path.style.access", "true");
        config.put("topic", "eos-lines");
        config.put("batch.max.records", "500");
        config.putAll(sqsServer.connectorAwsConfig());
        config.put("aws.endpoint.override", sqsProxy.uri().toString());
        // Replies lost after the service applied the call: object reads cut off after S3 sent them, SQS calls
        // (receives, deletes, visibility changes) answered 503 after ElasticMQ carried them out.
        s3Proxy.faults().applyThenDropNext(3, "GET", "/archive/");
        sqsProxy.faults().applyThenFailNext(3, "POST", "", 503);
        a.putConnector("eos", JSON.writeValueAsString(config));
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(Notifications.created("archive", key, etag, "0A01")));

        List<Long> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
          consumer.subscribe(List.of("eos-lines"));
          await("a quarter of the object in Kafka").atMost(Duration.ofMinutes(3))
              .until(() -> drain(consumer, seen) >= LINES / 4);
          ConnectWorkerProcess running = workerRunningTheTask(a, b);
          running.kill();
          assertThat(seen.size()).as("killed in the middle of the object").isLessThan(LINES);
          await("every line in Kafka after the kill").atMost(Duration.ofMinutes(4))
              .until(() -> drain(consumer, seen) >= LINES);
          await("the notification deleted").atMost(Duration.ofMinutes(1))
              .until(() -> sqsServer.messagesLeft(url) == 0);
          // Anything written twice would be committed by now: the notification goes only after the last record.
          drain(consumer, seen);
        }
        System.out.printf("S3EventsExactlyOnceIT: %d lines, %d records committed, %d S3 and %d SQS replies lost"
            + " after being applied%n", LINES, seen.size(), s3Proxy.faults().injected(), sqsProxy.faults().injected());
        assertThat(s3Proxy.faults().injected()).as("S3 faults fired").isEqualTo(3);
        assertThat(sqsProxy.faults().injected()).as("SQS faults fired").isEqualTo(3);
        assertThat(seen).hasSize(LINES);
        for (int i = 0; i < LINES; i++) {
          if (seen.get(i) != i) {
            throw new AssertionError("record " + i + " is line " + seen.get(i) + ": a gap or a duplicate");
          }
        }
      } finally {
        a.close();
        b.close();
      }
    } finally {
      kafka.stop();
    }
  }

  private static ConnectWorkerProcess workerRunningTheTask(ConnectWorkerProcess a, ConnectWorkerProcess b)
      throws Exception {
    JsonNode status = JSON.readTree(a.get("/connectors/eos/status").body());
    String workerId = status.path("tasks").path(0).path("worker_id").asText();
    String port = workerId.substring(workerId.lastIndexOf(':') + 1);
    return a.restUrl().endsWith(":" + port) ? a : b;
  }

  /** A Datadog-style archive: gzip JSON lines, one log event per line. */
  private static byte[] archive() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes, 64 * 1024)) {
      for (int i = 0; i < LINES; i++) {
        out.write(("{\"n\":" + i + ",\"date\":\"2026-11-22T04:05:06.000Z\",\"service\":\"checkout\",\"status\":\"info\","
            + "\"message\":\"order " + i + " placed\",\"attributes\":{\"http\":{\"status_code\":200}}}\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toByteArray();
  }

  private static int drain(KafkaConsumer<byte[], byte[]> consumer, List<Long> seen) throws Exception {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
      seen.add(JSON.readTree(r.value()).get("n").asLong());
    }
    return seen.size();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaCluster kafka) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("group.id", "eos-check");
    p.put("auto.offset.reset", "earliest");
    p.put("isolation.level", "read_committed");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }
}
