package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.sun.net.httpserver.HttpServer;
import io.cloudbridge.testkit.LogCapture;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GCS sink in a real Connect worker, loaded from its packaged plugin directory, writing through the real
 * google-cloud-storage client to the GCS stand-in.
 */
class GcsSinkIT {

  private static final String CONNECTOR = "io.cloudbridge.gcs.GcsSinkConnector";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static GcsStandIn gcs;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    gcs = GcsStandIn.inMemory();
    gcs.createBucket("lake");
    connect = ConnectCluster.builder().workers(1)
        .pluginPath(Path.of(System.getProperty("cloudbridge.plugin.path")))
        .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("value.converter.schemas.enable", "false")
        .workerProperty("key.converter", "org.apache.kafka.connect.storage.StringConverter")
        .workerProperty("offset.flush.interval.ms", "1000")
        .start();
  }

  @AfterAll
  static void stop() {
    connect.close();
    gcs.close();
  }

  private static Map<String, String> config(String topic, String template) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CONNECTOR);
    c.put("tasks.max", "1");
    c.put("topics", topic);
    c.put("gcs.bucket.name", "lake");
    c.put("gcs.endpoint.override", gcs.url());
    c.put("gcp.credentials.source", "none");
    c.put("gcp.project.id", "cloudbridge-local");
    c.put("file.name.template", template);
    return c;
  }

  private static void produce(String topic, int partition, long timestamp, String value) {
    try (KafkaProducer<String, String> p = producer()) {
      p.send(new ProducerRecord<>(topic, partition, timestamp, null, value));
    }
  }

  private static KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", connect.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    // One request in flight: a first batch refused while a new partition gets its leader is retried before the next.
    p.put("max.in.flight.requests.per.connection", "1");
    return new KafkaProducer<>(p);
  }

  /** The records in the data objects under a prefix, as JSON, decompressed as their extension says. */
  private static Map<String, List<JsonNode>> objects(String prefix) throws Exception {
    Map<String, List<JsonNode>> out = new java.util.TreeMap<>();
    for (String name : gcs.objectNames("lake")) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      InputStream in = new ByteArrayInputStream(gcs.objectBytes("lake", name));
      if (name.endsWith(".gz")) {
        in = new GZIPInputStream(in);
      }
      List<JsonNode> records = new ArrayList<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          records.add(JSON.readTree(line));
        }
      }
      out.put(name, records);
    }
    return out;
  }

  private static int count(Map<String, List<JsonNode>> objects) {
    return objects.values().stream().mapToInt(List::size).sum();
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(String connector) throws Exception {
    return io.cloudbridge.testkit.connect.ConsumerGroups.committed(connect.bootstrapServers(), "connect-" + connector);
  }

  @Test
  void hivePartitionedGzipJsonLinesFromValueFieldsAndRecordTime() throws Exception {
    connect.createTopic("actions", 3);
    String[] types = {"video", "image", "text"};
    // Records span an hour boundary in Kathmandu (UTC+5:45), which falls at a quarter past the hour in UTC: the
    // last such quarter past, minus 2 s (the broker takes no time far from now).
    Instant quarterPast = Instant.now().truncatedTo(ChronoUnit.HOURS).plus(15, ChronoUnit.MINUTES);
    if (quarterPast.isAfter(Instant.now().minusSeconds(5))) {
      quarterPast = quarterPast.minus(1, ChronoUnit.HOURS);
    }
    long base = quarterPast.toEpochMilli() - 2_000;
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 300; i++) {
        String value = "{\"content_type\":\"" + types[i % 3] + "\",\"n\":" + i + ",\"user\":\"u" + (i % 7) + "\"}";
        p.send(new ProducerRecord<>("actions", i % 3 == 0 ? 0 : i % 2 + 1, base + i * 10L, null, value));
      }
    }
    Map<String, String> c = config("actions", "content_type={{value.content_type}}/day={{timestamp:yyyy-MM-dd}}/"
        + "hour={{timestamp:HH}}/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("file.compression.type", "gzip");
    c.put("file.name.timezone", "Asia/Kathmandu");
    c.put("flush.size", "20");
    c.put("rotate.schedule.interval.ms", "2000");
    connect.configureConnector("actions-lake", c);

    await("every record in an object").atMost(Duration.ofSeconds(60))
        .until(() -> count(objects("content_type=")) >= 300);
    Map<String, List<JsonNode>> objects = objects("content_type=");
    // The end offset and record count reach an object's metadata just after the object itself.
    await("end metadata on every object").atMost(Duration.ofSeconds(30)).until(() -> objects.keySet().stream()
        .allMatch(name -> gcs.client().get(BlobId.of("lake", name)).getMetadata().containsKey("kafka-records")));
    List<Integer> seen = new ArrayList<>();
    for (Map.Entry<String, List<JsonNode>> o : objects.entrySet()) {
      assertThat(o.getKey()).matches("content_type=(video|image|text)/day=\\d{4}-\\d\\d-\\d\\d/hour=\\d\\d/"
          + "actions\\+[0-2]\\+\\d+\\.jsonl\\.gz");
      for (JsonNode r : o.getValue()) {
        int n = r.get("n").asInt();
        seen.add(n);
        assertThat(o.getKey()).startsWith("content_type=" + types[n % 3] + "/");
        ZonedDateTime local = Instant.ofEpochMilli(base + n * 10L).atZone(ZoneId.of("Asia/Kathmandu"));
        assertThat(o.getKey()).contains(String.format("/day=%s/hour=%02d/", local.toLocalDate(), local.getHour()));
      }
      // An object's records are in offset order, all of one partition, starting at the offset in its name.
      Blob blob = gcs.client().get(BlobId.of("lake", o.getKey()));
      assertThat(blob.getContentEncoding()).isEqualTo("gzip");
      assertThat(blob.getContentType()).isEqualTo("application/x-ndjson");
      assertThat(blob.getMetadata()).containsEntry("kafka-topic", "actions")
          .containsEntry("kafka-records", Integer.toString(o.getValue().size()));
      assertThat(o.getKey()).endsWith("+" + blob.getMetadata().get("kafka-start-offset") + ".jsonl.gz");
    }
    assertThat(seen).hasSize(300).doesNotHaveDuplicates();
    assertThat(objects.keySet()).as("both sides of the hour boundary").anyMatch(k -> k.contains(hourBefore(base)))
        .anyMatch(k -> !k.contains(hourBefore(base)));

    // Offsets are committed as far as the objects go: to the end of each partition.
    await("offsets committed").atMost(Duration.ofSeconds(30)).until(() -> {
      Map<TopicPartition, OffsetAndMetadata> committed = committed("actions-lake");
      return committed.size() == 3 && committed.get(new TopicPartition("actions", 0)).offset() == 100
          && committed.get(new TopicPartition("actions", 1)).offset() + committed.get(new TopicPartition("actions", 2))
          .offset() == 200;
    });
    assertThat(PluginMetrics.task("actions-lake", "records-written-total")).isEqualTo(300);
    connect.deleteConnector("actions-lake");
  }

  /** A JsonConverter envelope with a schema: id, Timestamp at, and (from version 2) an optional note. */
  private static String orderJson(int id, long at, boolean v2) {
    String fields = "{\"field\":\"id\",\"type\":\"int64\",\"optional\":false},"
        + "{\"field\":\"at\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\","
        + "\"version\":1,\"optional\":false}"
        + (v2 ? ",{\"field\":\"note\",\"type\":\"string\",\"optional\":true}" : "");
    String payload = "{\"id\":" + id + ",\"at\":" + at + (v2 ? ",\"note\":\"n" + id + "\"" : "") + "}";
    return "{\"schema\":{\"type\":\"struct\",\"name\":\"shop.Order\",\"optional\":false,\"fields\":["
        + fields + "]},\"payload\":" + payload + "}";
  }

  @Test
  void avroAndParquetObjectsHoldOneSchemaEachAndReadBackWithTheRealReaders() throws Exception {
    long at = System.currentTimeMillis() - 60_000;
    for (String type : List.of("avro", "parquet")) {
      String topic = "orders-" + type;
      connect.createTopic(topic, 1);
      try (KafkaProducer<String, String> p = producer()) {
        for (int i = 0; i < 50; i++) {
          p.send(new ProducerRecord<>(topic, 0, at, null, orderJson(i, at + i, i >= 30))).get();
        }
      }
      Map<String, String> c = config(topic, "{{topic}}/{{topic}}+{{partition}}+{{start_offset}}");
      c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
      c.put("value.converter.schemas.enable", "true");
      c.put("format.output.type", type);
      c.put("file.compression.type", type.equals("avro") ? "deflate" : "snappy");
      c.put("rotate.schedule.interval.ms", "2000");
      connect.configureConnector(topic + "-lake", c);
      String first = topic + "/" + topic + "+0+0." + type;
      String second = topic + "/" + topic + "+0+30." + type;
      await(type + " objects").atMost(Duration.ofSeconds(60))
          .until(() -> gcs.objectNames("lake").containsAll(List.of(first, second)));

      // The schema changed at offset 30: one object per schema, the second starting there.
      List<org.apache.avro.generic.GenericRecord> before = readBack(type, gcs.objectBytes("lake", first));
      List<org.apache.avro.generic.GenericRecord> after = readBack(type, gcs.objectBytes("lake", second));
      assertThat(before).hasSize(30);
      assertThat(after).hasSize(20);
      for (int i = 0; i < 50; i++) {
        org.apache.avro.generic.GenericRecord r = i < 30 ? before.get(i) : after.get(i - 30);
        assertThat(r.get("id")).isEqualTo((long) i);
        assertThat(r.get("at")).isEqualTo(at + i);
        assertThat(r.getSchema().getField("note") == null).isEqualTo(i < 30);
        if (i >= 30) {
          assertThat(r.get("note").toString()).isEqualTo("n" + i);
        }
      }
      Blob blob = gcs.client().get(BlobId.of("lake", second));
      assertThat(blob.getContentType()).isEqualTo(type.equals("avro") ? "application/avro"
          : "application/vnd.apache.parquet");
      assertThat(blob.getContentEncoding()).isNull();
      connect.deleteConnector(topic + "-lake");
    }
  }

  private static List<org.apache.avro.generic.GenericRecord> readBack(String type, byte[] bytes) throws Exception {
    List<org.apache.avro.generic.GenericRecord> out = new ArrayList<>();
    if (type.equals("avro")) {
      try (var in = new org.apache.avro.file.DataFileStream<org.apache.avro.generic.GenericRecord>(
          new ByteArrayInputStream(bytes), new org.apache.avro.generic.GenericDatumReader<>())) {
        assertThat(in.getMetaString("avro.codec")).isEqualTo("deflate");
        in.forEach(out::add);
      }
      return out;
    }
    Path file = java.nio.file.Files.createTempFile("object", ".parquet");
    try {
      java.nio.file.Files.write(file, bytes);
      try (var in = org.apache.parquet.avro.AvroParquetReader.<org.apache.avro.generic.GenericRecord>builder(
          new org.apache.parquet.io.LocalInputFile(file), new org.apache.parquet.conf.PlainParquetConfiguration())
          .build()) {
        for (var r = in.read(); r != null; r = in.read()) {
          out.add(r);
        }
      }
    } finally {
      java.nio.file.Files.delete(file);
    }
    return out;
  }

  @Test
  void anIdlePartitionIsWrittenOnScheduleWithoutMoreRecords() throws Exception {
    connect.createTopic("quiet", 1);
    Map<String, String> c = config("quiet", "quiet/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("flush.size", "1000");
    c.put("rotate.schedule.interval.ms", "1500");
    connect.configureConnector("quiet-lake", c);
    connect.awaitRunning("quiet-lake", 1, Duration.ofSeconds(30));
    long now = System.currentTimeMillis();
    produce("quiet", 0, now, "{\"n\":1}");
    produce("quiet", 0, now, "{\"n\":2}");
    await("the two records written though flush.size is far").atMost(Duration.ofSeconds(30))
        .until(() -> count(objects("quiet/")) == 2);
    assertThat(objects("quiet/")).containsOnlyKeys("quiet/quiet+0+0.jsonl");
    connect.deleteConnector("quiet-lake");
  }

  @Test
  void gcsErrorsAreRetriedCountedAndLeaveEveryRecordOnceWithTheMetricsSayingSo() throws Exception {
    connect.createTopic("flaky", 1);
    // Two chunk uploads answered 503, one dropped connection on another, and a 429 on a metadata call.
    gcs.faults().failNext(2, "PUT", "upload_id", 503).dropConnectionNext(1, "PUT", "upload_id")
        .failNext(1, "POST", "/o", 429);
    Map<String, String> c = config("flaky", "flaky/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("flush.size", "25");
    c.put("gcs.retry.initial.backoff.ms", "20");
    c.put("gcs.retry.max.backoff.ms", "200");
    connect.configureConnector("flaky-lake", c);
    long now = System.currentTimeMillis();
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>("flaky", 0, now, null, "{\"n\":" + i + "}")).get();
      }
    }
    await("every record in an object").atMost(Duration.ofSeconds(60)).until(() -> count(objects("flaky/")) == 100
        && PluginMetrics.task("flaky-lake", "objects-written-total") == 4);
    List<Integer> seen = new ArrayList<>();
    objects("flaky/").values().forEach(records -> records.forEach(r -> seen.add(r.get("n").asInt())));
    assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).boxed().toList());
    assertThat(gcs.faults().injected()).isGreaterThanOrEqualTo(4);
    assertThat(PluginMetrics.task("flaky-lake", "upload-retries-total")).isGreaterThanOrEqualTo(4);
    assertThat(PluginMetrics.task("flaky-lake", "objects-written-total")).isEqualTo(4);
    // The gauges are refreshed per batch and per timer tick, so they may trail the last object by one tick.
    await("the gauges see nothing left to commit").atMost(Duration.ofSeconds(10))
        .until(() -> PluginMetrics.task("flaky-lake", "uncommitted-records") == 0
            && PluginMetrics.task("flaky-lake", "commit-lag-ms") == 0);
    connect.deleteConnector("flaky-lake");
  }

  /**
   * GCS answers 503 to every call (uploads, markers, reads) for longer than the client's retries last (scaled down
   * here): the task stays RUNNING, shows the wait, and writes on by itself when GCS answers again; every record is in
   * exactly one object, in order, and every offset is committed.
   */
  @Test
  void anOutageLongerThanTheClientsRetriesIsWaitedOutAndEveryRecordLandsOnce() throws Exception {
    connect.createTopic("outage", 2);
    Map<String, String> c = config("outage", "outage/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("flush.size", "40");
    c.put("gcs.retry.max.attempts", "2");
    c.put("gcs.retry.initial.backoff.ms", "50");
    c.put("gcs.retry.max.backoff.ms", "200");
    c.put("outage.timeout.ms", "300000");
    c.put("rotate.schedule.interval.ms", "5000");
    connect.configureConnector("outage-lake", c);
    long now = System.currentTimeMillis();
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 100; i++) {
        p.send(new ProducerRecord<>("outage", i % 2, now, null, "{\"n\":" + i + ",\"text\":\"ünïcödé " + i + "\"}"))
            .get();
      }
    }
    await("the first records in objects").atMost(Duration.ofSeconds(60))
        .until(() -> count(objects("outage/")) >= 80);
    gcs.faults().failNext(Integer.MAX_VALUE, null, "", 503);
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 100; i < 250; i++) {
        p.send(new ProducerRecord<>("outage", i % 2, now, null, "{\"n\":" + i + ",\"text\":\"ünïcödé " + i + "\"}"))
            .get();
      }
    }
    await("the task waits out the outage").atMost(Duration.ofSeconds(90))
        .until(() -> PluginMetrics.task("outage-lake", "service-wait-ms") > 20_000);
    assertThat(connect.status("outage-lake").tasks()).allMatch(t -> t.state().equals("RUNNING"));
    assertThat(gcs.faults().injected()).as("GCS was called (and refused) during the outage").isGreaterThan(3);
    gcs.faults().clear();

    await("every record in an object").atMost(Duration.ofSeconds(90)).until(() -> count(objects("outage/")) >= 250);
    Map<Integer, List<Integer>> byPartition = new java.util.TreeMap<>();
    objects("outage/").forEach((name, records) -> records.forEach(r -> {
      int n = r.get("n").asInt();
      assertThat(r.get("text").asText()).isEqualTo("ünïcödé " + n);
      byPartition.computeIfAbsent(n % 2, k -> new ArrayList<>()).add(n);
    }));
    for (int partition = 0; partition < 2; partition++) {
      int first = partition;
      List<Integer> sorted = byPartition.get(partition).stream().sorted().toList();
      assertThat(sorted).as("partition %s, once each", partition)
          .isEqualTo(java.util.stream.IntStream.range(0, 250).filter(n -> n % 2 == first).boxed().toList());
    }
    await("every offset committed").atMost(Duration.ofSeconds(60)).until(() -> {
      var committed = io.cloudbridge.testkit.connect.ConsumerGroups.committed(connect.bootstrapServers(),
          "connect-outage-lake");
      return committed.size() == 2 && committed.values().stream().allMatch(o -> o.offset() == 125);
    });
    await("the wait ended").atMost(Duration.ofSeconds(30))
        .until(() -> PluginMetrics.task("outage-lake", "service-wait-ms") == 0);
    assertThat(PluginMetrics.task("outage-lake", "service-wait-total-ms")).isGreaterThan(20_000);
    assertThat(connect.status("outage-lake").tasks()).allMatch(t -> t.state().equals("RUNNING"));
    connect.deleteConnector("outage-lake");
  }

  @Test
  void anOutageLongerThanItsBudgetFailsTheTaskNamingTheCause() throws Exception {
    connect.createTopic("outage-budget", 1);
    Map<String, String> c = config("outage-budget", "outage-budget/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("flush.size", "5");
    c.put("gcs.retry.max.attempts", "2");
    c.put("gcs.retry.initial.backoff.ms", "50");
    c.put("gcs.retry.max.backoff.ms", "200");
    c.put("outage.timeout.ms", "3000");
    connect.configureConnector("outage-budget-lake", c);
    gcs.faults().failNext(Integer.MAX_VALUE, null, "", 429); // rate limited: waited out like an outage
    try {
      long now = System.currentTimeMillis();
      for (int i = 0; i < 10; i++) {
        produce("outage-budget", 0, now, "{\"n\":" + i + "}");
      }
      String trace = connect.awaitTaskFailed("outage-budget-lake", 0, Duration.ofSeconds(90));
      assertThat(trace).contains("GCS kept failing for").contains("outage.timeout.ms=3000").contains("429");
    } finally {
      gcs.faults().clear();
      connect.deleteConnector("outage-budget-lake");
    }
  }

  @Test
  void atItsMemoryBudgetTheTaskPausesUntilSlowUploadsDrain() throws Exception {
    connect.createTopic("bulky", 1);
    long now = System.currentTimeMillis();
    String pad = "y".repeat(1000);
    try (KafkaProducer<String, String> p = producer()) {
      for (int i = 0; i < 4000; i++) {
        p.send(new ProducerRecord<>("bulky", 0, now, null, "{\"n\":" + i + ",\"pad\":\"" + pad + "\"}"));
      }
      p.flush();
    }
    // Slow chunk uploads: chunks of 256 KiB pile up in flight against a 1 MiB budget.
    gcs.faults().delayNext(8, "PUT", "upload_id", Duration.ofMillis(400));
    Map<String, String> c = config("bulky", "bulky/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("gcs.upload.chunk.bytes", "262144");
    c.put("gcs.task.memory.bytes", Integer.toString(1 << 20));
    c.put("flush.size", "4000");
    c.put("rotate.schedule.interval.ms", "30000");
    connect.configureConnector("bulky-lake", c);
    await("every record in an object").atMost(Duration.ofSeconds(90)).until(() -> count(objects("bulky/")) == 4000);
    List<Integer> seen = new ArrayList<>();
    objects("bulky/").values().forEach(records -> records.forEach(r -> seen.add(r.get("n").asInt())));
    assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 4000).boxed().toList());
    assertThat(PluginMetrics.task("bulky-lake", "memory-pauses-total")).isGreaterThanOrEqualTo(1);
    assertThat(objects("bulky/")).as("one object: the budget was kept by waiting, not by finalizing early")
        .hasSize(1);
    connect.deleteConnector("bulky-lake");
  }

  @Test
  void aRecordTheNameCannotTakeGoesToTheDeadLetterTopicNamingIt() throws Exception {
    connect.createTopic("mixed", 1);
    long now = System.currentTimeMillis();
    produce("mixed", 0, now, "{\"kind\":\"a\",\"n\":0}");
    produce("mixed", 0, now, "{\"n\":1}");
    produce("mixed", 0, now, "{\"kind\":\"b\",\"n\":2}");
    Map<String, String> c = config("mixed", "kind={{value.kind}}/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("flush.size", "1");
    c.put("errors.tolerance", "all");
    c.put("errors.deadletterqueue.topic.name", "mixed-dlq");
    c.put("errors.deadletterqueue.topic.replication.factor", "1");
    c.put("errors.deadletterqueue.context.headers.enable", "true");
    connect.configureConnector("mixed-lake", c);
    var dead = connect.consume(1, Duration.ofSeconds(60), "mixed-dlq").iterator().next();
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).contains("\"n\":1");
    String reason = new String(dead.headers().lastHeader("__connect.errors.exception.message").value(),
        StandardCharsets.UTF_8);
    assertThat(reason).contains("mixed/0@1").contains("kind");
    await().atMost(Duration.ofSeconds(30)).until(() -> count(objects("kind=")) == 2);
    assertThat(objects("kind=")).containsOnlyKeys("kind=a/mixed+0+0.jsonl", "kind=b/mixed+0+2.jsonl");
    connect.deleteConnector("mixed-lake");
  }

  @Test
  void validationNamesAMissingBucketAndABadTemplate() {
    Map<String, String> c = config("t", "{{topic}}/{{partition}}");
    var bad = connect.embedded().validateConnectorConfig("GcsSinkConnector", c);
    assertThat(errors(bad, "file.name.template")).anyMatch(e -> e.contains("{{start_offset}}"));
    c = config("t", "{{topic}}/{{partition}}/{{start_offset}}");
    c.put("gcs.bucket.name", "no-such-bucket");
    var missing = connect.embedded().validateConnectorConfig("GcsSinkConnector", c);
    assertThat(errors(missing, "gcs.bucket.name")).anyMatch(e -> e.contains("gs://no-such-bucket does not exist"));
    c = config("t", "{{topic}}/{{partition}}/{{start_offset}}");
    c.put("format.output.type", "parquet");
    c.put("file.compression.type", "deflate");
    var codec = connect.embedded().validateConnectorConfig("GcsSinkConnector", c);
    assertThat(errors(codec, "file.compression.type")).anyMatch(e -> e.contains("none, snappy, zstd, gzip"));
  }

  private static String hourBefore(long base) {
    ZonedDateTime local = Instant.ofEpochMilli(base).atZone(ZoneId.of("Asia/Kathmandu"));
    return String.format("/hour=%02d/", local.getHour());
  }

  private static List<String> errors(org.apache.kafka.connect.runtime.rest.entities.ConfigInfos infos, String key) {
    return infos.values().stream().filter(v -> v.configKey().name().equals(key)).findFirst().orElseThrow()
        .configValue().errors();
  }

  @Test
  void aServiceAccountKeyIsHiddenAndNeverLoggedAndItsTokensAreUsed() throws Exception {
    // The key's token_uri points at a local token endpoint: the real client signs a JWT and gets a token there.
    AtomicInteger tokens = new AtomicInteger();
    HttpServer oauth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    oauth.createContext("/token", x -> {
      tokens.incrementAndGet();
      byte[] body = "{\"access_token\":\"ya29.local\",\"expires_in\":3600,\"token_type\":\"Bearer\"}"
          .getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("Content-Type", "application/json");
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    oauth.start();
    try (LogCapture logs = new LogCapture()) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      String privateKey = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(
          g.generateKeyPair().getPrivate().getEncoded());
      String key = JSON.createObjectNode().put("type", "service_account").put("project_id", "cloudbridge-local")
          .put("private_key_id", "k1")
          .put("private_key", "-----BEGIN PRIVATE KEY-----\n" + privateKey + "\n-----END PRIVATE KEY-----\n")
          .put("client_email", "sink@cloudbridge-local.iam.gserviceaccount.com").put("client_id", "1")
          .put("token_uri", "http://127.0.0.1:" + oauth.getAddress().getPort() + "/token").toString();
      connect.createTopic("keyed", 1);
      Map<String, String> c = config("keyed", "keyed/{{topic}}+{{partition}}+{{start_offset}}");
      c.put("gcp.credentials.source", "json");
      c.put("gcp.credentials.json", key);
      c.put("flush.size", "1");
      Map<String, String> named = new HashMap<>(c);
      named.put("name", "keyed-lake");
      var validation = connect.embedded().validateConnectorConfig("GcsSinkConnector", named);
      assertThat(validation.values().stream().filter(v -> v.configKey().name().equals("gcp.credentials.json"))
          .findFirst().orElseThrow().configValue().value()).isEqualTo("[hidden]");
      assertThat(validation.errorCount()).isZero();

      connect.configureConnector("keyed-lake", c);
      produce("keyed", 0, System.currentTimeMillis(), "{\"n\":1}");
      await().atMost(Duration.ofSeconds(60)).until(() -> count(objects("keyed/")) == 1);
      assertThat(tokens.get()).isPositive();
      connect.deleteConnector("keyed-lake");

      assertThat(logs.lines()).anyMatch(l -> l.contains("gcp.credentials.json = [hidden]"));
      assertThat(logs.lines().stream()
          .filter(l -> !l.startsWith("org.apache.kafka.connect.util.clusters."))
          .filter(l -> l.contains(privateKey.substring(0, 40)) || l.contains("PRIVATE KEY")).toList()).isEmpty();
    } finally {
      oauth.stop(0);
    }
  }
}
