package io.cloudbridge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Records per second and MB/s (uncompressed) from gzip JSON-lines objects into Kafka with one task of the S3
 * events source, next to a raw loop over the same objects on the same S3-compatible server (GetObject, gunzip,
 * split lines, parse each as JSON). The target is a ratio of at least 0.7. The measured run also
 * reports notification-to-record latency for small objects: one line each, put and announced one at a time.
 */
final class S3SourceScenario implements Scenario {

  private static final int LINES_PER_OBJECT = 10_000;
  private static final int LATENCY_SAMPLES = Integer.getInteger("bench.s3.latency.samples", 200);
  private static final ObjectMapper JSON = new ObjectMapper();

  private SqsServer sqsServer;
  private Result rawLoop;
  private Result withProducer;
  private S3Server s3Server;
  private final List<String> keys = new ArrayList<>();
  private long uncompressedBytes;
  private int loadedRecords;

  @Override
  public String name() {
    return "s3-source";
  }

  @Override
  public String description() {
    return "S3 events source, 1 task, gzip JSON lines, vs a raw GetObject+gunzip+split+parse loop";
  }

  /** Puts the objects once per record count; both runs read the same ones. */
  private void load(int records) throws Exception {
    if (sqsServer == null) {
      sqsServer = SqsServer.start();
      s3Server = S3Server.inMemory();
      try (S3Client s3 = s3Server.client()) {
        s3.createBucket(r -> r.bucket("bench"));
      }
    }
    if (loadedRecords == records) {
      return;
    }
    keys.clear();
    uncompressedBytes = 0;
    try (S3Client s3 = s3Server.client()) {
      for (int first = 0; first < records; first += LINES_PER_OBJECT) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz, 64 * 1024)) {
          for (int i = first; i < Math.min(records, first + LINES_PER_OBJECT); i++) {
            byte[] line = ("{\"date\":\"2026-11-22T04:05:06.000Z\",\"host\":\"i-0abc" + (i % 50) + "\",\"service\":\"checkout\","
                + "\"status\":\"info\",\"message\":\"GET /cart/" + i + " 200 12ms\",\"attributes\":{\"http\":{\"status_code\":200,"
                + "\"url\":\"/cart/" + i + "\"},\"duration\":" + (i % 997) + ",\"usr\":{\"id\":\"u-" + (i % 1000) + "\"}}}\n")
                .getBytes(StandardCharsets.UTF_8);
            uncompressedBytes += line.length;
            out.write(line);
          }
        }
        String key = "logs/dt=2026-11-22/archive-" + first + ".json.gz";
        s3.putObject(r -> r.bucket("bench").key(key), RequestBody.fromBytes(gz.toByteArray()));
        keys.add(key);
      }
    }
    loadedRecords = records;
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    load(records);
    HeapWatch.reset();
    long count = 0;
    long start = System.nanoTime();
    try (S3Client s3 = s3Server.client()) {
      for (String key : keys) {
        try (InputStream in = new GzipCompressorInputStream(s3.getObject(r -> r.bucket("bench").key(key)), true);
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024)) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (JSON.readTree(line).size() > 0) {
              count++;
            }
          }
        }
      }
    }
    if (count != records) {
      throw new IllegalStateException("raw loop read " + count + " of " + records + " lines");
    }
    long parseOnly = System.nanoTime() - start;
    withProducer = rawLoopWithProducer(cluster, records);
    System.out.printf("second baseline, the raw loop also producing each line as JSON with a Kafka producer"
        + " (linger 20 ms, 512 KiB batches): %.0f records/s%n", withProducer.recordsPerSecond());
    rawLoop = new Result("baseline: raw GetObject+gunzip+parse", count, uncompressedBytes, parseOnly,
        new long[0], HeapWatch.peak());
    return rawLoop;
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    load(records);
    HeapWatch.reset();
    String url = sqsServer.createQueue("bench-s3-" + System.nanoTime(), Map.of());
    String topic = "bench-s3-" + System.nanoTime();
    String name = deploy(cluster, url, topic, Map.of("value.converter", "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable", "false"));
    long[] latencies;
    long nanos;
    try (SqsClient sqs = sqsServer.client(); S3Client s3 = s3Server.client();
         KafkaConsumer<byte[], byte[]> consumer = consumer(cluster)) {
      nanos = readAll(cluster, sqs, url, topic, records);
      var partition = java.util.Set.of(new org.apache.kafka.common.TopicPartition(topic, 0));
      consumer.assign(partition);
      consumer.seekToEnd(partition);
      latencies = latencies(sqs, s3, consumer, url);
    }
    long peak = HeapWatch.peak();
    cluster.deleteConnector(name);
    Result measured = new Result("measured: S3 events source, 1 task", records, uncompressedBytes, nanos, new long[0],
        peak);
    System.out.printf("measured / raw loop with producer: %.2f%n", measured.recordsPerSecond()
        / withProducer.recordsPerSecond());
    if (records > 5_000) { // after the timed run, not in it
      List<String> lines = new java.util.ArrayList<>();
      try (S3Client s3 = s3Server.client();
           InputStream in = new GzipCompressorInputStream(s3.getObject(r -> r.bucket("bench").key(keys.get(0))), true);
           BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        r.lines().limit(2_000).forEach(lines::add);
      }
      InferenceCost.print("the bench's log lines, jsonl", lines, n -> "");
    }
    Result small = new Result("small objects", latencies.length, 0, 1, latencies, 0);
    System.out.printf("notification sent -> record consumed, %d one-line objects one at a time: p50 %.1f ms,"
        + " p99 %.1f ms%n", latencies.length, small.latencyMillis(50), small.latencyMillis(99));
    passThrough(cluster, records, Map.of());
    passThrough(cluster, records, Map.of("record.headers", ""));
    return measured;
  }

  /**
   * The same objects read with format=text and the StringConverter: each line goes to Kafka as it is, unparsed,
   * which is what a user who only forwards log lines would configure. Run with the default headers and without.
   */
  private void passThrough(ConnectCluster cluster, int records, Map<String, String> more) throws Exception {
    String url = sqsServer.createQueue("bench-s3-text-" + System.nanoTime(), Map.of());
    String topic = "bench-s3-text-" + System.nanoTime();
    Map<String, String> overrides = new HashMap<>(more);
    overrides.put("format", "text");
    overrides.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
    String name = deploy(cluster, url, topic, overrides);
    long nanos;
    try (SqsClient sqs = sqsServer.client()) {
      nanos = readAll(cluster, sqs, url, topic, records);
    }
    cluster.deleteConnector(name);
    Result text = new Result("lines as text", records, uncompressedBytes, nanos, new long[0], 0);
    System.out.printf("measured with format=text and the StringConverter (lines unparsed)%s: %.0f records/s,"
        + " %.2f of the raw loop, %.2f of the raw loop with producer%n", more.isEmpty() ? "" : " " + more,
        text.recordsPerSecond(), text.recordsPerSecond() / rawLoop.recordsPerSecond(),
        text.recordsPerSecond() / withProducer.recordsPerSecond());
  }

  private String deploy(ConnectCluster cluster, String url, String topic, Map<String, String> overrides)
      throws Exception {
    cluster.createTopic(topic, 1);
    String name = "bench-s3-" + System.nanoTime();
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.cloudbridge.s3events.S3EventsSourceConnector");
    config.put("tasks.max", "1");
    config.put("sqs.queue.url", url);
    config.put("sqs.wait.time.seconds", "1");
    config.put("s3.endpoint.override", s3Server.endpoint().uri().toString());
    config.put("s3.path.style.access", "true");
    config.put("topic", topic);
    // As the README recommends for bulk objects: larger, lingering producer batches.
    config.put("producer.override.linger.ms", "20");
    config.put("producer.override.batch.size", "524288");
    config.putAll(sqsServer.connectorAwsConfig());
    config.putAll(overrides);
    cluster.configureConnector(name, config);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    return name;
  }

  /** Announces every object and waits until the topic holds every record; returns the nanoseconds that took. */
  private long readAll(ConnectCluster cluster, SqsClient sqs, String url, String topic, int records)
      throws Exception {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(cluster)) {
      long start = System.nanoTime();
      for (String key : keys) {
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(notification(key)));
      }
      // Done when the topic's end offset says so: reading the records back would charge a consumer's work to
      // the connector, which the baselines do not pay.
      var partition = java.util.Set.of(new org.apache.kafka.common.TopicPartition(topic, 0));
      while (consumer.endOffsets(partition).values().iterator().next() < records) {
        Thread.sleep(20); // a completion check, at most 20 ms late on a run of seconds
      }
      return System.nanoTime() - start;
    }
  }

  /** The raw loop, with each parsed line serialized again and produced to Kafka; waits for every acknowledgement. */
  private Result rawLoopWithProducer(ConnectCluster cluster, int records) throws Exception {
    String topic = "bench-s3-raw-" + System.nanoTime();
    cluster.createTopic(topic, 1);
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("linger.ms", "20");
    p.put("batch.size", "524288");
    p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    long count = 0;
    long start = System.nanoTime();
    try (S3Client s3 = s3Server.client();
         org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer =
             new org.apache.kafka.clients.producer.KafkaProducer<>(p)) {
      for (String key : keys) {
        try (InputStream in = new GzipCompressorInputStream(s3.getObject(r -> r.bucket("bench").key(key)), true);
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 64 * 1024)) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Object value = JSON.readValue(line, Object.class);
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, JSON.writeValueAsBytes(value)));
            count++;
          }
        }
      }
      producer.flush();
    }
    return new Result("raw loop with producer", count, uncompressedBytes, System.nanoTime() - start, new long[0], 0);
  }

  /** One-line objects, announced one at a time: from sending the notification to consuming the record. */
  private long[] latencies(SqsClient sqs, S3Client s3, KafkaConsumer<byte[], byte[]> consumer, String url)
      throws Exception {
    long[] out = new long[LATENCY_SAMPLES];
    for (int i = 0; i < LATENCY_SAMPLES; i++) {
      String key = "small/" + System.nanoTime() + ".json";
      s3.putObject(r -> r.bucket("bench").key(key), RequestBody.fromString("{\"i\":" + System.nanoTime() + "}\n"));
      long sent = System.nanoTime();
      sqs.sendMessage(r -> r.queueUrl(url).messageBody(notification(key)));
      boolean got = false;
      while (!got) {
        for (ConsumerRecord<byte[], byte[]> ignored : consumer.poll(Duration.ofMillis(5))) {
          got = true;
        }
      }
      out[i] = (System.nanoTime() - sent) / 1000;
    }
    return out;
  }

  private static String notification(String key) {
    return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"eventTime\":\"2026-11-22T04:05:06.000Z\","
        + "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"bench\"},\"object\":{\"key\":\""
        + java.net.URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/") + "\",\"sequencer\":\"01\"}}}]}";
  }

  private static KafkaConsumer<byte[], byte[]> consumer(ConnectCluster cluster) {
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("group.id", "bench-s3-" + System.nanoTime());
    p.put("auto.offset.reset", "earliest");
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }
}
