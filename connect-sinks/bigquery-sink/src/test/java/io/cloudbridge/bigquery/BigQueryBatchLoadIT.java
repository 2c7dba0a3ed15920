package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.DatasetInfo;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.ConsumerGroups;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bigquery.write.mode=batch_load} in a real Connect worker: records staged as files in the GCS stand-in and
 * loaded by load jobs of the BigQuery stand-in, through the real Storage and BigQuery clients.
 */
class BigQueryBatchLoadIT {

  private static final String BUCKET = "bq-staging";
  private static GcsStandIn gcs;
  private static BigQueryStandIn bigQuery;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    gcs = GcsStandIn.inMemory();
    gcs.createBucket(BUCKET);
    bigQuery = BigQueryStandIn.start().readsFrom(gcs);
    bigQuery.bigQuery().create(DatasetInfo.of("lake"));
    connect = StandInSink.worker(1000);
  }

  @AfterAll
  static void stop() {
    connect.close();
    bigQuery.close();
    gcs.close();
  }

  private static Map<String, String> config(String topic, String format) {
    Map<String, String> c = StandInSink.config(bigQuery, topic, "lake");
    c.put("bigquery.write.mode", "batch_load");
    c.put("bigquery.batch.gcs.bucket", BUCKET);
    c.put("bigquery.batch.gcs.endpoint.override", gcs.url());
    c.put("bigquery.batch.format", format);
    c.put("bigquery.batch.flush.records", "100");
    c.put("bigquery.batch.flush.interval.ms", "3000");
    return c;
  }

  private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"shop.Order\",\"optional\":false,\"fields\":["
      + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false},"
      + "{\"field\":\"note\",\"type\":\"string\",\"optional\":true},"
      + "{\"field\":\"price\",\"type\":\"double\",\"optional\":false},"
      + "{\"field\":\"amount\",\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
      + "\"parameters\":{\"scale\":\"2\"},\"optional\":true},"
      + "{\"field\":\"at\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,"
      + "\"optional\":false},"
      + "{\"field\":\"day\",\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,"
      + "\"optional\":true},"
      + "{\"field\":\"created\",\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,"
      + "\"optional\":true},"
      + "{\"field\":\"device\",\"type\":\"struct\",\"optional\":true,\"fields\":["
      + "{\"field\":\"os\",\"type\":\"string\",\"optional\":false}]},"
      + "{\"field\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},"
      + "\"optional\":true}]}";

  /** An order shaped like production: nulls, 5000 one day and 5000.5 the next, unicode, old timestamps. */
  private static String order(int n, long at) {
    String amount = java.util.Base64.getEncoder().encodeToString(BigDecimal.valueOf(n * 101L + 5, 2).unscaledValue()
        .toByteArray());
    String payload = "{\"n\":" + n + ",\"note\":" + (n % 4 == 0 ? "null" : "\"Grüße ☃ " + n + "\"")
        + ",\"price\":" + (n % 2 == 0 ? "5000" : "5000.5") + ",\"amount\":" + (n % 7 == 0 ? "null" : "\"" + amount
        + "\"") + ",\"at\":" + (at + n) + ",\"day\":" + (n % 3 == 0 ? "null" : Integer.toString(19_000 + n))
        + ",\"created\":" + (n % 5 == 0 ? "null" : Long.toString(1_600_000_000_123_456L + n))
        + ",\"device\":" + (n % 6 == 0 ? "null" : "{\"os\":\"os-" + n % 3 + "\"}")
        + ",\"tags\":" + (n % 8 == 0 ? "null" : "[\"t" + n % 4 + "\",\"ü\"]") + "}";
    return "{\"schema\":" + SCHEMA + ",\"payload\":" + payload + "}";
  }

  private static void produce(String topic, int partitions, int from, int to, long at) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", connect.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int n = from; n < to; n++) {
        producer.send(new ProducerRecord<>(topic, n % partitions, "k" + n, order(n, at)));
      }
      producer.flush();
    }
  }

  /** Each row equals its record, typed as the Storage Write modes type it. */
  private static void assertRowsEqualRecords(String table, int count, long at) {
    List<Map<String, Object>> rows = bigQuery.rows("lake", table);
    Map<Long, Integer> times = new TreeMap<>();
    for (Map<String, Object> r : rows) {
      long n = (Long) r.get("n");
      times.merge(n, 1, Integer::sum);
      assertThat(r.get("note")).as("note of %s", n).isEqualTo(n % 4 == 0 ? null : "Grüße ☃ " + n);
      assertThat(r.get("price")).isEqualTo(n % 2 == 0 ? 5000.0 : 5000.5);
      if (n % 7 == 0) {
        assertThat(r.get("amount")).isNull();
      } else {
        assertThat((BigDecimal) r.get("amount")).isEqualByComparingTo(BigDecimal.valueOf(n * 101L + 5, 2));
      }
      assertThat(r.get("at")).isEqualTo(Instant.ofEpochMilli(at + n));
      assertThat(r.get("day")).isEqualTo(n % 3 == 0 ? null : LocalDate.ofEpochDay(19_000 + n));
      assertThat(r.get("created")).isEqualTo(n % 5 == 0 ? null : java.time.LocalDateTime.ofEpochSecond(
          1_600_000_000L, (int) (123_456 + n) * 1_000, java.time.ZoneOffset.UTC));
      assertThat(r.get("device")).isEqualTo(n % 6 == 0 ? null : Map.of("os", "os-" + n % 3));
      assertThat(r.get("tags")).isEqualTo(n % 8 == 0 ? List.of() : List.of("t" + n % 4, "ü"));
    }
    assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
        .as("rows loaded twice").isEmpty();
    assertThat(times).as("one row per record").hasSize(count);
  }

  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic, int n) {
    return StandInSink.awaitDeadLetters(connect.bootstrapServers(), topic, n);
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(String connector) throws Exception {
    return ConsumerGroups.committed(connect.bootstrapServers(), "connect-" + connector);
  }

  private static List<String> staged(String table) {
    return gcs.objectNames(BUCKET).stream().filter(n -> n.startsWith("cloudbridge-loads/" + table + "/")).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"avro", "parquet", "jsonl"})
  void recordsAreStagedLoadedOnceAsTypedRowsAndTheFilesDeletedAndAReplayLoadsNothingTwice(String format)
      throws Exception {
    String topic = "orders-" + format;
    String table = "orders_" + format;
    connect.createTopic(topic, 2);
    long at = Instant.parse("1999-12-31T23:59:59Z").toEpochMilli(); // an old timestamp
    produce(topic, 2, 0, 450, at);
    connect.configureConnector(topic, config(topic, format));

    await("every record a row").atMost(Duration.ofSeconds(90)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", table).size() >= 450);
    await("offsets committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> committed(topic).size() == 2 && committed(topic).values().stream()
            .allMatch(o -> o.offset() == 225));
    assertRowsEqualRecords(table, 450, at);
    List<ObjectNode> jobs = bigQuery.jobs().stream().filter(j -> j.path("configuration").path("load")
        .path("destinationTable").path("tableId").asText().equals(table)).toList();
    // Files of 100 records a partition (the rest by the timer); files ready while a job ran share the next job.
    assertThat(jobs.stream().mapToInt(j -> j.path("configuration").path("load").path("sourceUris").size()).sum())
        .as("staged files").isGreaterThanOrEqualTo(6);
    for (int partition = 0; partition < 2; partition++) {
      String p = Integer.toString(partition);
      List<long[]> ranges = jobs.stream().filter(j -> j.path("configuration").path("labels")
              .path("cloudbridge-partition").asText().equals(p))
          .map(j -> new long[] {j.path("configuration").path("labels").path("cloudbridge-first-offset").asLong(),
              j.path("configuration").path("labels").path("cloudbridge-last-offset").asLong()})
          .sorted(java.util.Comparator.comparingLong(r -> r[0])).toList();
      long expectedFirst = 0;
      for (long[] r : ranges) {
        assertThat(r[0]).as("jobs of partition %s follow each other", p).isEqualTo(expectedFirst);
        expectedFirst = r[1] + 1;
      }
      assertThat(expectedFirst).as("partition %s loaded to its end", p).isEqualTo(225);
    }
    assertThat(jobs).allSatisfy(j -> {
      assertThat(j.path("jobReference").path("jobId").asText()).startsWith("cloudbridge_" + topic + "_" + table
          + "_" + topic + "_p");
      assertThat(j.path("configuration").path("load").path("sourceUris").get(0).asText())
          .startsWith("gs://" + BUCKET + "/cloudbridge-loads/" + table + "/" + topic + "/");
      assertThat(j.path("status").path("errorResult").isMissingNode()).isTrue();
    });
    await("loaded files deleted").atMost(Duration.ofSeconds(10)).until(() -> staged(table).isEmpty());
    assertThat(gcs.objectNames(BUCKET)).contains("cloudbridge-loads/_loaded/" + topic + "/" + topic + "/0",
        "cloudbridge-loads/_loaded/" + topic + "/" + topic + "/1");

    // A replay from the start (stop, reset the offsets, resume) loads nothing twice: the markers say what is loaded.
    connect.embedded().stopConnector(topic);
    connect.embedded().resetConnectorOffsets(topic);
    connect.embedded().resumeConnector(topic);
    produce(topic, 2, 450, 500, at);
    await("the new records").atMost(Duration.ofSeconds(90)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", table).size() >= 500);
    await("offsets committed after the replay").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> committed(topic).size() == 2 && committed(topic).values().stream()
            .allMatch(o -> o.offset() == 250));
    assertRowsEqualRecords(table, 500, at);
    connect.deleteConnector(topic);
  }

  /**
   * A worker with Connect's default offset commit interval (60 s), so put() is called only when records come or a
   * commit is due: the sink's own timer ends the file after the interval and loads it, well before the next commit.
   */
  @Test
  void anIdlePartitionIsLoadedByTheTimerWithoutMoreRecords() throws Exception {
    try (ConnectCluster idleWorker = StandInSink.worker(60_000)) {
      idleWorker.createTopic("idle", 1);
      long at = System.currentTimeMillis();
      Map<String, String> c = config("idle", "avro");
      c.put("bigquery.batch.flush.records", "1000000");
      c.put("bigquery.batch.flush.interval.ms", "4000");
      idleWorker.configureConnector("idle", c);
      idleWorker.awaitRunning("idle", 1, Duration.ofSeconds(30));
      Properties p = new Properties();
      p.put("bootstrap.servers", idleWorker.bootstrapServers());
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      long produced;
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        for (int n = 0; n < 7; n++) {
          producer.send(new ProducerRecord<>("idle", 0, "k" + n, order(n, at))).get();
        }
        produced = System.currentTimeMillis();
      }
      await("the timer's load").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "idle").size() >= 7);
      long visibleAfter = System.currentTimeMillis() - produced;
      assertThat(visibleAfter).as("after the interval (the file waited for more records), long before the 60 s"
          + " commit that would call put()").isBetween(3_000L, 15_000L);
      assertRowsEqualRecords("idle", 7, at);
      assertThat(bigQuery.jobs().stream().filter(j -> j.toString().contains("\"idle\"")).count()).isEqualTo(1);
      idleWorker.deleteConnector("idle");
    }
  }

  @Test
  void aFailedLoadFailsTheTaskNamingTheFileAndOffsetsOrSendsItsRecordsToTheDeadLetterTopic() throws Exception {
    // The staged file disappears before its job reads it (a too eager lifecycle rule): the job fails, loading nothing.
    bigQuery.jobDurations(Duration.ofSeconds(3), Duration.ofMillis(100));
    try {
      connect.createTopic("lost", 1);
      long at = System.currentTimeMillis();
      produce("lost", 1, 0, 20, at);
      Map<String, String> c = config("lost", "avro");
      c.put("bigquery.batch.flush.interval.ms", "1000");
      connect.configureConnector("lost", c);
      String file = await("a staged file").atMost(Duration.ofSeconds(30))
          .until(() -> staged("lost").stream().findFirst().orElse(null), java.util.Objects::nonNull);
      gcs.client().delete(BUCKET, file);
      String trace = connect.awaitTaskFailed("lost", 0, Duration.ofSeconds(60));
      assertThat(trace).contains("gs://" + BUCKET + "/" + file).contains("lost-0@0..19").contains("Not found: URI")
          .contains("errors.tolerance=all");
      assertThat(bigQuery.rows("lake", "lost")).isEmpty();
      assertThat(committed("lost").values()).allSatisfy(o -> assertThat(o.offset()).isZero());

      // Restarted, the task stages the records again and loads them with the next attempt's job id.
      bigQuery.jobDurations(Duration.ofMillis(50), Duration.ofMillis(150));
      connect.embedded().restartConnectorAndTasks("lost", false, true, false);
      await("loaded after the restart").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "lost").size() >= 20);
      assertRowsEqualRecords("lost", 20, at);
      assertThat(bigQuery.jobs()).anySatisfy(j -> assertThat(j.path("jobReference").path("jobId").asText())
          .contains("_o0_a1_"));
      connect.deleteConnector("lost");

      // With a dead-letter topic, the failed range's records go there, naming the file and offsets.
      bigQuery.jobDurations(Duration.ofSeconds(3), Duration.ofMillis(100));
      connect.createTopic("lost2", 1);
      produce("lost2", 1, 0, 12, at);
      Map<String, String> d = config("lost2", "avro");
      d.put("bigquery.batch.flush.interval.ms", "1000");
      d.put("errors.tolerance", "all");
      d.put("errors.deadletterqueue.topic.name", "lost2-dlq");
      d.put("errors.deadletterqueue.topic.replication.factor", "1");
      d.put("errors.deadletterqueue.context.headers.enable", "true");
      connect.configureConnector("lost2", d);
      String file2 = await("a staged file").atMost(Duration.ofSeconds(30))
          .until(() -> staged("lost2").stream().findFirst().orElse(null), java.util.Objects::nonNull);
      gcs.client().delete(BUCKET, file2);
      List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("lost2-dlq", 12);
      assertThat(dead).extracting(r -> new String(r.key())).containsExactlyElementsOf(
          java.util.stream.IntStream.range(0, 12).mapToObj(n -> "k" + n).toList());
      String error = new String(dead.get(0).headers().lastHeader("__connect.errors.exception.message").value());
      assertThat(error).contains("gs://" + BUCKET + "/" + file2).contains("lost2-0@0..11").contains("Not found: URI");
      bigQuery.jobDurations(Duration.ofMillis(50), Duration.ofMillis(150));
      produce("lost2", 1, 12, 15, at);
      await("later records load").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "lost2").size() >= 3);
      assertThat(bigQuery.rows("lake", "lost2")).extracting(r -> r.get("n")).containsExactlyInAnyOrder(12L, 13L, 14L);
      await("committed past the dead letters").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> committed("lost2").values().stream().allMatch(o -> o.offset() == 15)
              && !committed("lost2").isEmpty());
      connect.deleteConnector("lost2");
    } finally {
      bigQuery.jobDurations(Duration.ofMillis(50), Duration.ofMillis(150));
    }
  }

  @Test
  void anOutageOfGcsAndBigQueryLongerThanTheClientsRetriesIsWaitedOutAndEveryRecordLoadsOnce() throws Exception {
    connect.createTopic("down", 2);
    long at = System.currentTimeMillis();
    Map<String, String> c = config("down", "avro");
    c.put("bigquery.retry.max.attempts", "2");
    c.put("bigquery.retry.initial.backoff.ms", "100");
    c.put("bigquery.retry.max.backoff.ms", "500");
    c.put("bigquery.batch.flush.interval.ms", "1000");
    c.put("outage.timeout.ms", "300000");
    try {
      produce("down", 2, 0, 40, at);
      connect.configureConnector("down", c);
      await("the first loads").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "down").size() >= 40);
      // Both services refuse everything: uploads and job calls answer 503 past the clients' retries.
      gcs.faults().failNext(1_000_000, null, "upload", 503);
      bigQuery.restFaults().failNext(1_000_000, null, "/jobs", 503);
      produce("down", 2, 40, 140, at);
      await("the task waits out the outage").atMost(Duration.ofSeconds(90))
          .until(() -> io.cloudbridge.testkit.connect.PluginMetrics.task("down", "service-wait-ms") > 20_000);
      assertThat(connect.embedded().connectorStatus("down").tasks().get(0).state()).isEqualTo("RUNNING");
      assertThat(bigQuery.rows("lake", "down")).hasSize(40);
      gcs.faults().clear();
      bigQuery.restFaults().clear();

      await("every record loaded after the outage").atMost(Duration.ofSeconds(90)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "down").size() >= 140);
      await("offsets committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> committed("down").size() == 2 && committed("down").values().stream()
              .allMatch(o -> o.offset() == 70));
      assertRowsEqualRecords("down", 140, at);
      await("the wait ended").atMost(Duration.ofSeconds(30))
          .until(() -> io.cloudbridge.testkit.connect.PluginMetrics.task("down", "service-wait-ms") == 0);
      assertThat(connect.embedded().connectorStatus("down").tasks().get(0).state()).isEqualTo("RUNNING");
    } finally {
      gcs.faults().clear();
      bigQuery.restFaults().clear();
      connect.deleteConnector("down");
    }
  }

  @Test
  void anOutageLongerThanItsBudgetFailsTheTaskNamingTheCause() throws Exception {
    connect.createTopic("down2", 1);
    Map<String, String> c = config("down2", "avro");
    c.put("bigquery.retry.max.attempts", "2");
    c.put("bigquery.retry.initial.backoff.ms", "100");
    c.put("bigquery.retry.max.backoff.ms", "500");
    c.put("bigquery.batch.flush.interval.ms", "1000");
    c.put("outage.timeout.ms", "5000");
    try {
      bigQuery.restFaults().failNext(1_000_000, "POST", "/jobs", 503);
      produce("down2", 1, 0, 5, System.currentTimeMillis());
      connect.configureConnector("down2", c);
      String trace = connect.awaitTaskFailed("down2", 0, Duration.ofSeconds(90));
      assertThat(trace).contains("kept failing for").contains("outage.timeout.ms=5000").contains("503");
      assertThat(bigQuery.rows("lake", "down2")).isEmpty();
      assertThat(committed("down2").values()).allSatisfy(o -> assertThat(o.offset()).isZero());
    } finally {
      bigQuery.restFaults().clear();
      connect.deleteConnector("down2");
    }
  }
}
