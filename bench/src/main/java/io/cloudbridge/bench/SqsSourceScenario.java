package io.cloudbridge.bench;

import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Messages per second from an SQS-compatible server (ElasticMQ, in this JVM) into Kafka with one task of the
 * SQS source, next to a raw AWS SDK loop (ReceiveMessage of 10 + DeleteMessageBatch) with the same number of
 * concurrent receivers against the same server. Both drain a backlog of the same size; the target
 * is a ratio of at least 0.8. No latency figures: a drained backlog measures throughput only.
 */
final class SqsSourceScenario implements Scenario {

  private static final int RECEIVERS = Integer.getInteger("bench.sqs.receivers", 4);
  private static final String EVENT = "{\"version\":\"0\",\"id\":\"%d\",\"detail-type\":\"Order Placed\","
      + "\"source\":\"com.example.shop\",\"account\":\"111122223333\",\"time\":\"%s\",\"region\":\"eu-west-1\","
      + "\"resources\":[],\"detail\":{\"orderId\":\"o-%d\",\"tenantId\":\"t-%d\",\"total\":12.5,\"items\":[{\"sku\":\"s1\",\"qty\":2}]}}";

  private SqsServer server;

  @Override
  public String name() {
    return "sqs-source";
  }

  @Override
  public String description() {
    return "SQS source, 1 task with " + RECEIVERS + " receivers, vs a raw SDK receive+delete loop with "
        + RECEIVERS + " threads";
  }

  private SqsServer server() {
    if (server == null) {
      server = SqsServer.start();
    }
    return server;
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    String url = server().createQueue("bench-raw-" + System.nanoTime(), Map.of());
    long bytes = load(url, records);
    HeapWatch.reset();
    AtomicLong done = new AtomicLong();
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(RECEIVERS);
    try (SqsClient sqs = server().client()) {
      List<Future<?>> loops = new ArrayList<>();
      for (int i = 0; i < RECEIVERS; i++) {
        loops.add(pool.submit(() -> {
          while (done.get() < records) {
            List<Message> got = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)
                .messageSystemAttributeNames(software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName.ALL)
                .messageAttributeNames("All")).messages();
            if (got.isEmpty()) {
              continue;
            }
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int j = 0; j < got.size(); j++) {
              entries.add(DeleteMessageBatchRequestEntry.builder().id("d" + j).receiptHandle(got.get(j).receiptHandle()).build());
            }
            sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries));
            done.addAndGet(got.size());
          }
          return null;
        }));
      }
      for (Future<?> f : loops) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result("baseline: raw SDK receive+delete", records, bytes, System.nanoTime() - start, new long[0],
        HeapWatch.peak());
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    String url = server().createQueue("bench-src-" + System.nanoTime(), Map.of());
    String topic = "bench-sqs-" + System.nanoTime();
    cluster.createTopic(topic, 3);
    long bytes = load(url, records);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.cloudbridge.sqs.SqsSourceConnector");
    config.put("tasks.max", "1");
    config.put("sqs.queue.url", url);
    config.put("sqs.wait.time.seconds", "1");
    config.put("sqs.receivers", Integer.toString(RECEIVERS));
    config.put("topic", topic);
    config.put("key.path", "detail.tenantId");
    config.put("value.format", System.getProperty("bench.sqs.format", "eventbridge"));
    config.put("value.schemas.enable", System.getProperty("bench.sqs.schemas", "true"));
    config.putAll(server().connectorAwsConfig());
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    // Task start-up (clients, queue check) is not timed: the clock starts once the task reports RUNNING, as the
    // baseline's starts with its first receive.
    String name = "bench-sqs-" + System.nanoTime();
    HeapWatch.reset();
    cluster.configureConnector(name, config);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    long start = System.nanoTime();
    long seen = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster)) {
      consumer.subscribe(List.of(topic));
      while (seen < records) {
        for (ConsumerRecord<byte[], byte[]> ignored : consumer.poll(Duration.ofMillis(200))) {
          seen++;
        }
      }
    }
    long nanos = System.nanoTime() - start;
    long peak = HeapWatch.peak();
    cluster.deleteConnector(name);
    if (records > 5_000) { // after the timed run, not in it
      List<String> bodies = new ArrayList<>();
      String time = java.time.Instant.now().toString();
      for (int i = 0; i < 1_000; i++) {
        bodies.add(String.format(EVENT, i, time, i, i % 100));
      }
      java.util.function.Function<com.fasterxml.jackson.databind.JsonNode, String> stream =
          n -> n.path("source").asText() + "\0" + n.path("detail-type").asText();
      InferenceCost.print("the bench's events", bodies, stream);
      InferenceCost.print("the real-world corpus, 6 detail types", io.cloudbridge.testkit.events.RealWorldEvents
          .corpus("bench", 50).stream().map(io.cloudbridge.testkit.events.RealWorldEvents.Event::json).toList(),
          stream);
    }
    return new Result("measured: SQS source, 1 task", records, bytes, nanos, new long[0], peak);
  }

  /** Puts {@code n} EventBridge-shaped messages on the queue; returns their bytes. */
  private long load(String url, int n) throws Exception {
    AtomicLong bytes = new AtomicLong();
    String time = java.time.Instant.now().minusSeconds(60).toString();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (SqsClient sqs = server().client()) {
      List<Future<?>> parts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int first = t * 10;
        parts.add(pool.submit(() -> {
          for (int i = first; i < n; i += 40) {
            List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
            for (int j = i; j < Math.min(i + 10, n); j++) {
              String body = String.format(EVENT, j, time, j, j % 100);
              bytes.addAndGet(body.length());
              batch.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody(body).build());
            }
            if (!batch.isEmpty()) {
              sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : parts) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return bytes.get();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(ConnectCluster cluster) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("group.id", "bench-sqs-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }
}
