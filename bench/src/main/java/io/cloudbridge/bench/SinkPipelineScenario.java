package io.cloudbridge.bench;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How much a Connect sink pipeline with a packaged Cloudbridge transform costs over reading the same records
 * with a plain consumer: Kafka's FileStreamSink with the StampHeader plugin from plugin.path (measured)
 * against a raw KafkaConsumer loop (baseline). Latency is from the producer's send to the record being seen
 * at the end of the pipeline. Later issues add scenarios for their own connectors beside this one.
 */
final class SinkPipelineScenario implements Scenario {

  private static final int VALUE_PADDING = 180;

  @Override
  public String name() {
    return "sink-pipeline";
  }

  @Override
  public String description() {
    return "Connect sink pipeline (FileStreamSink + packaged StampHeader transform) vs raw consumer loop";
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    String topic = "bench-raw-" + System.nanoTime();
    cluster.createTopic(topic, 1);
    long[] latencies = new long[records];
    HeapWatch.reset();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(cluster))) {
      consumer.subscribe(List.of(topic));
      consumer.poll(Duration.ofMillis(500)); // join the group before the clock starts
      long start = System.nanoTime();
      Thread producer = produceAsync(cluster, topic, records);
      int seen = 0;
      long bytes = 0;
      while (seen < records) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
          latencies[seen++] = (System.nanoTime() - sentAt(r.value())) / 1000;
          bytes += r.value().length();
        }
      }
      long nanos = System.nanoTime() - start;
      producer.join();
      return new Result("baseline: raw consumer loop", records, bytes, nanos, latencies, HeapWatch.peak());
    }
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    String topic = "bench-sink-" + System.nanoTime();
    cluster.createTopic(topic, 1);
    Path out = Files.createTempFile("cloudbridge-bench", ".txt");
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector");
    config.put("tasks.max", "1");
    config.put("topics", topic);
    config.put("file", out.toString());
    config.put("transforms", "stamp");
    config.put("transforms.stamp.type", "io.cloudbridge.fixture.StampHeader");
    config.put("transforms.stamp.header.value", "bench");
    String name = "bench-sink-" + System.nanoTime();
    cluster.configureConnector(name, config);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));

    long[] latencies = new long[records];
    HeapWatch.reset();
    long start = System.nanoTime();
    Thread producer = produceAsync(cluster, topic, records);
    int seen = 0;
    long bytes = 0;
    try (BufferedReader reader = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
      StringBuilder partial = new StringBuilder();
      while (seen < records) {
        int c = reader.read();
        if (c < 0) {
          Thread.onSpinWait();
          continue;
        }
        if (c != '\n') {
          partial.append((char) c);
          continue;
        }
        latencies[seen++] = (System.nanoTime() - sentAt(partial.toString())) / 1000;
        bytes += partial.length();
        partial.setLength(0);
      }
    }
    long nanos = System.nanoTime() - start;
    producer.join();
    long peak = HeapWatch.peak();
    cluster.deleteConnector(name);
    Files.deleteIfExists(out);
    return new Result("measured: Connect sink + plugin SMT", records, bytes, nanos, latencies, peak);
  }

  private static long sentAt(String value) {
    return Long.parseLong(value.substring(0, value.indexOf(' ')));
  }

  private static Thread produceAsync(ConnectCluster cluster, String topic, int records) {
    Thread t = new Thread(() -> {
      Properties p = new Properties();
      p.put("bootstrap.servers", cluster.bootstrapServers());
      p.put("linger.ms", "1");
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      String padding = "x".repeat(VALUE_PADDING);
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (int i = 0; i < records; i++) {
          producer.send(new ProducerRecord<>(topic, Integer.toString(i), System.nanoTime() + " " + i + " " + padding));
        }
      }
    }, "bench-producer");
    t.start();
    return t;
  }

  private static Properties consumerProps(ConnectCluster cluster) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("group.id", "bench-baseline-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    return p;
  }
}
