package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import io.cloudbridge.bigquery.rows.RowEncoder;
import io.cloudbridge.bigquery.rows.RowEncoderTest;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A record with every Connect and Debezium type, written by the real Storage Write client into a table created from
 * the encoder's table schema, reads back from the stand-in (which decodes rows as BigQuery does) as the expected
 * BigQuery values.
 */
class TypeRoundTripTest {

  @Test
  void everyTypeRoundTripsToTheExpectedBigQueryValue() throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(RowEncoderTest.ROW);
    try (BigQueryStandIn bigQuery = BigQueryStandIn.start(); BigQueryWriteClient client = bigQuery.writeClient()) {
      bigQuery.bigQuery().create(DatasetInfo.of("types"));
      bigQuery.bigQuery().create(TableInfo.of(TableId.of("types", "orders"),
          StandardTableDefinition.of(Tables.schema(encoder.tableSchema()))));
      try (StreamWriter writer = StreamWriter.newBuilder("projects/" + BigQueryStandIn.PROJECT
          + "/datasets/types/tables/orders/streams/_default", client).setWriterSchema(encoder.protoSchema()).build()) {
        writer.append(ProtoRows.newBuilder().addSerializedRows(encoder.encode(RowEncoderTest.order())).build()).get();
      }
      assertExpected(bigQuery.rows("types", "orders").get(0));
    }
  }

  /**
   * batch_load: the same row staged by {@link StagedFormat} and loaded by a load job ({@link LoadJobs}, the real
   * BigQuery client) reads back as the same values as through Storage Write. Parquet carries no JSON type here, so
   * a table with a JSON column refuses its file, and the job says so.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(StagedFormat.Kind.class)
  void everyTypeStagedInEachFormatLoadsAsTheSameBigQueryValue(StagedFormat.Kind kind) throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(RowEncoderTest.ROW);
    try (io.cloudbridge.testkit.gcs.GcsStandIn gcs = io.cloudbridge.testkit.gcs.GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start().readsFrom(gcs)) {
      gcs.createBucket("staging");
      bigQuery.bigQuery().create(DatasetInfo.of("types"));
      TableId table = TableId.of(BigQueryStandIn.PROJECT, "types", "orders");
      bigQuery.bigQuery().create(TableInfo.of(table, StandardTableDefinition.of(Tables.schema(encoder.tableSchema()))));
      java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
      var writer = new StagedFormat(kind, 1 << 20).writer(file);
      TableRows.Row row = new TableRows.Row(encoder, encoder.encode(RowEncoderTest.order()));
      writer.write(row);
      writer.write(row);
      writer.finish();
      String name = "f" + kind.extension;
      gcs.client().create(com.google.cloud.storage.BlobInfo.newBuilder("staging", name).build(), file.toByteArray());
      LoadJobs jobs = new LoadJobs(bigQuery.bigQuery());
      org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition("orders", 0);
      String id = LoadJobs.jobId("types-test", table, tp, 0, 0);
      jobs.insert(id, table, tp, List.of("gs://staging/" + name), 0, 1, kind, encoder.tableSchema());
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> jobs.get(id, table).done());
      LoadJobs.Outcome outcome = jobs.get(id, table);
      assertThat(outcome.first()).isZero();
      assertThat(outcome.last()).isEqualTo(1);
      if (kind == StagedFormat.Kind.PARQUET) {
        assertThat(outcome.error() + outcome.errors()).contains("Field dbz_json has changed type from JSON to STRING");
        assertThat(bigQuery.rows("types", "orders")).isEmpty();
        return;
      }
      assertThat(outcome.error()).as(String.valueOf(outcome.errors())).isNull();
      assertThat(bigQuery.rows("types", "orders")).hasSize(2);
      assertExpected(bigQuery.rows("types", "orders").get(0));
    }
  }

  private static void assertExpected(Map<String, Object> row) {
    Map<String, Object> expected = new HashMap<>();
    expected.put("id", 9_000_000_001L);
    expected.put("qty", 3L);
    expected.put("ratio", 0.25d);
    expected.put("paid", true);
    expected.put("user_agent", "curl/8");
    expected.put("day", LocalDate.ofEpochDay(20_000));
    expected.put("at", Instant.ofEpochMilli(1_795_342_530_123L));
    expected.put("alarm", LocalTime.of(7, 30, 15, 250_000_000));
    expected.put("dbz_day", LocalDate.ofEpochDay(19_000));
    expected.put("dbz_micro_ts", LocalDateTime.of(2025, 11, 22, 10, 15, 30, 123_456_000));
    expected.put("dbz_micro_time", LocalTime.of(12, 34, 56, 1_000));
    expected.put("dbz_zoned", Instant.parse("2026-11-22T09:15:30.5Z"));
    expected.put("dbz_json", "{\"a\":[1,2]}");
    expected.put("tags", List.of("a", "b"));
    expected.forEach((column, value) -> assertThat(row.get(column)).as(column).isEqualTo(value));
    assertThat((byte[]) row.get("blob")).containsExactly(1, 2, 3);
    assertThat((BigDecimal) row.get("price")).isEqualByComparingTo("1234.56");
    assertThat((BigDecimal) row.get("huge")).isEqualByComparingTo("12345678901234567890.12345678901234567890");
    assertThat((BigDecimal) row.get("dbz_decimal")).isEqualByComparingTo("-123.456");
    assertThat(row.get("address")).isEqualTo(new HashMap<>(Map.of("city", "Lyon")));
    assertThat(row.get("attrs")).isEqualTo(List.of(Map.of("key", "size", "value", 42L),
        Map.of("key", "weight", "value", 7L)));
  }
}
