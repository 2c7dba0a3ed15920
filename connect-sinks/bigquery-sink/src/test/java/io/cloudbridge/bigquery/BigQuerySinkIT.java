package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TimePartitioning;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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

/**
 * The BigQuery sink in a real Connect worker, loaded from its packaged plugin directory, writing through the real
 * Storage Write and BigQuery clients to the BigQuery stand-in.
 */
class BigQuerySinkIT {

  private static BigQueryStandIn bigQuery;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    bigQuery = BigQueryStandIn.start();
    bigQuery.bigQuery().create(DatasetInfo.of("lake"));
    connect = StandInSink.worker(1000);
  }

  @AfterAll
  static void stop() {
    connect.close();
    bigQuery.close();
  }

  private static Map<String, String> config(String topic) {
    return StandInSink.config(bigQuery, topic, "lake");
  }

  private static KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put("bootstrap.servers", connect.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("max.in.flight.requests.per.connection", "1");
    return new KafkaProducer<>(p);
  }

  /** A JsonConverter envelope: an event with a timestamp, a nested device and tags. */
  private static String event(int n, long at) {
    String schema = "{\"type\":\"struct\",\"name\":\"shop.Event\",\"optional\":false,\"fields\":["
        + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false},"
        + "{\"field\":\"action\",\"type\":\"string\",\"optional\":false},"
        + "{\"field\":\"user-agent\",\"type\":\"string\",\"optional\":true},"
        + "{\"field\":\"at\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,"
        + "\"optional\":false},"
        + "{\"field\":\"device\",\"type\":\"struct\",\"optional\":true,\"fields\":["
        + "{\"field\":\"os\",\"type\":\"string\",\"optional\":false}]},"
        + "{\"field\":\"tags\",\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},"
        + "\"optional\":true}]}";
    String payload = "{\"n\":" + n + ",\"action\":\"" + (n % 2 == 0 ? "view" : "click") + "\",\"user-agent\":"
        + (n % 5 == 0 ? "null" : "\"ua-" + n + "\"") + ",\"at\":" + (at + n) + ",\"device\":{\"os\":\"os-" + n % 3
        + "\"},\"tags\":[\"t" + n % 4 + "\",\"x\"]}";
    return "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
  }

  /** Sends the connector's errant records to {@code topic}, with error headers. */
  private static void deadLetters(Map<String, String> c, String topic) {
    c.put("errors.tolerance", "all");
    c.put("errors.deadletterqueue.topic.name", topic);
    c.put("errors.deadletterqueue.topic.replication.factor", "1");
    c.put("errors.deadletterqueue.context.headers.enable", "true");
  }

  private static List<ConsumerRecord<byte[], byte[]>> deadLetters(String topic, int n) {
    return StandInSink.awaitDeadLetters(connect.bootstrapServers(), topic, n);
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(String connector) throws Exception {
    return io.cloudbridge.testkit.connect.ConsumerGroups.committed(connect.bootstrapServers(), "connect-" + connector);
  }

  @Test
  void recordsBecomeRowsOfATableCreatedFromTheirSchema() throws Exception {
    connect.createTopic("events", 2);
    long at = System.currentTimeMillis() - 60_000;
    try (KafkaProducer<String, String> p = producer()) {
      for (int n = 0; n < 300; n++) {
        p.send(new ProducerRecord<>("events", n % 2, "k" + n, event(n, at))).get();
      }
    }
    connect.configureConnector("events-bq", config("events"));

    await("every record a row").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "events").size() >= 300);
    List<Map<String, Object>> rows = bigQuery.rows("lake", "events");
    assertThat(rows).hasSize(300);
    Map<Long, Map<String, Object>> byN = new TreeMap<>();
    rows.forEach(r -> byN.put((Long) r.get("n"), r));
    assertThat(byN.keySet()).hasSize(300).first().isEqualTo(0L);
    for (long n = 0; n < 300; n++) {
      Map<String, Object> r = byN.get(n);
      assertThat(r.get("action")).isEqualTo(n % 2 == 0 ? "view" : "click");
      assertThat(r.get("user_agent")).isEqualTo(n % 5 == 0 ? null : "ua-" + n);
      assertThat(r.get("at")).isEqualTo(Instant.ofEpochMilli(at + n));
      assertThat(r.get("device")).isEqualTo(Map.of("os", "os-" + n % 3));
      assertThat(r.get("tags")).isEqualTo(List.of("t" + n % 4, "x"));
    }

    Table table = bigQuery.bigQuery().getTable(TableId.of("lake", "events"));
    StandardTableDefinition definition = table.getDefinition();
    assertThat(definition.getTimePartitioning().getType()).isEqualTo(TimePartitioning.Type.DAY);
    assertThat(definition.getSchema().getFields().get("user_agent").getMode())
        .isEqualTo(com.google.cloud.bigquery.Field.Mode.NULLABLE);

    await("offsets committed to the end").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          Map<TopicPartition, OffsetAndMetadata> c = committed("events-bq");
          return c.size() == 2 && c.values().stream().allMatch(o -> o.offset() == 150);
        });
    assertThat(PluginMetrics.task("events-bq", "rows-appended-total")).isEqualTo(300);

    // A replay (stop, reset the offsets, resume) writes every record again, as at_least_once documents.
    connect.embedded().stopConnector("events-bq");
    connect.embedded().resetConnectorOffsets("events-bq");
    connect.embedded().resumeConnector("events-bq");
    await("the replay").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "events").size() >= 600);
    Map<Long, Integer> times = new TreeMap<>();
    bigQuery.rows("lake", "events").forEach(r -> times.merge((Long) r.get("n"), 1, Integer::sum));
    assertThat(times).hasSize(300).allSatisfy((n, count) -> assertThat(count).as("rows of %s", n).isEqualTo(2));
    connect.deleteConnector("events-bq");
  }

  /** Version 1: n and b (required); 2: adds optional c; 3: drops b. */
  private static String evolving(int n, int version) {
    String fields = "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false}"
        + (version < 3 ? ",{\"field\":\"b\",\"type\":\"string\",\"optional\":false}" : "")
        + (version > 1 ? ",{\"field\":\"c\",\"type\":\"string\",\"optional\":true}" : "");
    String payload = "{\"n\":" + n + (version < 3 ? ",\"b\":\"b" + n + "\"" : "")
        + (version > 1 ? ",\"c\":\"c" + n + "\"" : "") + "}";
    return "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"fields\":[" + fields + "]},\"payload\":"
        + payload + "}";
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"at_least_once", "exactly_once"})
  void newColumnsThatTakeSecondsToReachStorageWriteAreWaitedForWithTheTaskRunning(String mode) throws Exception {
    // As in production, where a schema change reaches the Storage Write API after minutes: here 15 s
    bigQuery.schemaPropagationDelay(Duration.ofSeconds(15));
    String topic = "slow-schema-" + mode.replace('_', '-');
    String table = topic.replace('-', '_');
    try {
      connect.createTopic(topic, 1);
      Map<String, String> c = config(topic);
      c.put("bigquery.write.mode", mode);
      c.put("kafka.bootstrap.servers", connect.bootstrapServers());
      deadLetters(c, topic + "-dlq");
      connect.configureConnector(topic + "-bq", c);
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 0; n < 60; n++) {
          p.send(new ProducerRecord<>(topic, 0, null, evolving(n, 1 + n / 20))).get();
        }
      }
      await("every record a row once the new column is usable").atMost(Duration.ofSeconds(150)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", table).stream().map(r -> r.get("n")).distinct().count() == 60);
      Map<Long, Map<String, Object>> byN = new TreeMap<>();
      bigQuery.rows("lake", table).forEach(r -> byN.put((Long) r.get("n"), r));
      for (long n = 0; n < 60; n++) {
        Map<String, Object> r = byN.get(n);
        assertThat(r.get("b")).as("b of %s", n).isEqualTo(n < 40 ? "b" + n : null);
        assertThat(r.get("c")).as("c of %s", n).isEqualTo(n >= 20 ? "c" + n : null);
      }
      if (mode.equals("exactly_once")) {
        assertThat(bigQuery.rows("lake", table)).hasSize(60);
      }
      assertThat(connect.embedded().connectorStatus(topic + "-bq").tasks().get(0).state()).isEqualTo("RUNNING");
      assertThat(PluginMetrics.task(topic + "-bq", "records-bad-total")).isZero();
      if (mode.equals("at_least_once")) {
        assertThat(PluginMetrics.task(topic + "-bq", "requests-resent-total")).isPositive();
        await("the partitions resumed").atMost(Duration.ofSeconds(30))
            .until(() -> PluginMetrics.task(topic + "-bq", "schema-wait-ms") == 0);
      }
      connect.deleteConnector(topic + "-bq");
    } finally {
      bigQuery.schemaPropagationDelay(Duration.ZERO);
    }
  }

  /**
   * Records stop carrying a REQUIRED field: the sink relaxes the column, which reaches Storage Write only after the
   * propagation delay (here 15 s); until then BigQuery refuses the rows as missing a required field. They wait and
   * land — none dead-lettered.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"at_least_once", "exactly_once"})
  void aRelaxedColumnThatTakesSecondsToReachStorageWriteIsWaitedForNotDeadLettered(String mode) throws Exception {
    bigQuery.schemaPropagationDelay(Duration.ofSeconds(15));
    String topic = "slow-relax-" + mode.replace('_', '-');
    String table = topic.replace('-', '_');
    try {
      connect.createTopic(topic, 1);
      Map<String, String> c = config(topic);
      c.put("bigquery.write.mode", mode);
      c.put("kafka.bootstrap.servers", connect.bootstrapServers());
      deadLetters(c, topic + "-dlq");
      connect.configureConnector(topic + "-bq", c);
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 0; n < 20; n++) {
          p.send(new ProducerRecord<>(topic, 0, null, evolving(n, 1))).get();
        }
      }
      await("the first rows").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", table).size() >= 20);
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 20; n < 40; n++) {
          // b dropped, nothing added: only the relaxation has to reach Storage Write
          p.send(new ProducerRecord<>(topic, 0, null, "{\"schema\":{\"type\":\"struct\",\"optional\":false,"
              + "\"fields\":[{\"field\":\"n\",\"type\":\"int64\",\"optional\":false}]},\"payload\":{\"n\":" + n
              + "}}")).get();
        }
      }
      await("every record a row once the relaxation is usable").atMost(Duration.ofSeconds(150)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", table).stream().map(r -> r.get("n")).distinct().count() == 40);
      Map<Long, Map<String, Object>> byN = new TreeMap<>();
      bigQuery.rows("lake", table).forEach(r -> byN.put((Long) r.get("n"), r));
      for (long n = 0; n < 40; n++) {
        assertThat(byN.get(n).get("b")).as("b of %s", n).isEqualTo(n < 20 ? "b" + n : null);
      }
      assertThat(PluginMetrics.task(topic + "-bq", "records-bad-total")).as("nothing dead-lettered").isZero();
      assertThat(PluginMetrics.task(topic + "-bq", "row-errors-total")).isZero();
      assertThat(connect.embedded().connectorStatus(topic + "-bq").tasks().get(0).state()).isEqualTo("RUNNING");
      connect.deleteConnector(topic + "-bq");
    } finally {
      bigQuery.schemaPropagationDelay(Duration.ZERO);
    }
  }

  @Test
  void aNewFieldAddsAColumnAndADroppedOneIsRelaxedWhileRecordsFlow() throws Exception {
    connect.createTopic("evolving", 1);
    connect.configureConnector("evolving-bq", config("evolving"));
    try (KafkaProducer<String, String> p = producer()) {
      for (int n = 0; n < 60; n++) {
        p.send(new ProducerRecord<>("evolving", 0, null, evolving(n, 1 + n / 20))).get();
      }
    }
    await("every record a row").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "evolving").size() >= 60);
    Map<Long, Map<String, Object>> byN = new TreeMap<>();
    bigQuery.rows("lake", "evolving").forEach(r -> byN.put((Long) r.get("n"), r));
    assertThat(byN).hasSize(60);
    for (long n = 0; n < 60; n++) {
      Map<String, Object> r = byN.get(n);
      assertThat(r.get("b")).as("b of %s", n).isEqualTo(n < 40 ? "b" + n : null);
      assertThat(r.get("c")).as("c of %s", n).isEqualTo(n >= 20 ? "c" + n : null);
    }
    var schema = ((StandardTableDefinition) bigQuery.bigQuery().getTable(TableId.of("lake", "evolving"))
        .getDefinition()).getSchema().getFields();
    assertThat(schema.get("n").getMode()).isEqualTo(com.google.cloud.bigquery.Field.Mode.REQUIRED);
    assertThat(schema.get("b").getMode()).isEqualTo(com.google.cloud.bigquery.Field.Mode.NULLABLE);
    assertThat(schema.get("c").getMode()).isEqualTo(com.google.cloud.bigquery.Field.Mode.NULLABLE);
    assertThat(connect.embedded().connectorStatus("evolving-bq").tasks().get(0).state()).isEqualTo("RUNNING");
    assertThat(PluginMetrics.task("evolving-bq", "schema-updates-total")).isEqualTo(2);
    connect.deleteConnector("evolving-bq");
  }

  /** An order event as a schemaless source learns it: numbers FLOAT64, a total as text, a drifting detail. */
  private static String drifting(int n, String total, String detail) {
    String schema = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
        + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false},"
        + "{\"field\":\"qty\",\"type\":\"double\",\"optional\":true},"
        + "{\"field\":\"price\",\"type\":\"double\",\"optional\":true},"
        + "{\"field\":\"total\",\"type\":\"string\",\"optional\":true},"
        + "{\"field\":\"detail\",\"type\":\"struct\",\"optional\":true,\"fields\":["
        + "{\"field\":\"colour\",\"type\":\"string\",\"optional\":true}"
        + (detail.contains("size") ? ",{\"field\":\"size\",\"type\":\"double\",\"optional\":true}" : "")
        + "]}]}";
    return "{\"schema\":" + schema + ",\"payload\":{\"n\":" + n + ",\"qty\":" + (n % 3 + 1) + ".0,\"price\":"
        + (n % 2 == 0 ? "5000" : "5000.5") + ",\"total\":\"" + total + "\",\"detail\":" + detail + "}}";
  }

  @Test
  void valuesGoIntoTheExistingColumnsWiderNumericTypesAndJsonColumnsTakeWholeSubtrees() throws Exception {
    // A table a user made: qty INT64, price NUMERIC, total BIGNUMERIC, detail JSON.
    bigQuery.bigQuery().create(com.google.cloud.bigquery.TableInfo.of(TableId.of("lake", "drift"),
        StandardTableDefinition.of(com.google.cloud.bigquery.Schema.of(
            com.google.cloud.bigquery.Field.of("n", com.google.cloud.bigquery.StandardSQLTypeName.INT64),
            com.google.cloud.bigquery.Field.of("qty", com.google.cloud.bigquery.StandardSQLTypeName.INT64),
            com.google.cloud.bigquery.Field.of("price", com.google.cloud.bigquery.StandardSQLTypeName.NUMERIC),
            com.google.cloud.bigquery.Field.of("total", com.google.cloud.bigquery.StandardSQLTypeName.BIGNUMERIC),
            com.google.cloud.bigquery.Field.of("detail", com.google.cloud.bigquery.StandardSQLTypeName.JSON)))));
    connect.createTopic("drift", 1);
    try (KafkaProducer<String, String> p = producer()) {
      p.send(new ProducerRecord<>("drift", 0, null, drifting(0, "10000", "{\"colour\":\"r\u00f6d\"}"))).get();
      p.send(new ProducerRecord<>("drift", 0, null, drifting(1, " 12.75 ", "{\"colour\":null,\"size\":42}")))
          .get();
      p.send(new ProducerRecord<>("drift", 0, null, drifting(2, "12 EUR", "{\"colour\":\"b\"}"))).get();
      p.send(new ProducerRecord<>("drift", 0, null, drifting(3, "1e3", "{\"colour\":\"g\",\"size\":0.5}")))
          .get();
    }
    Map<String, String> c = config("drift");
    deadLetters(c, "drift-dlq");
    connect.configureConnector("drift-bq", c);
    await("the rows that fit").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "drift").size() >= 3);
    Map<Long, Map<String, Object>> byN = new TreeMap<>();
    bigQuery.rows("lake", "drift").forEach(r -> byN.put((Long) r.get("n"), r));
    assertThat(byN.keySet()).containsExactly(0L, 1L, 3L);
    assertThat(byN.get(0L).get("qty")).isEqualTo(1L);
    assertThat((java.math.BigDecimal) byN.get(0L).get("price")).isEqualByComparingTo("5000");
    assertThat((java.math.BigDecimal) byN.get(1L).get("price")).isEqualByComparingTo("5000.5");
    assertThat((java.math.BigDecimal) byN.get(0L).get("total")).isEqualByComparingTo("10000");
    assertThat((java.math.BigDecimal) byN.get(1L).get("total")).isEqualByComparingTo("12.75");
    assertThat((java.math.BigDecimal) byN.get(3L).get("total")).isEqualByComparingTo("1000");
    assertThat(byN.get(0L).get("detail")).isEqualTo("{\"colour\":\"r\u00f6d\"}");
    assertThat(byN.get(1L).get("detail")).isEqualTo("{\"colour\":null,\"size\":42.0}");
    assertThat(byN.get(3L).get("detail")).isEqualTo("{\"colour\":\"g\",\"size\":0.5}");
    // the table kept its types: a new key under detail changed nothing
    var schema = ((StandardTableDefinition) bigQuery.bigQuery().getTable(TableId.of("lake", "drift"))
        .getDefinition()).getSchema().getFields();
    assertThat(schema.get("qty").getType().getStandardType())
        .isEqualTo(com.google.cloud.bigquery.StandardSQLTypeName.INT64);
    assertThat(schema.get("detail").getType().getStandardType())
        .isEqualTo(com.google.cloud.bigquery.StandardSQLTypeName.JSON);
    assertThat(schema).hasSize(5);
    assertThat(PluginMetrics.task("drift-bq", "schema-updates-total")).isZero();
    List<ConsumerRecord<byte[], byte[]>> dead = deadLetters("drift-dlq", 1);
    String error = new String(dead.get(0).headers().lastHeader("__connect.errors.exception.message").value());
    assertThat(error).contains("drift/0@2").contains("column total").contains("12 EUR");
    connect.deleteConnector("drift-bq");
  }

  @Test
  void jsonFieldsMakeJsonColumnsInACreatedTable() throws Exception {
    connect.createTopic("shapes", 1);
    try (KafkaProducer<String, String> p = producer()) {
      p.send(new ProducerRecord<>("shapes", 0, null, drifting(0, "1", "{\"colour\":\"r\"}"))).get();
      p.send(new ProducerRecord<>("shapes", 0, null, drifting(1, "2", "{\"colour\":\"b\",\"size\":3}"))).get();
    }
    Map<String, String> c = config("shapes");
    c.put("bigquery.json.fields", "detail");
    connect.configureConnector("shapes-bq", c);
    await("both rows").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "shapes").size() >= 2);
    Map<Long, Map<String, Object>> byN = new TreeMap<>();
    bigQuery.rows("lake", "shapes").forEach(r -> byN.put((Long) r.get("n"), r));
    assertThat(byN.get(0L).get("detail")).isEqualTo("{\"colour\":\"r\"}");
    assertThat(byN.get(1L).get("detail")).isEqualTo("{\"colour\":\"b\",\"size\":3.0}");
    assertThat(byN.get(1L).get("qty")).isEqualTo(2.0);
    var schema = ((StandardTableDefinition) bigQuery.bigQuery().getTable(TableId.of("lake", "shapes"))
        .getDefinition()).getSchema().getFields();
    assertThat(schema.get("detail").getType().getStandardType())
        .isEqualTo(com.google.cloud.bigquery.StandardSQLTypeName.JSON);
    assertThat(schema.get("qty").getType().getStandardType())
        .isEqualTo(com.google.cloud.bigquery.StandardSQLTypeName.FLOAT64);
    // the second schema (detail.size is new) needed no table change
    assertThat(PluginMetrics.task("shapes-bq", "schema-updates-total")).isZero();
    connect.deleteConnector("shapes-bq");
  }

  @Test
  void aRecordThatFitsNoColumnGoesToTheDeadLetterTopicWhileTheOthersLand() throws Exception {
    connect.createTopic("mixed", 1);
    long at = System.currentTimeMillis() - 60_000;
    try (KafkaProducer<String, String> p = producer()) {
      p.send(new ProducerRecord<>("mixed", 0, "a", event(1, at))).get();
      p.send(new ProducerRecord<>("mixed", 0, "b", "{\"schema\":null,\"payload\":{\"n\":2,\"colour\":\"red\"}}"))
          .get();
      p.send(new ProducerRecord<>("mixed", 0, "c", event(3, at))).get();
    }
    Map<String, String> c = config("mixed");
    deadLetters(c, "mixed-dlq");
    connect.configureConnector("mixed-bq", c);

    await("the good rows").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> bigQuery.rows("lake", "mixed").size() >= 2);
    assertThat(bigQuery.rows("lake", "mixed")).extracting(r -> r.get("n")).containsExactlyInAnyOrder(1L, 3L);
    List<ConsumerRecord<byte[], byte[]>> got = deadLetters("mixed-dlq", 1);
    assertThat(new String(got.get(0).key())).isEqualTo("b");
    String error = new String(got.get(0).headers().lastHeader("__connect.errors.exception.message").value());
    assertThat(error).contains("mixed/0@1").contains("field colour is no column of the table");
    connect.deleteConnector("mixed-bq");
  }

  @Test
  void exactlyOnceWritesEveryOffsetOnceThroughDroppedConnectionsAndARestart() throws Exception {
    connect.createTopic("orders", 2);
    long at = System.currentTimeMillis() - 60_000;
    produce("orders", 0, 400, at);
    Map<String, String> c = config("orders");
    c.put("bigquery.write.mode", "exactly_once");
    c.put("kafka.bootstrap.servers", connect.bootstrapServers());
    c.put("bigquery.request.max.bytes", "65536");
    c.put("consumer.override.max.poll.records", "50");
    bigQuery.writeFaults().closeConnectionOnNextAppends(2, io.grpc.Status.Code.UNAVAILABLE);
    connect.configureConnector("orders-bq", c);

    awaitCommitted("orders-bq", 200);
    assertOncePerN("orders", 400);
    assertThat(committed("orders-bq").values()).allSatisfy(o -> assertThat(o.metadata()).startsWith("cb-bq1;"));

    // Someone finalizes partition 0's stream: the task goes on in a new stream, writing nothing twice.
    String first = committed("orders-bq").get(new TopicPartition("orders", 0)).metadata().split(";")[1];
    try (var client = bigQuery.writeClient()) {
      assertThat(client.finalizeWriteStream(first).getRowCount()).isEqualTo(200);
    }
    produce("orders", 400, 500, at);
    awaitCommitted("orders-bq", 250);
    assertOncePerN("orders", 500);
    assertThat(committed("orders-bq").get(new TopicPartition("orders", 0)).metadata()).doesNotContain(first)
        .contains(";200;250;"); // rows from 200 on are in the new stream

    // The task restarts: it resumes each partition's stream where the committed position says.
    connect.embedded().restartTask("orders-bq", 0);
    bigQuery.writeFaults().failNextAppends(2, io.grpc.Status.Code.UNAVAILABLE);
    produce("orders", 500, 600, at);
    awaitCommitted("orders-bq", 300);
    assertOncePerN("orders", 600);
    assertThat(connect.embedded().connectorStatus("orders-bq").tasks().get(0).state()).isEqualTo("RUNNING");

    // An operator replays the topic: stop, reset the offsets (the saved positions go with them), resume. The
    // records written before are skipped, the new ones written once: the table gains only them.
    connect.embedded().stopConnector("orders-bq");
    connect.embedded().resetConnectorOffsets("orders-bq");
    assertThat(committed("orders-bq")).isEmpty();
    connect.embedded().resumeConnector("orders-bq");
    produce("orders", 600, 700, at);
    awaitCommitted("orders-bq", 350);
    assertOncePerN("orders", 700);
    assertThat(PluginMetrics.task("orders-bq", "rows-already-present-total")).isGreaterThanOrEqualTo(600);
    connect.deleteConnector("orders-bq");
  }

  @Test
  void repliesLostAfterTheRowsLandedWriteNothingTwiceExactlyOnceAndLoseNothingAtLeastOnce() throws Exception {
    long at = System.currentTimeMillis() - 60_000;
    // exactly once: the client resends the appends whose replies were lost; the committed streams answer
    // ALREADY_EXISTS for their offsets, and the sink counts those rows as present
    connect.createTopic("lost", 2);
    produce("lost", 0, 300, at);
    Map<String, String> c = config("lost");
    c.put("bigquery.write.mode", "exactly_once");
    c.put("kafka.bootstrap.servers", connect.bootstrapServers());
    c.put("bigquery.request.max.bytes", "65536");
    c.put("consumer.override.max.poll.records", "50");
    bigQuery.writeFaults().loseReplyOfNextAppends(3);
    connect.configureConnector("lost-bq", c);
    awaitCommitted("lost-bq", 150);
    assertOncePerN("lost", 300);
    assertThat(bigQuery.writeFaults().injected()).isGreaterThanOrEqualTo(3);
    assertThat(connect.embedded().connectorStatus("lost-bq").tasks().get(0).state()).isEqualTo("RUNNING");
    connect.deleteConnector("lost-bq");

    // at least once (the default stream has no offsets): nothing lost, the resent rows are there twice
    connect.createTopic("lost-alo", 2);
    produce("lost-alo", 0, 200, at);
    Map<String, String> alo = config("lost-alo");
    alo.put("bigquery.request.max.bytes", "65536");
    alo.put("consumer.override.max.poll.records", "50");
    bigQuery.writeFaults().loseReplyOfNextAppends(2);
    connect.configureConnector("lost-alo-bq", alo);
    await("every record a row").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "lost_alo").stream().map(r -> r.get("n")).distinct().count() == 200);
    List<Map<String, Object>> rows = bigQuery.rows("lake", "lost_alo");
    assertThat(rows.stream().map(r -> (Long) r.get("n")).distinct().sorted().toList())
        .isEqualTo(java.util.stream.LongStream.range(0, 200).boxed().toList());
    System.out.printf("at least once with 2 lost replies: %d rows for 200 records%n", rows.size());
    assertThat(rows.size()).isGreaterThan(200); // the resent requests' rows, as at-least-once allows
    connect.deleteConnector("lost-alo-bq");
  }

  @Test
  void rowsBigQueryRefusesGoToTheDeadLetterTopicAndTheRestOfTheirRequestLands() throws Exception {
    connect.createTopic("refused", 1);
    long at = System.currentTimeMillis() - 60_000;
    bigQuery.writeFaults().rejectRows(r -> r.get("n") instanceof Long n && n >= 1_000_000 && n % 10 == 3);
    try {
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 1_000_000; n < 1_000_100; n++) {
          p.send(new ProducerRecord<>("refused", 0, "k" + n, event(n, at))).get();
        }
      }
      Map<String, String> c = config("refused");
      deadLetters(c, "refused-dlq");
      connect.configureConnector("refused-bq", c);

      List<ConsumerRecord<byte[], byte[]>> got = deadLetters("refused-dlq", 10);
      assertThat(got).extracting(r -> new String(r.key())).containsExactlyInAnyOrder("k1000003", "k1000013",
          "k1000023", "k1000033", "k1000043", "k1000053", "k1000063", "k1000073", "k1000083", "k1000093");
      String error = new String(got.get(0).headers().lastHeader("__connect.errors.exception.message").value());
      assertThat(error).contains("refused/0@3").contains("BigQuery refused its row").contains("Injected fault");
      await("the other rows").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "refused").size() >= 90);
      awaitCommittedOne("refused-bq", 100);
      assertThat(bigQuery.rows("lake", "refused")).extracting(r -> (Long) r.get("n"))
          .hasSize(90).doesNotHaveDuplicates().allMatch(n -> n % 10 != 3);
      assertThat(PluginMetrics.task("refused-bq", "row-errors-total")).isEqualTo(10);
    } finally {
      bigQuery.writeFaults().clear();
    }
    connect.deleteConnector("refused-bq");
  }

  @Test
  void exactlyOnceSendsRefusedRowsToTheDeadLetterTopicAndNumbersTheRestWithoutGaps() throws Exception {
    connect.createTopic("eos-refused", 1);
    long at = System.currentTimeMillis() - 60_000;
    bigQuery.writeFaults().rejectRows(r -> r.get("n") instanceof Long n && n >= 2_000_000 && n % 10 == 3);
    try {
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 2_000_000; n < 2_000_100; n++) {
          p.send(new ProducerRecord<>("eos-refused", 0, "k" + n, event(n, at))).get();
        }
      }
      Map<String, String> c = config("eos-refused");
      c.put("bigquery.write.mode", "exactly_once");
      c.put("kafka.bootstrap.servers", connect.bootstrapServers());
      c.put("bigquery.request.max.bytes", "65536");
      c.put("consumer.override.max.poll.records", "40");
      deadLetters(c, "eos-refused-dlq");
      connect.configureConnector("eos-refused-bq", c);
      awaitCommittedOne("eos-refused-bq", 100);

      // A restart after the refusals: the saved positions keep the numbering, nothing is written twice.
      connect.embedded().restartTask("eos-refused-bq", 0);
      try (KafkaProducer<String, String> p = producer()) {
        for (int n = 2_000_100; n < 2_000_120; n++) {
          p.send(new ProducerRecord<>("eos-refused", 0, "k" + n, event(n, at))).get();
        }
      }
      awaitCommittedOne("eos-refused-bq", 120);
      assertThat(bigQuery.rows("lake", "eos_refused")).extracting(r -> (Long) r.get("n"))
          .hasSize(108).doesNotHaveDuplicates().allMatch(n -> n % 10 != 3);
      assertThat(deadLetters("eos-refused-dlq", 12)).extracting(r -> new String(r.key()))
          .hasSize(12).doesNotHaveDuplicates().allMatch(k -> k.endsWith("3"));
      assertThat(connect.embedded().connectorStatus("eos-refused-bq").tasks().get(0).state()).isEqualTo("RUNNING");
    } finally {
      bigQuery.writeFaults().clear();
    }
    connect.deleteConnector("eos-refused-bq");
  }

  private static void awaitCommittedOne(String connector, long offset) {
    await("offset committed to " + offset).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> committed(connector).values().stream().allMatch(o -> o.offset() == offset)
            && !committed(connector).isEmpty());
  }

  @Test
  void recordsWithoutASchemaBecomeRowsOfTheTableWithKafkaMetadataAndInsertTime() throws Exception {
    bigQuery.bigQuery().create(com.google.cloud.bigquery.TableInfo.of(TableId.of("lake", "clicks"),
        StandardTableDefinition.of(com.google.cloud.bigquery.Schema.of(
            com.google.cloud.bigquery.Field.newBuilder("id", com.google.cloud.bigquery.StandardSQLTypeName.INT64)
                .setMode(com.google.cloud.bigquery.Field.Mode.REQUIRED).build(),
            com.google.cloud.bigquery.Field.of("at", com.google.cloud.bigquery.StandardSQLTypeName.TIMESTAMP),
            com.google.cloud.bigquery.Field.of("day", com.google.cloud.bigquery.StandardSQLTypeName.DATE),
            com.google.cloud.bigquery.Field.of("price", com.google.cloud.bigquery.StandardSQLTypeName.NUMERIC),
            com.google.cloud.bigquery.Field.of("attrs", com.google.cloud.bigquery.StandardSQLTypeName.JSON),
            com.google.cloud.bigquery.Field.newBuilder("tags", com.google.cloud.bigquery.StandardSQLTypeName.STRING)
                .setMode(com.google.cloud.bigquery.Field.Mode.REPEATED).build(),
            com.google.cloud.bigquery.Field.of("page", com.google.cloud.bigquery.StandardSQLTypeName.STRUCT,
                com.google.cloud.bigquery.Field.of("path", com.google.cloud.bigquery.StandardSQLTypeName.STRING))))));
    connect.createTopic("clicks", 1);
    long before = System.currentTimeMillis();
    try (KafkaProducer<String, String> p = producer()) {
      for (int n = 0; n < 20; n++) {
        p.send(new ProducerRecord<>("clicks", 0, "key-" + n, "{\"id\":" + n + ",\"at\":\"2026-11-22T10:00:0" + n % 10
            + "Z\",\"day\":\"2026-11-2" + n % 10 + "\",\"price\":\"" + n + ".25\",\"attrs\":{\"n\":" + n
            + "},\"tags\":[\"a\",\"b" + n + "\"],\"page\":{\"path\":\"/p/" + n + "\"}}")).get();
      }
    }
    Map<String, String> c = config("clicks");
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", "false");
    c.put("bigquery.kafka.metadata.columns", "topic,partition,offset,key");
    c.put("bigquery.insert.time.column", "inserted_at");
    connect.configureConnector("clicks-bq", c);

    await("every record a row").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> bigQuery.rows("lake", "clicks").size() >= 20);
    Map<Long, Map<String, Object>> byId = new TreeMap<>();
    bigQuery.rows("lake", "clicks").forEach(r -> byId.put((Long) r.get("id"), r));
    assertThat(byId).hasSize(20);
    for (long n = 0; n < 20; n++) {
      Map<String, Object> r = byId.get(n);
      assertThat(r.get("at")).isEqualTo(Instant.parse("2026-11-22T10:00:0" + n % 10 + "Z"));
      assertThat(r.get("day")).isEqualTo(java.time.LocalDate.parse("2026-11-2" + n % 10));
      assertThat(new java.math.BigDecimal(r.get("price").toString())).isEqualByComparingTo(n + ".25");
      assertThat(r.get("attrs").toString()).isEqualTo("{\"n\":" + n + "}");
      assertThat(r.get("tags")).isEqualTo(List.of("a", "b" + n));
      assertThat(r.get("page")).isEqualTo(Map.of("path", "/p/" + n));
      assertThat(r.get("_kafka_topic")).isEqualTo("clicks");
      assertThat(r.get("_kafka_partition")).isEqualTo(0L);
      assertThat(r.get("_kafka_offset")).isEqualTo(n);
      assertThat(r.get("_kafka_key")).isEqualTo("key-" + n);
      assertThat(((Instant) r.get("inserted_at")).toEpochMilli()).isBetween(before, System.currentTimeMillis());
    }
    connect.deleteConnector("clicks-bq");
  }

  /**
   * Storage Write refuses every call (CreateWriteStream, GetWriteStream, AppendRows) with UNAVAILABLE for longer than
   * the client's retries last (scaled down here: 2 attempts): the task stays RUNNING, shows the wait, and writes on
   * by itself when BigQuery answers again. exactly_once: every record once; at_least_once: every record, the resent
   * requests' rows counted.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"at_least_once", "exactly_once"})
  void anOutageLongerThanTheClientsRetriesIsWaitedOutAndEveryRecordLands(String mode) throws Exception {
    String topic = "outage-" + mode.replace('_', '-');
    String table = topic.replace('-', '_');
    String name = topic + "-bq";
    long at = System.currentTimeMillis() - 60_000;
    connect.createTopic(topic, 2);
    produce(topic, 0, 100, at);
    Map<String, String> c = config(topic);
    c.put("bigquery.write.mode", mode);
    c.put("kafka.bootstrap.servers", connect.bootstrapServers());
    c.put("bigquery.retry.max.attempts", "2");
    c.put("bigquery.retry.initial.backoff.ms", "100");
    c.put("bigquery.retry.max.backoff.ms", "500");
    c.put("outage.timeout.ms", "300000");
    c.put("consumer.override.max.poll.records", "50");
    try {
      connect.configureConnector(name, c);
      awaitCommitted(name, 50);
      bigQuery.writeFaults().outage(io.grpc.Status.Code.UNAVAILABLE);
      produce(topic, 100, 300, at);
      await("the task waits out the outage").atMost(Duration.ofSeconds(90))
          .until(() -> PluginMetrics.task(name, "service-wait-ms") > 20_000);
      assertThat(connect.embedded().connectorStatus(name).tasks().get(0).state()).isEqualTo("RUNNING");
      assertThat(bigQuery.writeFaults().injected()).as("BigQuery was called (and refused)").isGreaterThan(3);
      bigQuery.writeFaults().endOutage();

      awaitCommitted(name, 150);
      if (mode.equals("exactly_once")) {
        assertOncePerN(table, 300);
      } else {
        List<Map<String, Object>> rows = bigQuery.rows("lake", table);
        assertThat(rows.stream().map(r -> (Long) r.get("n")).distinct().sorted().toList())
            .isEqualTo(java.util.stream.LongStream.range(0, 300).boxed().toList());
        for (Map<String, Object> r : rows) {
          assertThat(r.get("action")).isEqualTo((Long) r.get("n") % 2 == 0 ? "view" : "click");
        }
        System.out.printf("at least once through a %d s outage: %d rows for 300 records%n",
            PluginMetrics.task(name, "service-wait-total-ms") / 1000, rows.size());
      }
      await("the wait ended").atMost(Duration.ofSeconds(30))
          .until(() -> PluginMetrics.task(name, "service-wait-ms") == 0);
      assertThat(PluginMetrics.task(name, "service-wait-total-ms")).isGreaterThan(20_000);
      assertThat(connect.embedded().connectorStatus(name).tasks().get(0).state()).isEqualTo("RUNNING");
    } finally {
      bigQuery.writeFaults().clear();
      connect.deleteConnector(name);
    }
  }

  @Test
  void anOutageLongerThanItsBudgetFailsTheTaskNamingTheCause() throws Exception {
    connect.createTopic("outage-budget", 2);
    Map<String, String> c = config("outage-budget");
    c.put("bigquery.retry.max.attempts", "2");
    c.put("bigquery.retry.initial.backoff.ms", "100");
    c.put("bigquery.retry.max.backoff.ms", "500");
    c.put("outage.timeout.ms", "3000");
    try {
      connect.configureConnector("outage-budget-bq", c);
      produce("outage-budget", 0, 2, System.currentTimeMillis());
      await("first rows").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "outage_budget").size() >= 1);
      // Quota exhausted (RESOURCE_EXHAUSTED) is waited out like an outage, within the same budget.
      bigQuery.writeFaults().outage(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
      produce("outage-budget", 2, 10, System.currentTimeMillis());
      String trace = connect.awaitTaskFailed("outage-budget-bq", 0, Duration.ofSeconds(90));
      assertThat(trace).contains("outage.timeout.ms=3000").contains("RESOURCE_EXHAUSTED");
    } finally {
      bigQuery.writeFaults().clear();
      connect.deleteConnector("outage-budget-bq");
    }
  }

  private static void produce(String topic, int from, int to, long at) throws Exception {
    try (KafkaProducer<String, String> p = producer()) {
      for (int n = from; n < to; n++) {
        p.send(new ProducerRecord<>(topic, n % 2, "k" + n, event(n, at))).get();
      }
    }
  }

  private static void awaitCommitted(String connector, long perPartition) {
    await("offsets committed to " + perPartition).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          Map<TopicPartition, OffsetAndMetadata> c = committed(connector);
          return c.size() == 2 && c.values().stream().allMatch(o -> o.offset() == perPartition);
        });
  }

  /** Every n from 0 to count - 1 in exactly one row, with its own content. */
  private static void assertOncePerN(String table, int count) {
    Map<Long, Integer> times = new TreeMap<>();
    List<Map<String, Object>> rows = bigQuery.rows("lake", table);
    for (Map<String, Object> r : rows) {
      long n = (Long) r.get("n");
      times.merge(n, 1, Integer::sum);
      assertThat(r.get("action")).isEqualTo(n % 2 == 0 ? "view" : "click");
    }
    assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
        .as("written twice").isEmpty();
    assertThat(times).hasSize(count);
    assertThat(rows).hasSize(count);
  }
}
