package io.cloudbridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * No data lost when a worker dies: 20,000 messages through 2 tasks on 2 worker processes, one of which is
 * killed (SIGKILL) mid-stream. Every message must reach Kafka and the queue must end empty; duplicates (from
 * records written but not yet deleted at the kill) are counted and printed.
 */
class SqsSourceCrashIT {

  private static final int MESSAGES = 20_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyMessageReachesKafkaWhenAWorkerIsKilledMidStream(@TempDir Path dir) throws Exception {
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    try (SqsServer sqsServer = SqsServer.start(); SqsClient sqs = sqsServer.client()) {
      kafka.createTopic("crash-events", 4);
      String url = sqsServer.createQueue("crash", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "20"));
      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      ConnectWorkerProcess first = ConnectWorkerProcess.start(kafka.bootstrapServers(), "crash", plugins, dir, Map.of());
      ConnectWorkerProcess second = ConnectWorkerProcess.start(kafka.bootstrapServers(), "crash", plugins, dir, Map.of());
      try {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.cloudbridge.sqs.SqsSourceConnector");
        config.put("tasks.max", "2");
        config.put("sqs.queue.url", url);
        config.put("sqs.wait.time.seconds", "1");
        config.put("sqs.visibility.timeout.seconds", "20");
        config.put("sqs.receivers", "2");
        config.put("topic", "crash-events");
        config.put("value.format", "json");
        config.putAll(sqsServer.connectorAwsConfig());
        first.putConnector("crash", JSON.writeValueAsString(config));

        ExecutorService senders = Executors.newFixedThreadPool(4);
        List<Future<?>> sent = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          sent.add(senders.submit(() -> {
            for (int i = thread * 10; i < MESSAGES; i += 40) {
              List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
              for (int j = i; j < i + 10; j++) {
                batch.add(SendMessageBatchRequestEntry.builder().id("e" + j).messageBody("{\"n\":" + j + "}").build());
              }
              sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            }
          }));
        }

        Set<Long> seen = new HashSet<>();
        long[] total = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
          consumer.subscribe(List.of("crash-events"));
          await("a quarter of the messages in Kafka").atMost(Duration.ofMinutes(3))
              .until(() -> drain(consumer, seen, total) >= MESSAGES / 4);
          second.kill();
          for (Future<?> f : sent) {
            f.get();
          }
          senders.shutdown();
          await("every message in Kafka after the kill").atMost(Duration.ofMinutes(4))
              .until(() -> drain(consumer, seen, total) >= MESSAGES);
        }
        long duplicates = total[0] - seen.size();
        System.out.printf("SqsSourceCrashIT: %d messages, %d records, %d distinct, %d duplicates%n",
            MESSAGES, total[0], seen.size(), duplicates);
        assertThat(seen).hasSize(MESSAGES);
        assertThat(seen).allMatch(n -> n >= 0 && n < MESSAGES);
        await("queue empty").atMost(Duration.ofMinutes(2)).until(() -> sqsServer.messagesLeft(url) == 0);
      } finally {
        first.close();
        second.close();
      }
    } finally {
      kafka.stop();
    }
  }

  private static int drain(KafkaConsumer<byte[], byte[]> consumer, Set<Long> seen, long[] total) throws Exception {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
      seen.add(JSON.readTree(r.value()).get("n").asLong());
      total[0]++;
    }
    return seen.size();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(EmbeddedKafkaCluster kafka) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("group.id", "crash-check");
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }
}
