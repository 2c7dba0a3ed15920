package io.cloudbridge.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/cloudbridge-local demo} as a user runs it, with the packaged plugins and MariaDB: what it prints, and
 * the data it says arrived, read back from the stand-ins through Google's clients and from MariaDB.
 */
class DemoIT {

  @Test
  void demoRunsTheFourPipelinesAndEverythingItSentArrives(@TempDir Path home) throws Exception {
    Map<String, String> env = LocalStackScript.environment(home);
    env.put("CLOUDBRIDGE_DEMO_INSTALL_MARIADB", "yes"); // .ci/run installs it already; a fresh machine gets it here
    try {
      LocalStackScript.Run demo = LocalStackScript.run(env, "demo");
      assertThat(demo.exit()).as(demo.output()).isZero();
      String out = demo.output();
      assertThat(out).contains("deployed eventbridge-to-bigquery: eventbridge-events-source, events-bigquery-sink,"
              + " events-gcs-sink (running)",
          "deployed s3-logs-to-gcs-and-bigquery: log-archive-source, logs-bigquery-sink, logs-gcs-sink (running)",
          "deployed pubsub-payloads-to-bigquery: pubsub-push-bigquery-sink, step-functions-bigquery-sink (running)",
          "deployed mysql-cdc-to-bigquery: mysql-source, replica-bigquery-sink, unwrapped-bigquery-sink (running)",
          "3  changed them: 5 updates, 2 more in one transaction, 3 deletes, a primary-key change; 17 customers now",
          "Demo complete: every record sent arrived in Kafka, BigQuery and GCS; the CDC tables equal MariaDB's.");
      for (String done : List.of("60/60    1 EventBridge → SQS → Kafka", "60/60    1 Kafka → BigQuery rows",
          "60/60    1 Kafka → GCS lines", "120/120   2 S3 archives → Kafka", "120/120   2 Kafka → BigQuery rows",
          "120/120   2 Kafka → GCS lines", "20/20    4 Pub/Sub push bodies → BigQuery",
          "20/20    4 Step Functions output → BigQuery", "17/17    3 MariaDB rows matched in replica_customers (envelope)",
          "17/17    3 MariaDB rows matched in flat_customers (unwrapped)")) {
        assertThat(out).contains("[########################] " + " ".repeat(Math.max(0, 5 - done.indexOf('/'))) + done);
      }
      assertThat(out).contains("    events.com.example.shop.Order_Placed: 30", "    logs.archive: 120",
          "    events_com_example_shop_Checkout_Started: 30 rows", "    logs: 120 rows", "    pubsub_messages: 20 rows",
          "    step_function_results: 20 rows");
      Matcher runId = Pattern.compile("Cloudbridge demo \\(run ([0-9a-f]{8})\\)").matcher(out);
      assertThat(runId.find()).as(out).isTrue();
      String run = runId.group(1);

      Properties endpoints = new Properties();
      try (var in = Files.newInputStream(home.resolve("standins/endpoints.properties"))) {
        endpoints.load(in);
      }
      BigQuery bq = BigQueryOptions.newBuilder().setHost(endpoints.getProperty("bigquery.rest.endpoint"))
          .setProjectId(endpoints.getProperty("bigquery.project")).setCredentials(NoCredentials.getInstance()).build()
          .getService();
      Storage gcs = StorageOptions.http().setHost(endpoints.getProperty("gcs.endpoint"))
          .setProjectId(endpoints.getProperty("gcs.project")).setCredentials(NoCredentials.getInstance()).build()
          .getService();

      // Pipeline 1: every event once per table, user agents parsed, the business day added.
      List<Map<String, Object>> events = new ArrayList<>(rows(bq, "events_com_example_shop_Order_Placed"));
      events.addAll(rows(bq, "events_com_example_shop_Checkout_Started"));
      assertThat(events).extracting(r -> r.get("id")).doesNotHaveDuplicates().hasSize(60)
          .allSatisfy(id -> assertThat((String) id).startsWith(run + "-event-"));
      for (Map<String, Object> e : events) {
        int i = Integer.parseInt(((String) e.get("id")).substring((run + "-event-").length()));
        @SuppressWarnings("unchecked")
        Map<String, Object> client = (Map<String, Object>) e.get("client");
        assertThat(e.get("detail_type")).isEqualTo(Demo.DETAIL_TYPES[i % 2]);
        assertThat(client.get("is_bot")).as("event %d", i).isEqualTo(i % 3 == 2 ? "true" : "false");
        assertThat(client.get("agent_name")).as("event %d", i).isEqualTo(List.of("Chrome", "Safari", "Googlebot").get(i % 3));
        assertThat((String) e.get("event_date")).matches("\\d{4}-\\d{2}-\\d{2}");
      }
      Set<String> eventLines = lines(gcs, "events/");
      assertThat(eventLines).hasSize(60).allSatisfy(l -> assertThat(l).contains("\"id\":\"" + run + "-event-"));

      // Pipeline 2: exactly once into BigQuery and GCS, every line of every archive.
      Set<String> expected = new HashSet<>();
      for (int a = 0; a < Demo.ARCHIVES; a++) {
        for (int l = 0; l < Demo.LINES_PER_ARCHIVE; l++) {
          expected.add("run " + run + " archive " + a + " line " + l);
        }
      }
      List<Map<String, Object>> logs = rows(bq, "logs");
      assertThat(logs).hasSize(expected.size());
      assertThat(logs).extracting(r -> (String) r.get("message")).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(logs).allSatisfy(r -> assertThat(r.get("_kafka_key")).isEqualTo(r.get("service")));
      Set<String> logLines = lines(gcs, "logs/");
      assertThat(logLines).hasSize(expected.size());
      assertThat(logLines).allSatisfy(l -> assertThat(expected.stream().anyMatch(l::contains)).as(l).isTrue());

      // Pipeline 4: the base64 payloads decoded into columns.
      assertThat(rows(bq, "pubsub_messages")).extracting(r -> r.get("sku") + "/" + r.get("quantity") + "/" + r.get("run"))
          .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, Demo.PUBSUB_MESSAGES)
              // JSON numbers are learned as FLOAT64 (one type for 5 and 5.5; README, "Schemas of JSON without a schema")
              .mapToObj(i -> "sku-" + i + "/" + (double) (i + 1) + "/" + run).toList());
      assertThat(rows(bq, "step_function_results")).extracting(r -> r.get("executionName") + "/" + r.get("status"))
          .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, Demo.STEP_FUNCTION_RESULTS)
              .mapToObj(i -> run + "-exec-" + i + "/" + (i % 5 == 0 ? "FAILED" : "SUCCEEDED")).toList());

      // Pipeline 3: both CDC tables equal the MariaDB table, key by key and value by value.
      int mariaDb = Integer.parseInt(endpoints.getProperty("mariadb.port"));
      Map<Long, String> source = new java.util.TreeMap<>();
      for (String line : io.cloudbridge.testkit.mariadb.MariaDbServer.execute(mariaDb,
          "SELECT id, name, IFNULL(email, 'NULL'), balance FROM shop.customers")) {
        String[] f = line.split("\t");
        source.put(Long.parseLong(f[0]), f[1] + "|" + f[2] + "|" + new java.math.BigDecimal(f[3]).stripTrailingZeros());
      }
      assertThat(source).hasSize(17).containsKey(1021L).doesNotContainKeys(6L, 7L, 8L, 9L)
          .containsEntry(1L, "customer 1 (vip)|vip1@example.com|11.5");
      for (String table : List.of("replica_customers", "flat_customers")) {
        Map<Long, String> replica = new java.util.TreeMap<>();
        for (Map<String, Object> r : rows(bq, table)) {
          String previous = replica.put(Long.parseLong((String) r.get("id")), r.get("name") + "|"
              + (r.get("email") == null ? "NULL" : r.get("email")) + "|"
              + new java.math.BigDecimal((String) r.get("balance")).stripTrailingZeros());
          assertThat(previous).as("one row per key in %s", table).isNull();
        }
        assertThat(replica).as(table).isEqualTo(source);
      }
    } finally {
      LocalStackScript.run(env, "down");
    }
  }

  /** Every row of a table through tabledata.list, records as nested maps, scalars as BigQuery's text. */
  private static List<Map<String, Object>> rows(BigQuery bq, String table) {
    Schema schema = bq.getTable(TableId.of(DemoClients.DATASET, table)).<StandardTableDefinition>getDefinition()
        .getSchema();
    List<Map<String, Object>> out = new ArrayList<>();
    for (FieldValueList row : bq.listTableData(TableId.of(DemoClients.DATASET, table), schema).iterateAll()) {
      out.add(asMap(schema.getFields(), row));
    }
    return out;
  }

  private static Map<String, Object> asMap(com.google.cloud.bigquery.FieldList fields, FieldValueList row) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < fields.size(); i++) {
      var v = row.get(i);
      if (v.isNull()) {
        continue;
      }
      m.put(fields.get(i).getName(), v.getAttribute() == com.google.cloud.bigquery.FieldValue.Attribute.RECORD
          ? asMap(fields.get(i).getSubFields(), v.getRecordValue()) : v.getValue());
    }
    return m;
  }

  /** The lines of every object under a prefix of the demo's bucket, each line once (duplicates fail). */
  private static Set<String> lines(Storage gcs, String prefix) {
    Set<String> lines = new HashSet<>();
    for (Blob b : gcs.list(DemoClients.BUCKET_LAKE, Storage.BlobListOption.prefix(prefix)).iterateAll()) {
      for (String line : DemoClients.text(b).split("\n")) {
        assertThat(lines.add(line)).as("line written twice: %s", line).isTrue();
      }
    }
    return lines;
  }
}
