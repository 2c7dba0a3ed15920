package io.cloudbridge.bench;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * How much a Connect sink pipeline with a packaged Cloudbridge transform costs over reading the same records
 * with a plain consumer: Kafka's FileStreamSink with the StampHeader plugin from plugin.path (measured)
 * against a raw KafkaConsumer loop (baseline).
 *
 * <p>Two phases per run: throughput drains a backlog of N records produced beforehand (for the connector:
 * produced while it is paused, timed from resume); latency sends records at a fixed rate and measures send to
 * arrival at the end of the pipeline, so the percentiles show the pipeline, not a producer backlog.
 */
final class SinkPipelineScenario implements Scenario {

  private static final String PADDING = "x".repeat(180);
  private static final int PACED_RATE = Integer.getInteger("bench.paced.rate", 2_000);
  private static final int PACED_SECONDS = Integer.getInteger("bench.paced.seconds", 5);

  @Override
  public String name() {
    return "sink-pipeline";
  }

  @Override
  public String description() {
    return "Connect sink pipeline (FileStreamSink + packaged StampHeader transform) vs raw consumer loop;"
        + " latency at " + PACED_RATE + " records/s";
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    String topic = topic(cluster, "bench-raw");
    produce(cluster, topic, records, 0);
    HeapWatch.reset();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(cluster))) {
      consumer.subscribe(List.of(topic));
      long start = System.nanoTime();
      long bytes = drain(consumer, records, null);
      long nanos = System.nanoTime() - start;

      int paced = PACED_RATE * PACED_SECONDS;
      long[] latencies = new long[paced];
      Thread producer = produceAsync(cluster, topic, paced, PACED_RATE);
      drain(consumer, paced, latencies);
      producer.join();
      return new Result("baseline: raw consumer loop", records, bytes, nanos, latencies, HeapWatch.peak());
    }
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    String topic = topic(cluster, "bench-sink");
    Path out = Files.createTempFile("cloudbridge-bench", ".txt");
    String name = "bench-sink-" + System.nanoTime();
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector");
    config.put("tasks.max", "1");
    config.put("topics", topic);
    config.put("file", out.toString());
    config.put("transforms", "stamp");
    config.put("transforms.stamp.type", "io.cloudbridge.fixture.StampHeader");
    config.put("transforms.stamp.header.value", "bench");
    cluster.configureConnector(name, config);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    cluster.embedded().pauseConnector(name);
    cluster.embedded().assertions().assertConnectorAndExactlyNumTasksArePaused(name, 1, "not paused");
    produce(cluster, topic, records, 0);

    HeapWatch.reset();
    try (BufferedReader reader = Files.newBufferedReader(out, StandardCharsets.UTF_8)) {
      long start = System.nanoTime();
      cluster.embedded().resumeConnector(name);
      long bytes = tail(reader, records, null);
      long nanos = System.nanoTime() - start;

      int paced = PACED_RATE * PACED_SECONDS;
      long[] latencies = new long[paced];
      Thread producer = produceAsync(cluster, topic, paced, PACED_RATE);
      tail(reader, paced, latencies);
      producer.join();
      long peak = HeapWatch.peak();
      cluster.deleteConnector(name);
      Files.deleteIfExists(out);
      return new Result("measured: Connect sink + plugin SMT", records, bytes, nanos, latencies, peak);
    }
  }

  private static String topic(ConnectCluster cluster, String prefix) {
    String topic = prefix + "-" + System.nanoTime();
    cluster.createTopic(topic, 1);
    return topic;
  }

  /** Consumes {@code n} records; records their latencies when {@code latencies} is given; returns bytes. */
  private static long drain(KafkaConsumer<String, String> consumer, int n, long[] latencies) {
    int seen = 0;
    long bytes = 0;
    while (seen < n) {
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
        if (latencies != null) {
          latencies[seen] = (System.nanoTime() - sentAt(r.value())) / 1000;
        }
        seen++;
        bytes += r.value().length();
      }
    }
    return bytes;
  }

  /** Reads {@code n} more lines as the sink writes them. */
  private static long tail(BufferedReader reader, int n, long[] latencies) throws IOException {
    StringBuilder line = new StringBuilder();
    int seen = 0;
    long bytes = 0;
    while (seen < n) {
      int c = reader.read();
      if (c < 0) {
        Thread.onSpinWait();
      } else if (c != '\n') {
        line.append((char) c);
      } else {
        if (latencies != null) {
          latencies[seen] = (System.nanoTime() - sentAt(line.toString())) / 1000;
        }
        seen++;
        bytes += line.length();
        line.setLength(0);
      }
    }
    return bytes;
  }

  private static long sentAt(String value) {
    return Long.parseLong(value.substring(0, value.indexOf(' ')));
  }

  private static Thread produceAsync(ConnectCluster cluster, String topic, int records, int ratePerSecond) {
    Thread t = new Thread(() -> produce(cluster, topic, records, ratePerSecond), "bench-producer");
    t.start();
    return t;
  }

  /** Sends {@code records} records stamped with their send time, at a fixed rate, or flat out for rate 0. */
  private static void produce(ConnectCluster cluster, String topic, int records, int ratePerSecond) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("linger.ms", ratePerSecond == 0 ? "5" : "0");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    long start = System.nanoTime();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < records; i++) {
        if (ratePerSecond > 0) {
          long due = start + (long) i * 1_000_000_000L / ratePerSecond;
          while (System.nanoTime() < due) {
            LockSupport.parkNanos(due - System.nanoTime());
          }
        }
        producer.send(new ProducerRecord<>(topic, Integer.toString(i), System.nanoTime() + " " + i + " " + PADDING));
      }
      producer.flush();
    }
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
