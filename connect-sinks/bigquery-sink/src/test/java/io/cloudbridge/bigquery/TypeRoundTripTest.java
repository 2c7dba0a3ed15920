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
      Map<String, Object> row = bigQuery.rows("types", "orders").get(0);

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
}
