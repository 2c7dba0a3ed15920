package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.SnappyFramedOutputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The S3 events source in a real Connect worker, reading notifications from a real SQS-compatible server
 * (ElasticMQ) and objects from a real S3-compatible server (S3Proxy), written with the real compression and Avro
 * libraries.
 */
class S3EventsSourceIT {

  private static final String CONNECTOR = "io.cloudbridge.s3events.S3EventsSourceConnector";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong SEQUENCER = new AtomicLong(0x55AED6DCD90281E5L);
  private static SqsServer sqsServer;
  private static S3Server s3Server;
  private static SqsClient sqs;
  private static S3Client s3;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    sqsServer = SqsServer.start();
    s3Server = S3Server.inMemory();
    sqs = sqsServer.client();
    s3 = s3Server.client();
    connect = ConnectCluster.builder().workers(1)
        .pluginPath(Path.of(System.getProperty("cloudbridge.plugin.path")))
        .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("value.converter.schemas.enable", "false")
        .workerProperty("value.converter.decimal.format", "NUMERIC")
        // Time-based retention (7 days, the default) checked every half second, so that a test sees it act.
        .brokerProperty("log.retention.check.interval.ms", "500")
        .start();
  }

  @AfterAll
  static void stop() {
    connect.close();
    s3.close();
    sqs.close();
    s3Server.close();
    sqsServer.close();
  }

  private static Map<String, String> config(String queueUrl, String topic, String format) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CONNECTOR);
    c.put("tasks.max", "1");
    c.put("sqs.queue.url", queueUrl);
    c.put("sqs.wait.time.seconds", "1");
    c.put("s3.endpoint.override", s3Server.endpoint().uri().toString());
    c.put("s3.path.style.access", "true");
    c.put("topic", topic);
    c.put("format", format);
    // Topics (the dead-letter one too) are created by Connect as the connector first writes to them (KIP-158).
    c.put("topic.creation.default.replication.factor", "1");
    c.put("topic.creation.default.partitions", "1");
    c.putAll(sqsServer.connectorAwsConfig());
    return c;
  }

  /** Puts an object; returns the etag as notifications carry it (no quotes). */
  private static String put(String bucket, String key, byte[] content) {
    return S3Server.put(s3, r -> r.bucket(bucket).key(key), content);
  }

  private static String sequencer() {
    return String.format("%018X", SEQUENCER.incrementAndGet());
  }

  private static void notify(String queueUrl, String body) {
    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
  }

  private static List<ConsumerRecord<byte[], byte[]>> all(String topic) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    connect.kafka().consumeAll(30_000, topic).forEach(out::add);
    return out;
  }

  private static List<ConsumerRecord<byte[], byte[]>> consumeAtLeast(String topic, int n) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    connect.consume(n, Duration.ofSeconds(60), topic).forEach(out::add);
    return out;
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static JsonNode value(ConsumerRecord<byte[], byte[]> r) throws Exception {
    return JSON.readTree(r.value());
  }

  private static byte[] jsonLines(String object, int from, int to) {
    StringBuilder b = new StringBuilder();
    for (int i = from; i < to; i++) {
      b.append("{\"object\":").append(JSON.valueToTree(object).toString()).append(",\"n\":").append(i).append("}\n");
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theRealWorldCorpusAsAJsonLinesArchiveArrivesWholeUnderSchemasThatOnlyWiden() throws Exception {
    s3.createBucket(r -> r.bucket("corpus"));
    String url = sqsServer.createQueue("corpus", Map.of());
    Map<String, String> c = config(url, "corpus", "jsonl");
    c.put("value.schemas.enable", "true");
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", "true");
    // errors.bad.record.policy stays fail: a line that misfit its learned schema would stop the task, not be skipped
    connect.configureConnector("corpus", c);
    connect.awaitRunning("corpus", 1, Duration.ofSeconds(60));
    var corpus = io.cloudbridge.testkit.events.RealWorldEvents.corpus("archive", 20);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      for (var e : corpus) {
        out.write((e.json() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    String key = "eventbridge-archive/2026/11/30/events.jsonl.gz";
    notify(url, Notifications.created("corpus", key, put("corpus", key, gz.toByteArray()), sequencer()));

    List<ConsumerRecord<byte[], byte[]>> records = consumeAtLeast("corpus", corpus.size());
    assertThat(records).hasSize(corpus.size());
    java.util.Set<String> schemas = new java.util.LinkedHashSet<>();
    for (int i = 0; i < corpus.size(); i++) {
      JsonNode v = value(records.get(i));
      var e = corpus.get(i);
      io.cloudbridge.testkit.events.Arrived.assertArrived(e.id(), e.envelope(),
          JSON.convertValue(v.get("payload"), Object.class), false);
      assertThat(v.get("schema").isObject()).as("a learned schema").isTrue();
      schemas.add(v.get("schema").toString());
    }
    // one stream (the task's): its schema widened only when a line carried something new to it
    assertThat(schemas.size()).isBetween(2, corpus.size() / 4);
    assertThat(connect.embedded().connectorStatus("corpus").tasks().get(0).state()).isEqualTo("RUNNING");
    connect.deleteConnector("corpus");
  }

  @Test
  void everyNotificationShapeAndAwkwardKeysAreRead() throws Exception {
    s3.createBucket(r -> r.bucket("shapes"));
    String url = sqsServer.createQueue("shapes", Map.of());
    Map<String, String> c = config(url, "shapes", "jsonl");
    c.put("key.source", "object_key");
    connect.configureConnector("shapes", c);
    connect.awaitRunning("shapes", 1, Duration.ofSeconds(60));

    List<String> keys = List.of("plain/one.jsonl", "with space/a b.jsonl", "unicode/ü-日本.jsonl", "plus/a+b.jsonl",
        "percent/100%.jsonl", "hive/dt=2026-11-22/x=1.jsonl");
    Map<String, String> etags = new HashMap<>();
    for (String key : keys) {
      etags.put(key, put("shapes", key, jsonLines(key, 0, 3)));
    }
    notify(url, Notifications.testEvent("shapes"));
    notify(url, Notifications.s3("ObjectRemoved:Delete", "shapes", "plain/gone.jsonl", null, 0, sequencer()));
    notify(url, Notifications.created("shapes", keys.get(0), etags.get(keys.get(0)), sequencer()));
    notify(url, Notifications.s3("ObjectCreated:CompleteMultipartUpload", "shapes", keys.get(1), etags.get(keys.get(1)),
        3, sequencer()));
    notify(url, Notifications.eventBridge("shapes", keys.get(2), etags.get(keys.get(2)), sequencer()));
    notify(url, Notifications.sns(Notifications.created("shapes", keys.get(3), etags.get(keys.get(3)), sequencer())));
    notify(url, Notifications.sns(Notifications.eventBridge("shapes", keys.get(4), etags.get(keys.get(4)), sequencer())));
    notify(url, Notifications.s3("ObjectCreated:Copy", "shapes", keys.get(5), etags.get(keys.get(5)), 3, sequencer()));

    await("every notification handled").atMost(Duration.ofSeconds(60)).until(() -> sqsServer.messagesLeft(url) == 0);
    List<ConsumerRecord<byte[], byte[]>> records = all("shapes");
    assertThat(records).hasSize(18);
    Map<String, List<Long>> numbersByObject = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode v = value(r);
      String key = v.get("object").asText();
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(key);
      assertThat(header(r, "s3.key")).isEqualTo(key);
      assertThat(header(r, "s3.bucket")).isEqualTo("shapes");
      assertThat(header(r, "s3.etag")).isEqualTo(etags.get(key));
      assertThat(header(r, "s3.event.time"))
          .startsWith(Notifications.EVENT_TIME.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace("Z", ""));
      assertThat(r.timestamp()).as("the producer's time").isGreaterThan(Notifications.EVENT_TIME.toEpochMilli());
      numbersByObject.computeIfAbsent(key, k -> new ArrayList<>()).add(v.get("n").asLong());
      assertThat(header(r, "s3.record.index")).isNotNull();
    }
    assertThat(numbersByObject.keySet()).containsExactlyInAnyOrderElementsOf(keys);
    numbersByObject.values().forEach(ns -> assertThat(ns).containsExactly(0L, 1L, 2L));
    connect.deleteConnector("shapes");
  }

  @Test
  void compressedJsonLinesAreReadFromEveryCodec() throws Exception {
    s3.createBucket(r -> r.bucket("codecs"));
    String url = sqsServer.createQueue("codecs", Map.of());
    Map<String, String> c = config(url, "codecs", "jsonl");
    c.put("s3.key.regex", "[a-e]\\.jsonl.*");
    connect.configureConnector("codecs", c);
    connect.awaitRunning("codecs", 1, Duration.ofSeconds(60));

    // gzip with two members, as concatenated log archives are; the second must not be lost.
    ByteArrayOutputStream gzip = new ByteArrayOutputStream();
    for (int[] range : new int[][] {{0, 500}, {500, 1000}}) {
      ByteArrayOutputStream member = new ByteArrayOutputStream();
      try (GZIPOutputStream out = new GZIPOutputStream(member)) {
        out.write(jsonLines("a.jsonl.gz", range[0], range[1]));
      }
      gzip.write(member.toByteArray());
    }
    ByteArrayOutputStream zstd = new ByteArrayOutputStream();
    try (var out = new com.github.luben.zstd.ZstdOutputStream(zstd)) {
      out.write(jsonLines("b.jsonl.zst", 0, 1000));
    }
    ByteArrayOutputStream snappy = new ByteArrayOutputStream();
    try (var out = new SnappyFramedOutputStream(snappy)) {
      out.write(jsonLines("c.jsonl.sz", 0, 1000));
    }
    Map<String, byte[]> objects = Map.of("a.jsonl.gz", gzip.toByteArray(), "b.jsonl.zst", zstd.toByteArray(),
        "c.jsonl.sz", snappy.toByteArray(), "d.jsonl", jsonLines("d.jsonl", 0, 1000));
    objects.forEach((key, bytes) -> notify(url, Notifications.created("codecs", key, put("codecs", key, bytes),
        sequencer())));
    // No suffix to go by: the object's Content-Encoding says gzip.
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(encoded)) {
      out.write(jsonLines("e.jsonl", 0, 1000));
    }
    String etag = S3Server.put(s3, r -> r.bucket("codecs").key("e.jsonl").contentEncoding("gzip"),
        encoded.toByteArray());
    notify(url, Notifications.created("codecs", "e.jsonl", etag, sequencer()));
    // The key pattern leaves this one out: it is never read.
    notify(url, Notifications.created("codecs", "z.jsonl", put("codecs", "z.jsonl", jsonLines("z.jsonl", 0, 5)),
        sequencer()));

    List<ConsumerRecord<byte[], byte[]>> records = consumeAtLeast("codecs", 5000);
    Map<String, List<Long>> numbers = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      JsonNode v = value(r);
      numbers.computeIfAbsent(v.get("object").asText(), k -> new ArrayList<>()).add(v.get("n").asLong());
    }
    List<Long> expected = java.util.stream.LongStream.range(0, 1000).boxed().toList();
    assertThat(numbers).hasSize(5).allSatisfy((key, ns) -> assertThat(ns).as(key).isEqualTo(expected));
    await("every notification handled").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
    assertThat(all("codecs")).hasSize(5000);
    assertThat(PluginMetrics.task("codecs", "events-ignored-total")).isEqualTo(1);
    connect.deleteConnector("codecs");
  }

  @Test
  void csvTextJsonArrayAvroAndBytesObjectsBecomeRecords() throws Exception {
    s3.createBucket(r -> r.bucket("formats"));

    String csv = "id,name,price,active,note\n1,Widget,12.50,true,\n2,\"Gadget, large\",7,false,\"two\nlines\"\n";
    JsonNode csvRows = readAll("formats", "csv", "exports/items.csv", csv.getBytes(StandardCharsets.UTF_8),
        Map.of("csv.field.types", "inferred"), 2);
    assertThat(csvRows.get(0)).isEqualTo(JSON.readTree(
        "{\"id\":1,\"name\":\"Widget\",\"price\":12.5,\"active\":true,\"note\":null}"));
    assertThat(csvRows.get(1)).isEqualTo(JSON.readTree(
        "{\"id\":2,\"name\":\"Gadget, large\",\"price\":7,\"active\":false,\"note\":\"two\\nlines\"}"));

    JsonNode lines = readAll("formats", "text", "logs/app.log",
        "GET /a 200\r\nPOST /b 500\n\nlast line".getBytes(StandardCharsets.UTF_8), Map.of(), 4);
    assertThat(lines).isEqualTo(JSON.readTree("[\"GET /a 200\",\"POST /b 500\",\"\",\"last line\"]"));

    JsonNode elements = readAll("formats", "json_array", "arrays/events.json",
        "[{\"a\":1},\n {\"a\":[1,2]},\n {\"a\":{\"b\":\"ü\"}}]".getBytes(StandardCharsets.UTF_8), Map.of(), 3);
    assertThat(elements).isEqualTo(JSON.readTree("[{\"a\":1},{\"a\":[1,2]},{\"a\":{\"b\":\"ü\"}}]"));

    JsonNode avro = readAll("formats", "avro", "avro/orders.avro", avroFile(), Map.of(), 2);
    assertThat(avro.get(0)).isEqualTo(JSON.readTree("{\"id\":1,\"customer\":\"ana\",\"status\":\"PLACED\","
        + "\"placedAt\":1763784306000,\"total\":19.74,\"tags\":[\"new\"],\"address\":{\"city\":\"Lisboa\"}}"));
    assertThat(avro.get(1).get("customer").isNull()).isTrue();
    assertThat(avro.get(1).get("address").isNull()).isTrue();
    assertThat(avro.get(1).get("status").asText()).isEqualTo("SHIPPED");

    JsonNode parquet = readAll("formats", "parquet", "tables/orders.parquet", parquetFile(5000), Map.of(), 5000);
    for (int i = 0; i < 5000; i++) {
      assertThat(parquet.get(i).get("id").asLong()).isEqualTo(i);
      assertThat(parquet.get(i).get("customer").asText(null)).isEqualTo(i % 7 == 0 ? null : "customer-" + i);
      assertThat(parquet.get(i).get("amount").asDouble()).isEqualTo(i * 0.5);
    }

    byte[] blob = {0, 1, 2, (byte) 0xff, 10, 13};
    JsonNode bytes = readAll("formats", "bytes", "blobs/x.bin", blob, Map.of(), 1);
    assertThat(bytes.get(0).binaryValue()).isEqualTo(blob);
  }

  /** Writes one object, has a connector of the given format read it, and returns the record values in order. */
  private static JsonNode readAll(String bucket, String format, String key, byte[] content, Map<String, String> extra,
      int expected) throws Exception {
    String name = "format-" + format.replace('_', '-');
    String url = sqsServer.createQueue(name, Map.of());
    Map<String, String> c = config(url, name, format);
    c.putAll(extra);
    connect.configureConnector(name, c);
    connect.awaitRunning(name, 1, Duration.ofSeconds(60));
    notify(url, Notifications.created(bucket, key, put(bucket, key, content), sequencer()));
    List<ConsumerRecord<byte[], byte[]>> records = consumeAtLeast(name, expected);
    await("notification deleted").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
    assertThat(all(name)).hasSize(expected);
    var array = JSON.createArrayNode();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      array.add(value(r));
      assertThat(header(r, "s3.record.index")).isEqualTo(Integer.toString(array.size() - 1));
    }
    connect.deleteConnector(name);
    return array;
  }

  /** A snappy-compressed Parquet file with several row groups, written by Parquet's own Avro writer. */
  private static byte[] parquetFile(int rows) throws Exception {
    Schema schema = SchemaBuilder.record("Order").fields().requiredLong("id").optionalString("customer")
        .requiredDouble("amount").endRecord();
    Path file = java.nio.file.Files.createTempDirectory("parquet").resolve("orders.parquet");
    try (org.apache.parquet.hadoop.ParquetWriter<GenericRecord> writer =
             org.apache.parquet.avro.AvroParquetWriter.<GenericRecord>builder(
                 new org.apache.parquet.io.LocalOutputFile(file))
                 .withSchema(schema)
                 .withConf(new org.apache.parquet.conf.PlainParquetConfiguration())
                 .withCompressionCodec(org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY)
                 .withRowGroupSize(16 * 1024L)
                 .withPageSize(4 * 1024)
                 .build()) {
      for (int i = 0; i < rows; i++) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", (long) i);
        r.put("customer", i % 7 == 0 ? null : "customer-" + i);
        r.put("amount", i * 0.5);
        writer.write(r);
      }
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(file);
    java.nio.file.Files.delete(file);
    return bytes;
  }

  private static byte[] avroFile() throws Exception {
    Schema decimal = LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES));
    Schema timestamp = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
    Schema address = SchemaBuilder.record("Address").fields().requiredString("city").endRecord();
    Schema schema = SchemaBuilder.record("Order").namespace("com.example").fields()
        .requiredLong("id")
        .optionalString("customer")
        .name("status").type().enumeration("Status").symbols("PLACED", "SHIPPED").noDefault()
        .name("placedAt").type(timestamp).noDefault()
        .name("total").type(decimal).noDefault()
        .name("tags").type().array().items().stringType().noDefault()
        .name("address").type().optional().type(address)
        .endRecord();
    Conversions.DecimalConversion dec = new Conversions.DecimalConversion();
    GenericRecord first = new GenericData.Record(schema);
    first.put("id", 1L);
    first.put("customer", "ana");
    first.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "PLACED"));
    first.put("placedAt", 1763784306000L);
    first.put("total", dec.toBytes(new BigDecimal("19.74"), decimal, decimal.getLogicalType()));
    first.put("tags", List.of("new"));
    GenericRecord city = new GenericData.Record(address);
    city.put("city", "Lisboa");
    first.put("address", city);
    GenericRecord second = new GenericData.Record(schema);
    second.put("id", 2L);
    second.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "SHIPPED"));
    second.put("placedAt", 1763784307000L);
    second.put("total", ByteBuffer.wrap(new byte[] {0}));
    second.put("tags", List.of());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      writer.setCodec(CodecFactory.deflateCodec(6));
      writer.create(schema, out);
      writer.append(first);
      writer.append(second);
    }
    return out.toByteArray();
  }

  /**
   * S3 answers 503 to every object read for longer than the SDK's own retries last: the task stays RUNNING, shows
   * the wait, and reads the object once S3 answers again; every line arrives once, in order.
   */
  @Test
  void anS3OutageLongerThanTheClientsRetriesIsWaitedOutAndEveryLineArrivesOnce() throws Exception {
    s3.createBucket(r -> r.bucket("outage"));
    String url = sqsServer.createQueue("s3-outage", Map.of());
    try (io.cloudbridge.testkit.http.FaultProxy proxy =
        io.cloudbridge.testkit.http.FaultProxy.to(s3Server.endpoint().uri())) {
      Map<String, String> c = config(url, "s3-outage", "jsonl");
      c.put("s3.endpoint.override", proxy.uri().toString());
      c.put("outage.timeout.ms", "300000");
      connect.configureConnector("s3-outage", c);
      connect.awaitRunning("s3-outage", 1, Duration.ofSeconds(60));
      proxy.faults().failNext(Integer.MAX_VALUE, "GET", "/outage/", 503);
      String key = "logs/2026/12/06/app-ünïcode.jsonl";
      notify(url, Notifications.created("outage", key, put("outage", key, jsonLines(key, 0, 200)), sequencer()));
      await("the task waits out the outage").atMost(Duration.ofSeconds(90))
          .until(() -> PluginMetrics.task("s3-outage", "service-wait-ms") > 20_000);
      assertThat(connect.status("s3-outage").tasks()).allMatch(t -> t.state().equals("RUNNING"));
      assertThat(proxy.faults().injected()).as("S3 was called (and refused) during the outage").isGreaterThan(3);
      proxy.faults().clear();

      List<ConsumerRecord<byte[], byte[]>> read = consumeAtLeast("s3-outage", 200);
      await("notification deleted").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
      read = all("s3-outage");
      List<Long> numbers = new ArrayList<>();
      for (ConsumerRecord<byte[], byte[]> r : read) {
        assertThat(value(r).get("object").asText()).isEqualTo(key);
        numbers.add(value(r).get("n").asLong());
      }
      assertThat(numbers).isEqualTo(java.util.stream.LongStream.range(0, 200).boxed().toList());
      assertThat(PluginMetrics.task("s3-outage", "service-wait-ms")).isZero();
      assertThat(PluginMetrics.task("s3-outage", "service-wait-total-ms")).isGreaterThan(20_000);
      assertThat(connect.status("s3-outage").tasks()).allMatch(t -> t.state().equals("RUNNING"));
    } finally {
      connect.deleteConnector("s3-outage");
    }
  }

  /** An S3 outage longer than outage.timeout.ms fails the task, naming the object and S3's answer. */
  @Test
  void anS3OutageLongerThanItsBudgetFailsTheTaskNamingTheObject() throws Exception {
    s3.createBucket(r -> r.bucket("outage-budget"));
    String url = sqsServer.createQueue("s3-outage-budget", Map.of());
    try (io.cloudbridge.testkit.http.FaultProxy proxy =
        io.cloudbridge.testkit.http.FaultProxy.to(s3Server.endpoint().uri())) {
      Map<String, String> c = config(url, "s3-outage-budget", "jsonl");
      c.put("s3.endpoint.override", proxy.uri().toString());
      c.put("outage.timeout.ms", "3000");
      connect.configureConnector("s3-outage-budget", c);
      connect.awaitRunning("s3-outage-budget", 1, Duration.ofSeconds(60));
      proxy.faults().failNext(Integer.MAX_VALUE, "GET", "/outage-budget/", 503);
      String key = "a.jsonl";
      notify(url, Notifications.created("outage-budget", key, put("outage-budget", key, jsonLines(key, 0, 5)),
          sequencer()));
      String trace = connect.awaitTaskFailed("s3-outage-budget", 0, Duration.ofSeconds(60));
      assertThat(trace).contains("Reading s3://outage-budget/a.jsonl").contains("outage.timeout.ms=3000")
          .contains("503");
    } finally {
      connect.deleteConnector("s3-outage-budget");
    }
  }

  @Test
  void duplicateNotificationsReadOnceAndAnOffsetResetReadsAgain() throws Exception {
    s3.createBucket(r -> r.bucket("dups"));
    String url = sqsServer.createQueue("dups", Map.of());
    connect.configureConnector("dups", config(url, "dups", "jsonl"));
    connect.awaitRunning("dups", 1, Duration.ofSeconds(60));
    String key = "2026/11/22/part 1.jsonl";
    String etag = put("dups", key, jsonLines(key, 0, 50));
    String sequencer = sequencer();
    notify(url, Notifications.created("dups", key, etag, sequencer));
    consumeAtLeast("dups", 50);
    await("first notification deleted").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);

    // The same notification again (S3 delivers at least once), and the EventBridge copy of it.
    notify(url, Notifications.created("dups", key, etag, sequencer));
    notify(url, Notifications.eventBridge("dups", key, etag, sequencer.toLowerCase()));
    await("duplicates handled").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
    assertThat(all("dups")).hasSize(50);

    // An operator resets the object's offset through the REST API: the object is read again on resume.
    connect.embedded().stopConnector("dups");
    connect.embedded().assertions().assertConnectorIsStopped("dups", "connector stopped");
    connect.embedded().alterSourceConnectorOffset("dups", Map.of("bucket", "dups", "key", key), null);
    connect.embedded().resumeConnector("dups");
    List<ConsumerRecord<byte[], byte[]>> twice = consumeAtLeast("dups", 100);
    assertThat(twice).hasSize(100);
    List<Long> numbers = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : twice) {
      numbers.add(value(r).get("n").asLong());
    }
    List<Long> once = java.util.stream.LongStream.range(0, 50).boxed().toList();
    assertThat(numbers.subList(0, 50)).isEqualTo(once);
    assertThat(numbers.subList(50, 100)).isEqualTo(once);

    // Skipping ahead: an offset of 45 records reads only the last five.
    connect.embedded().stopConnector("dups");
    connect.embedded().assertions().assertConnectorIsStopped("dups", "connector stopped");
    connect.embedded().alterSourceConnectorOffset("dups", Map.of("bucket", "dups", "key", key),
        Map.of("records", 45));
    connect.embedded().resumeConnector("dups");
    List<ConsumerRecord<byte[], byte[]>> tail = consumeAtLeast("dups", 105);
    List<Long> lastFive = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : tail.subList(100, 105)) {
      lastFive.add(value(r).get("n").asLong());
    }
    assertThat(lastFive).containsExactly(45L, 46L, 47L, 48L, 49L);
    await("replays handled").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
    assertThat(all("dups")).hasSize(105);
    connect.deleteConnector("dups");
  }

  @Test
  void aNotificationWhoseObjectWasOverwrittenSinceIsSkippedAndCounted() throws Exception {
    s3.createBucket(r -> r.bucket("overwritten"));
    String url = sqsServer.createQueue("overwritten", Map.of());
    String first = put("overwritten", "report.jsonl", jsonLines("first", 0, 3));
    notify(url, Notifications.created("overwritten", "report.jsonl", first, sequencer()));
    // Replaced before the connector read it: the first notification's etag no longer matches (S3 answers 412).
    String second = put("overwritten", "report.jsonl", jsonLines("second", 0, 2));
    notify(url, Notifications.created("overwritten", "report.jsonl", second, sequencer()));
    connect.configureConnector("overwritten", config(url, "overwritten", "jsonl"));

    await("both notifications handled").atMost(Duration.ofSeconds(60)).until(() -> sqsServer.messagesLeft(url) == 0);
    List<String> read = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : all("overwritten")) {
      read.add(value(r).get("object").asText() + "#" + value(r).get("n").asLong());
      assertThat(header(r, "s3.etag")).isEqualTo(second);
    }
    assertThat(read).containsExactly("second#0", "second#1");
    assertThat(PluginMetrics.task("overwritten", "events-superseded-total")).isEqualTo(1);
    assertThat(PluginMetrics.task("overwritten", "events-duplicate-total")).isZero();
    connect.deleteConnector("overwritten");
  }

  @Test
  void aBacklogOfWeekOldNotificationsAndItsDeadLettersOutliveRetentionChecks() throws Exception {
    // Objects created 8 days ago, notified then, read now (a backlog, or a queue the connector starts on late).
    s3.createBucket(r -> r.bucket("backlog"));
    String url = sqsServer.createQueue("backlog", Map.of());
    java.time.Instant created = java.time.Instant.now().minus(Duration.ofDays(8)).truncatedTo(
        java.time.temporal.ChronoUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      String key = "dt=old/archive-" + i + ".jsonl";
      byte[] lines = (new String(jsonLines(key, 0, 4), StandardCharsets.UTF_8) + (i == 2 ? "{\"broken\n" : ""))
          .getBytes(StandardCharsets.UTF_8);
      notify(url, io.cloudbridge.testkit.aws.S3Notifications.s3("ObjectCreated:Put", "backlog", key,
          put("backlog", key, lines), lines.length, sequencer(), created));
    }
    Map<String, String> c = config(url, "backlog", "jsonl");
    c.put("errors.bad.record.policy", "dead_letter");
    c.put("errors.dead.letter.topic", "backlog-dlq");
    long before = System.currentTimeMillis();
    connect.configureConnector("backlog", c);
    try (io.cloudbridge.testkit.connect.RetentionChecks retention =
             new io.cloudbridge.testkit.connect.RetentionChecks(connect.bootstrapServers())) {
      await("the backlog read").atMost(Duration.ofSeconds(60)).until(() -> sqsServer.messagesLeft(url) == 0);
      retention.awaitChecks(3, Duration.ofSeconds(60));
      assertThat(retention.earliest("backlog")).isZero();
      assertThat(retention.earliest("backlog-dlq")).isZero();
      List<ConsumerRecord<byte[], byte[]>> records = all("backlog");
      assertThat(records).hasSize(12);
      for (ConsumerRecord<byte[], byte[]> r : records) {
        assertThat(r.timestamp()).isGreaterThanOrEqualTo(before);
        assertThat(header(r, "s3.event.time")).startsWith(created.toString().replace("Z", ""));
        assertThat(value(r).get("object").asText()).isEqualTo(header(r, "s3.key"));
      }
      List<ConsumerRecord<byte[], byte[]>> dlq = all("backlog-dlq");
      assertThat(dlq).hasSize(1);
      assertThat(dlq.get(0).timestamp()).isGreaterThanOrEqualTo(before);
      assertThat(new String(value(dlq.get(0)).binaryValue(), StandardCharsets.UTF_8)).isEqualTo("{\"broken");
    }
    connect.deleteConnector("backlog");
  }

  @Test
  void badLinesMissingAndCorruptObjectsGoWhereConfigured() throws Exception {
    s3.createBucket(r -> r.bucket("errors"));
    String url = sqsServer.createQueue("errors", Map.of());
    Map<String, String> c = config(url, "errors", "jsonl");
    c.put("errors.bad.record.policy", "dead_letter");
    c.put("errors.corrupt.object.policy", "dead_letter");
    c.put("errors.missing.object.policy", "skip");
    c.put("errors.dead.letter.topic", "errors-dlq");
    connect.configureConnector("errors", c);
    connect.awaitRunning("errors", 1, Duration.ofSeconds(60));

    String badLine = "{\"object\":\"bad.jsonl\",\"n\":";
    byte[] withBadLine = ("{\"object\":\"bad.jsonl\",\"n\":0}\n" + badLine + "\n{\"object\":\"bad.jsonl\",\"n\":2}\n")
        .getBytes(StandardCharsets.UTF_8);
    notify(url, Notifications.created("errors", "bad.jsonl", put("errors", "bad.jsonl", withBadLine), sequencer()));
    notify(url, Notifications.created("errors", "gone.jsonl", "0123456789abcdef0123456789abcdef", sequencer()));
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(jsonLines("broken.jsonl.gz", 0, 20_000));
    }
    // Cut off in the middle, as an interrupted upload leaves it: what is before the cut is read, then the error.
    byte[] broken = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() / 2);
    notify(url, Notifications.created("errors", "broken.jsonl.gz", put("errors", "broken.jsonl.gz", broken),
        sequencer()));

    await("every notification handled").atMost(Duration.ofSeconds(60)).until(() -> sqsServer.messagesLeft(url) == 0);
    List<Long> good = new ArrayList<>();
    List<Long> beforeTheCut = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : all("errors")) {
      (value(r).get("object").asText().equals("bad.jsonl") ? good : beforeTheCut).add(value(r).get("n").asLong());
    }
    assertThat(good).containsExactly(0L, 2L);
    assertThat(beforeTheCut).isNotEmpty().hasSizeLessThan(20_000)
        .isEqualTo(java.util.stream.LongStream.range(0, beforeTheCut.size()).boxed().toList());
    List<ConsumerRecord<byte[], byte[]>> dlq = all("errors-dlq");
    assertThat(dlq).hasSize(2);
    ConsumerRecord<byte[], byte[]> line = dlq.stream().filter(r -> "bad.jsonl".equals(header(r, "s3.key")))
        .findFirst().orElseThrow();
    assertThat(header(line, "cloudbridge.error.kind")).isEqualTo("bad-record");
    assertThat(header(line, "cloudbridge.error.reason")).contains("not JSON");
    assertThat(header(line, "s3.line")).isEqualTo("2");
    assertThat(value(line).binaryValue()).isEqualTo(badLine.getBytes(StandardCharsets.UTF_8));
    ConsumerRecord<byte[], byte[]> corrupt = dlq.stream().filter(r -> "broken.jsonl.gz".equals(header(r, "s3.key")))
        .findFirst().orElseThrow();
    assertThat(header(corrupt, "cloudbridge.error.kind")).isEqualTo("corrupt-object");
    // Errors by kind, as the worker publishes the task's plugin metrics.
    assertThat(PluginMetrics.task("errors", "errors-bad-record-total")).isEqualTo(1);
    assertThat(PluginMetrics.task("errors", "errors-missing-object-total")).isEqualTo(1);
    assertThat(PluginMetrics.task("errors", "errors-corrupt-object-total")).isEqualTo(1);
    assertThat(PluginMetrics.task("errors", "notifications-received-total")).isEqualTo(3);
    assertThat(PluginMetrics.task("errors", "objects-read-total")).isEqualTo(1);
    assertThat(PluginMetrics.task("errors", "records-produced-total")).isEqualTo(2 + 2 + beforeTheCut.size());
    connect.deleteConnector("errors");
  }

  @Test
  void objectsTheCredentialsMayNotReadGoWhereConfigured() throws Exception {
    s3.createBucket(r -> r.bucket("forbidden"));
    String url = sqsServer.createQueue("forbidden", Map.of());
    Map<String, String> c = config(url, "forbidden", "jsonl");
    // S3 refuses these credentials (403); the SQS-compatible server does not check them.
    c.put("aws.secret.access.key", "not-the-secret");
    c.put("errors.access.denied.policy", "dead_letter");
    c.put("errors.dead.letter.topic", "forbidden-dlq");
    connect.configureConnector("forbidden", c);
    connect.awaitRunning("forbidden", 1, Duration.ofSeconds(60));
    String etag = put("forbidden", "secret/x.jsonl", jsonLines("x", 0, 3));
    notify(url, Notifications.created("forbidden", "secret/x.jsonl", etag, sequencer()));

    List<ConsumerRecord<byte[], byte[]>> dlq = consumeAtLeast("forbidden-dlq", 1);
    assertThat(header(dlq.get(0), "cloudbridge.error.kind")).isEqualTo("access-denied");
    assertThat(header(dlq.get(0), "cloudbridge.error.reason")).contains("access denied");
    assertThat(header(dlq.get(0), "s3.key")).isEqualTo("secret/x.jsonl");
    assertThat(value(dlq.get(0)).isNull()).as("no bytes were read, so the value is null").isTrue();
    await("notification deleted").atMost(Duration.ofSeconds(30)).until(() -> sqsServer.messagesLeft(url) == 0);
    assertThat(PluginMetrics.task("forbidden", "errors-access-denied-total")).isEqualTo(1);
    connect.deleteConnector("forbidden");
  }

  @Test
  void withFailPolicyTheTaskFailsNamingTheObjectAndLine() throws Exception {
    s3.createBucket(r -> r.bucket("strict"));
    String url = sqsServer.createQueue("strict", Map.of());
    connect.configureConnector("strict", config(url, "strict", "jsonl"));
    connect.awaitRunning("strict", 1, Duration.ofSeconds(60));
    byte[] content = "{\"ok\":1}\nnot json at all\n".getBytes(StandardCharsets.UTF_8);
    notify(url, Notifications.created("strict", "in/x y.jsonl", put("strict", "in/x y.jsonl", content), sequencer()));
    String trace = connect.awaitTaskFailed("strict", 0, Duration.ofSeconds(60));
    assertThat(trace).contains("s3://strict/in/x y.jsonl line 2").contains("not JSON")
        .contains("errors.bad.record.policy=fail");
    // The notification was not deleted: it goes back to the queue for a fixed connector to read.
    assertThat(sqsServer.messagesLeft(url)).isEqualTo(1);
    connect.deleteConnector("strict");
  }
}
