package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import io.cloudbridge.testkit.mariadb.MariaDbServer;
import io.cloudbridge.testkit.registry.ApicurioRegistry;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change data capture end to end: Debezium's MariaDB connector reads a table's binlog into Kafka, and two BigQuery
 * sinks in {@code cdc} mode write it, one the raw Debezium envelope, one the rows ExtractNewRecordState leaves.
 * After a snapshot, inserts, updates (several of one row), deletes and a primary-key change, both BigQuery tables
 * equal the MariaDB table row for row.
 */
class BigQuerySinkCdcIT {

  @TempDir
  static Path dir;
  private static MariaDbServer mariaDb;
  private static BigQueryStandIn bigQuery;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    mariaDb = MariaDbServer.start(dir.resolve("mariadb"));
    bigQuery = BigQueryStandIn.start();
    bigQuery.bigQuery().create(DatasetInfo.of("replica"));
    connect = ConnectCluster.builder().workers(1)
        .pluginPath(Path.of(System.getProperty("cloudbridge.plugin.path")))
        .workerProperty("key.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("key.converter.schemas.enable", "true")
        .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("value.converter.schemas.enable", "true")
        .workerProperty("offset.flush.interval.ms", "1000")
        // Apicurio's converter jar lists no service manifests, so the worker scans (Connect's default discovery).
        .workerProperty("plugin.discovery", "hybrid_warn")
        .start();
  }

  @AfterAll
  static void stop() {
    if (connect != null) {
      connect.close();
    }
    if (bigQuery != null) {
      bigQuery.close();
    }
    if (mariaDb != null) {
      mariaDb.close();
    }
  }

  private static Map<String, String> sink(String tablePrefix) {
    Map<String, String> c = StandInSink.config(bigQuery, "shop.shop.customers", "replica");
    c.put("bigquery.table.name.template", tablePrefix + "{{topic}}");
    c.put("bigquery.write.mode", "cdc");
    c.put("bigquery.cdc.max.staleness.minutes", "15");
    c.put("bigquery.partition.type", "none");
    return c;
  }

  @Test
  void bothTablesConvergeToTheSourceTable() {
    mariaDb.execute("CREATE DATABASE shop; CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL,"
        + " email VARCHAR(128), balance DECIMAL(10,2) NOT NULL);"
        + " INSERT INTO shop.customers VALUES (1, 'Ada', 'ada@example.com', 10.50), (2, 'Grace', NULL, 0.00),"
        + " (3, 'Linus', 'linus@example.com', 99.99), (4, 'Barbara', 'bl@example.com', 5.25);");

    connect.createTopic("shop.shop.customers", 1);
    connect.configureConnector("shop-cdc", debezium("shop", "5401"));

    connect.configureConnector("raw-bq", sink("raw_"));
    Map<String, String> flat = sink("flat_");
    flat.put("transforms", "unwrap");
    flat.put("transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState");
    flat.put("transforms.unwrap.delete.tombstone.handling.mode", "rewrite");
    flat.put("transforms.unwrap.add.fields", "op,source.file,source.pos,source.row");
    connect.configureConnector("flat-bq", flat);

    // The snapshot arrives first; then changes while the sinks run, two of whose appends land but lose their reply
    // (the client sends them again: the same upserts, whose sequence numbers make the second a no-op).
    awaitConverged("raw_shop_shop_customers");
    bigQuery.writeFaults().loseReplyOfNextAppends(2);
    mariaDb.execute("INSERT INTO shop.customers VALUES (5, 'Edsger', 'ewd@example.com', 1.00);"
        + " UPDATE shop.customers SET balance = balance + 1 WHERE id = 1;"
        + " UPDATE shop.customers SET balance = balance + 1, email = 'ada@lovelace.org' WHERE id = 1;"
        + " DELETE FROM shop.customers WHERE id = 2;"
        + " UPDATE shop.customers SET id = 30 WHERE id = 3;"
        + " BEGIN; UPDATE shop.customers SET name = 'Barbara L.' WHERE id = 4;"
        + " UPDATE shop.customers SET name = 'Barbara Liskov' WHERE id = 4; COMMIT;"
        + " INSERT INTO shop.customers VALUES (6, 'Tony', NULL, 3.14), (7, 'Frances', 'fa@example.com', 2.72);"
        + " DELETE FROM shop.customers WHERE id = 7;");
    awaitConverged("raw_shop_shop_customers");
    awaitConverged("flat_shop_shop_customers");
    assertThat(bigQuery.writeFaults().injected()).as("the lost replies").isEqualTo(2);

    // An operator replays the topic into the raw table: stop, reset the offsets, resume. Every change is written
    // again, and the table stays equal to the source: the sequence numbers let no old change win.
    connect.embedded().stopConnector("raw-bq");
    connect.embedded().resetConnectorOffsets("raw-bq");
    connect.embedded().resumeConnector("raw-bq");
    await("the replay").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> PluginMetrics.task("raw-bq", "rows-appended-total") >= 12
            && io.cloudbridge.testkit.connect.ConsumerGroups.committedToTheEnd(connect.bootstrapServers(),
                "connect-raw-bq", "shop.shop.customers", 1, c -> true));
    awaitConverged("raw_shop_shop_customers");

    Table table = bigQuery.bigQuery().getTable(TableId.of("replica", "raw_shop_shop_customers"));
    assertThat(table.getTableConstraints().getPrimaryKey().getColumns()).containsExactly("id");
    assertThat(((StandardTableDefinition) table.getDefinition()).getSchema().getFields().get("name").getMode())
        .isEqualTo(com.google.cloud.bigquery.Field.Mode.REQUIRED);
  }

  /**
   * Pipeline 3 as most Debezium deployments run it: Avro through a schema registry in Confluent's wire format (magic
   * byte 0, 4-byte schema id), here Apicurio Registry's Confluent-compatible API and its converter, set per connector.
   * The sink reads what the registry holds and the table converges to the source as with JSON.
   */
  @Test
  void withAvroInConfluentsWireFormatTheTableConvergesToo() throws Exception {
    try (ApicurioRegistry registry = ApicurioRegistry.start(Path.of(System.getProperty("apicurio.registry.dir")),
        dir.resolve("registry"))) {
      mariaDb.execute("CREATE DATABASE crm; CREATE TABLE crm.customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL,"
          + " email VARCHAR(128), balance DECIMAL(10,2) NOT NULL);"
          + " INSERT INTO crm.customers VALUES (1, 'Ada', 'ada@example.com', 10.50), (2, 'Grace', NULL, 0.00);");
      Map<String, String> avro = new HashMap<>();
      for (String side : List.of("key", "value")) {
        avro.put(side + ".converter", "io.apicurio.registry.utils.converter.AvroConverter");
        avro.put(side + ".converter.apicurio.registry.url", registry.apiV2Url());
        avro.put(side + ".converter.apicurio.registry.auto-register", "true");
        avro.put(side + ".converter.apicurio.registry.find-latest", "true");
        avro.put(side + ".converter.apicurio.registry.as-confluent", "true");
        avro.put(side + ".converter.apicurio.registry.use-id", "contentId");
        avro.put(side + ".converter.apicurio.registry.headers.enabled", "false");
      }
      connect.createTopic("crm.crm.customers", 1);
      Map<String, String> debezium = debezium("crm", "5402");
      debezium.putAll(avro);
      connect.configureConnector("crm-cdc", debezium);
      Map<String, String> sink = sink("avro_");
      sink.put("topics", "crm.crm.customers");
      sink.putAll(avro);
      connect.configureConnector("avro-bq", sink);

      awaitConverged("avro_crm_crm_customers", "crm.customers");
      mariaDb.execute("INSERT INTO crm.customers VALUES (3, 'Edsger', 'ewd@example.com', 1.00);"
          + " UPDATE crm.customers SET balance = balance + 1, email = 'ada@lovelace.org' WHERE id = 1;"
          + " DELETE FROM crm.customers WHERE id = 2; UPDATE crm.customers SET id = 30 WHERE id = 3;");
      awaitConverged("avro_crm_crm_customers", "crm.customers");

      // What is on the topic is Confluent's wire format, and the id is one the Confluent API knows.
      ConsumerRecord<byte[], byte[]> first = connect.consume(1, Duration.ofSeconds(30), "crm.crm.customers")
          .iterator().next();
      ByteBuffer value = ByteBuffer.wrap(first.value());
      assertThat(value.get()).as("magic byte").isZero();
      int id = value.getInt();
      assertThat(registry.getConfluent("/schemas/ids/" + id)).contains("Envelope").contains("crm.crm.customers");
      assertThat(registry.getConfluent("/subjects")).contains("crm.crm.customers-value");
      connect.deleteConnector("avro-bq");
      connect.deleteConnector("crm-cdc");
    }
  }

  private static Map<String, String> debezium(String database, String serverId) {
    Map<String, String> debezium = new HashMap<>();
    debezium.put("topic.creation.default.replication.factor", "1");
    debezium.put("topic.creation.default.partitions", "1");
    debezium.put("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
    debezium.put("tasks.max", "1");
    debezium.put("database.hostname", mariaDb.host());
    debezium.put("database.port", Integer.toString(mariaDb.port()));
    debezium.put("database.user", MariaDbServer.USER);
    debezium.put("database.password", MariaDbServer.PASSWORD);
    debezium.put("database.server.id", serverId);
    debezium.put("topic.prefix", database);
    debezium.put("database.include.list", database);
    debezium.put("schema.history.internal.kafka.bootstrap.servers", connect.bootstrapServers());
    debezium.put("schema.history.internal.kafka.topic", database + ".schema-history");
    return debezium;
  }

  /** The BigQuery table equals the MariaDB table: the same keys, each with the same values. */
  private static void awaitConverged(String table) {
    awaitConverged(table, "shop.customers");
  }

  private static void awaitConverged(String table, String source) {
    await(table + " equal to " + source).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().untilAsserted(() -> assertThat(bigQueryRows(table)).isEqualTo(sourceRows(source)));
  }

  private static Map<Long, String> sourceRows(String source) {
    Map<Long, String> out = new TreeMap<>();
    for (String line : mariaDb.execute("SELECT id, name, IFNULL(email, 'NULL'), balance FROM " + source)) {
      String[] f = line.split("\t");
      out.put(Long.parseLong(f[0]), f[1] + "|" + f[2] + "|" + new BigDecimal(f[3]).stripTrailingZeros());
    }
    return out;
  }

  private static Map<Long, String> bigQueryRows(String table) {
    Map<Long, String> out = new TreeMap<>();
    List<Map<String, Object>> rows = bigQuery.rows("replica", table);
    for (Map<String, Object> r : rows) {
      String previous = out.put((Long) r.get("id"), r.get("name") + "|" + (r.get("email") == null ? "NULL"
          : r.get("email")) + "|" + new BigDecimal(r.get("balance").toString()).stripTrailingZeros());
      assertThat(previous).as("one row per key").isNull();
    }
    return out;
  }
}
