package io.cloudbridge.bigquery.rows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.storage.v1.BQTableSchemaToProtoDescriptor;
import com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder;
import com.google.cloud.bigquery.storage.v1.CivilTimeEncoder;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/**
 * Rows read back with protobuf's own parser against the descriptor the encoder declares, values decoded with the
 * client library's BigQuery codecs, and the declared wire types compared with what the client library itself
 * derives from the same table schema.
 */
public class RowEncoderTest {

  private static final Schema ADDRESS = SchemaBuilder.struct().name("shop.Address").optional()
      .field("city", Schema.STRING_SCHEMA)
      .field("zip", Schema.OPTIONAL_STRING_SCHEMA)
      .build();
  private static final Schema DEBEZIUM_DECIMAL = SchemaBuilder.struct().name("io.debezium.data.VariableScaleDecimal")
      .optional().field("scale", Schema.INT32_SCHEMA).field("value", Schema.BYTES_SCHEMA).build();
  /** A record with every Connect and Debezium type (also written through the stand-in by TypeRoundTripTest). */
  public static final Schema ROW = SchemaBuilder.struct().name("shop.Order")
      .field("id", Schema.INT64_SCHEMA)
      .field("qty", Schema.INT16_SCHEMA)
      .field("ratio", Schema.OPTIONAL_FLOAT32_SCHEMA)
      .field("paid", Schema.BOOLEAN_SCHEMA)
      .field("user-agent", Schema.OPTIONAL_STRING_SCHEMA)
      .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
      .field("price", Decimal.builder(2).optional().build())
      .field("huge", Decimal.builder(20).parameter("connect.decimal.precision", "40").optional().build())
      .field("day", org.apache.kafka.connect.data.Date.builder().optional().build())
      .field("at", Timestamp.builder().optional().build())
      .field("alarm", Time.builder().optional().build())
      .field("dbz_day", SchemaBuilder.int32().name("io.debezium.time.Date").optional().build())
      .field("dbz_micro_ts", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").optional().build())
      .field("dbz_micro_time", SchemaBuilder.int64().name("io.debezium.time.MicroTime").optional().build())
      .field("dbz_zoned", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").optional().build())
      .field("dbz_json", SchemaBuilder.string().name("io.debezium.data.Json").optional().build())
      .field("dbz_decimal", DEBEZIUM_DECIMAL)
      .field("address", ADDRESS)
      .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
      .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).optional().build())
      .build();

  public static Struct order() {
    Map<String, Integer> attrs = new LinkedHashMap<>();
    attrs.put("size", 42);
    attrs.put("weight", 7);
    return new Struct(ROW).put("id", 9_000_000_001L).put("qty", (short) 3).put("ratio", 0.25f).put("paid", true)
        .put("user-agent", "curl/8").put("blob", new byte[] {1, 2, 3})
        .put("price", new BigDecimal("1234.56"))
        .put("huge", new BigDecimal("12345678901234567890.12345678901234567890"))
        .put("day", new Date(20_000L * 86_400_000L))
        .put("at", new Date(1_795_342_530_123L))
        .put("alarm", new Date(((7 * 60 + 30) * 60 + 15) * 1000L + 250))
        .put("dbz_day", 19_000)
        .put("dbz_micro_ts", 1_763_806_530_123_456L)
        .put("dbz_micro_time", 45_296_000_001L)
        .put("dbz_zoned", "2026-11-22T10:15:30.5+01:00")
        .put("dbz_json", "{\"a\":[1,2]}")
        .put("dbz_decimal", new Struct(DEBEZIUM_DECIMAL).put("scale", 3)
            .put("value", new BigInteger("-123456").toByteArray()))
        .put("address", new Struct(ADDRESS).put("city", "Lyon"))
        .put("tags", List.of("a", "b"))
        .put("attrs", attrs);
  }

  private static Object field(DynamicMessage m, String name) {
    FieldDescriptor f = m.getDescriptorForType().findFieldByName(name);
    assertThat(f).as(name).isNotNull();
    return f.isRepeated() || m.hasField(f) ? m.getField(f) : null;
  }

  @Test
  void everyTypeReachesTheWireAsBigQueryReadsIt() throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(ROW);
    ByteString bytes = encoder.encode(order());
    DynamicMessage m = DynamicMessage.parseFrom(encoder.descriptor(), bytes);

    assertThat(field(m, "id")).isEqualTo(9_000_000_001L);
    assertThat(field(m, "qty")).isEqualTo(3L);
    assertThat(field(m, "ratio")).isEqualTo(0.25d);
    assertThat(field(m, "paid")).isEqualTo(true);
    assertThat(field(m, "user_agent")).isEqualTo("curl/8");
    assertThat(((ByteString) field(m, "blob")).toByteArray()).containsExactly(1, 2, 3);
    assertThat(BigDecimalByteStringEncoder.decodeNumericByteString((ByteString) field(m, "price")))
        .isEqualByComparingTo("1234.56");
    assertThat(BigDecimalByteStringEncoder.decodeBigNumericByteString((ByteString) field(m, "huge")))
        .isEqualByComparingTo("12345678901234567890.12345678901234567890");
    assertThat(field(m, "day")).isEqualTo(20_000);
    assertThat(field(m, "at")).isEqualTo(1_795_342_530_123_000L);
    assertThat(CivilTimeEncoder.decodePacked64TimeMicrosLocalTime((Long) field(m, "alarm")))
        .isEqualTo(LocalTime.of(7, 30, 15, 250_000_000));
    assertThat(field(m, "dbz_day")).isEqualTo(19_000);
    assertThat(CivilTimeEncoder.decodePacked64DatetimeMicrosLocalDateTime((Long) field(m, "dbz_micro_ts")))
        .isEqualTo(LocalDateTime.of(2025, 11, 22, 10, 15, 30, 123_456_000));
    assertThat(CivilTimeEncoder.decodePacked64TimeMicrosLocalTime((Long) field(m, "dbz_micro_time")))
        .isEqualTo(LocalTime.of(12, 34, 56, 1_000));
    assertThat(field(m, "dbz_zoned")).isEqualTo(1_795_338_930_500_000L); // 09:15:30.5 UTC
    assertThat(field(m, "dbz_json")).isEqualTo("{\"a\":[1,2]}");
    assertThat(BigDecimalByteStringEncoder.decodeBigNumericByteString((ByteString) field(m, "dbz_decimal")))
        .isEqualByComparingTo("-123.456");
    DynamicMessage address = (DynamicMessage) field(m, "address");
    assertThat(field(address, "city")).isEqualTo("Lyon");
    assertThat(field(address, "zip")).isNull();
    assertThat(field(m, "tags")).isEqualTo(List.of("a", "b"));
    @SuppressWarnings("unchecked")
    List<DynamicMessage> attrs = (List<DynamicMessage>) field(m, "attrs");
    assertThat(attrs).hasSize(2);
    assertThat(field(attrs.get(0), "key")).isEqualTo("size");
    assertThat(field(attrs.get(0), "value")).isEqualTo(42L);
    assertThat(field(attrs.get(1), "key")).isEqualTo("weight");
  }

  @Test
  void theTableSchemaAndTheDescriptorAgreeWithTheClientLibrarysOwnMapping() throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(ROW);
    Map<String, TableFieldSchema> columns = new LinkedHashMap<>();
    encoder.tableSchema().getFieldsList().forEach(f -> columns.put(f.getName(), f));
    assertThat(columns.keySet()).contains("user_agent", "dbz_decimal", "attrs");
    assertThat(columns.get("id").getMode()).isEqualTo(TableFieldSchema.Mode.REQUIRED);
    assertThat(columns.get("ratio").getMode()).isEqualTo(TableFieldSchema.Mode.NULLABLE);
    assertThat(columns.get("tags").getMode()).isEqualTo(TableFieldSchema.Mode.REPEATED);
    assertThat(columns.get("price").getType()).isEqualTo(TableFieldSchema.Type.NUMERIC);
    assertThat(columns.get("huge").getType()).isEqualTo(TableFieldSchema.Type.BIGNUMERIC);
    assertThat(columns.get("huge").getPrecision()).isEqualTo(40);
    assertThat(columns.get("at").getType()).isEqualTo(TableFieldSchema.Type.TIMESTAMP);
    assertThat(columns.get("dbz_micro_ts").getType()).isEqualTo(TableFieldSchema.Type.DATETIME);
    assertThat(columns.get("dbz_json").getType()).isEqualTo(TableFieldSchema.Type.JSON);
    assertThat(columns.get("address").getType()).isEqualTo(TableFieldSchema.Type.STRUCT);
    assertThat(columns.get("address").getFieldsList()).extracting(TableFieldSchema::getName)
        .containsExactly("city", "zip");
    assertThat(columns.get("attrs").getFieldsList()).extracting(TableFieldSchema::getName)
        .containsExactly("key", "value");

    // The client library's descriptor for this table schema (what JsonStreamWriter would send) uses the same wire
    // types, field for field, nested ones included.
    Descriptors.Descriptor official = BQTableSchemaToProtoDescriptor.convertBQTableSchemaToProtoDescriptor(
        encoder.tableSchema());
    assertSameWireTypes(encoder.descriptor(), official);
    // The writer schema is self-contained: a descriptor can be built from it alone.
    assertThat(encoder.protoSchema().getProtoDescriptor().getNestedTypeCount()).isEqualTo(2);
  }

  private static void assertSameWireTypes(Descriptors.Descriptor ours, Descriptors.Descriptor official) {
    for (FieldDescriptor f : ours.getFields()) {
      FieldDescriptor o = official.findFieldByName(f.getName().toLowerCase());
      assertThat(o).as(f.getFullName()).isNotNull();
      assertThat(f.getType()).as(f.getFullName()).isEqualTo(o.getType());
      assertThat(f.isRepeated()).as(f.getFullName()).isEqualTo(o.isRepeated());
      assertThat(f.isRequired()).as(f.getFullName()).isEqualTo(o.isRequired());
      if (f.getType() == FieldDescriptor.Type.MESSAGE) {
        assertSameWireTypes(f.getMessageType(), o.getMessageType());
      }
    }
  }

  @Test
  void aValueTheColumnCannotTakeNamesTheColumnAndTheNextRowIsClean() throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(ROW);
    Struct tooBig = order().put("price", new BigDecimal("123456789012345678901234567890123.45"));
    assertThatThrownBy(() -> encoder.encode(tooBig)).isInstanceOf(DataException.class)
        .hasMessageContaining("column price");
    Schema labels = SchemaBuilder.struct().field("labels", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
        .build();
    Struct nullLabel = new Struct(labels).put("labels", java.util.Arrays.asList("a", null));
    assertThatThrownBy(() -> RowEncoder.forSchema(labels).encode(nullLabel)).isInstanceOf(DataException.class)
        .hasMessageContaining("column labels").hasMessageContaining("null");
    Struct noCity = new Struct(ADDRESS).put("zip", "69001"); // a struct never validated, its required city unset
    assertThatThrownBy(() -> RowEncoder.forSchema(ADDRESS).encode(noCity)).isInstanceOf(DataException.class)
        .hasMessageContaining("column city").hasMessageContaining("REQUIRED");
    // A failed row leaves nothing behind in the encoder's buffers.
    assertThat(encoder.encode(order())).isEqualTo(RowEncoder.forSchema(ROW).encode(order()));
  }

  @Test
  void schemasBigQueryCannotHoldAreRefusedWhenTheEncoderIsBuilt() {
    Schema nested = SchemaBuilder.struct().field("m", SchemaBuilder.array(SchemaBuilder.array(Schema.INT32_SCHEMA)
        .build()).build()).build();
    assertThatThrownBy(() -> RowEncoder.forSchema(nested)).hasMessageContaining("array of arrays");
    Schema clash = SchemaBuilder.struct().field("a-b", Schema.INT32_SCHEMA).field("A_B", Schema.INT32_SCHEMA).build();
    assertThatThrownBy(() -> RowEncoder.forSchema(clash)).hasMessageContaining("both become column");
    assertThatThrownBy(() -> RowEncoder.forSchema(Schema.STRING_SCHEMA)).hasMessageContaining("struct values");
  }

  @Test
  void columnNamesFollowBigQueryRules() {
    assertThat(ColumnNames.column("user-agent")).isEqualTo("user_agent");
    assertThat(ColumnNames.column("2fa")).isEqualTo("_2fa");
    assertThat(ColumnNames.column("_PARTITIONTIME")).isEqualTo("f_PARTITIONTIME");
    assertThat(ColumnNames.column("été")).isEqualTo("_t_");
    assertThat(ColumnNames.column("x".repeat(400))).hasSize(300);
  }

  @Test
  void decimalColumnsFollowTheConfiguredType() {
    org.apache.kafka.connect.data.Schema money = org.apache.kafka.connect.data.SchemaBuilder.struct()
        .field("price", org.apache.kafka.connect.data.Decimal.schema(2))
        .field("rate", org.apache.kafka.connect.data.Decimal.schema(12)).build();
    assertThat(RowEncoder.forSchema(money).tableSchema().getFieldsList())
        .extracting(f -> f.getType().name()).containsExactly("NUMERIC", "BIGNUMERIC");
    assertThat(RowEncoder.forSchema(money, List.of(), RowEncoder.DecimalType.BIGNUMERIC).tableSchema()
        .getFieldsList()).extracting(f -> f.getType().name()).containsExactly("BIGNUMERIC", "BIGNUMERIC");
    assertThatThrownBy(() -> RowEncoder.forSchema(money, List.of(), RowEncoder.DecimalType.NUMERIC))
        .isInstanceOf(DataException.class).hasMessageContaining("rate").hasMessageContaining("scale 12");
  }

  /** An EventBridge-style event as the SQS source learns it: every number FLOAT64, text that may hold a number. */
  private static final Schema LINE = SchemaBuilder.struct().optional()
      .field("qty", Schema.OPTIONAL_FLOAT64_SCHEMA)
      .field("sku", Schema.OPTIONAL_STRING_SCHEMA)
      .field("unitPrice", Schema.OPTIONAL_FLOAT64_SCHEMA)
      .build();
  private static final Schema DETAIL = SchemaBuilder.struct().optional()
      .field("lines", SchemaBuilder.array(LINE).optional().build())
      .field("meta", SchemaBuilder.struct().optional().build())
      .field("orderId", Schema.OPTIONAL_STRING_SCHEMA)
      .build();
  private static final Schema EVENT = SchemaBuilder.struct()
      .field("count", Schema.OPTIONAL_INT64_SCHEMA)
      .field("detail", DETAIL)
      .field("total", Schema.OPTIONAL_STRING_SCHEMA)
      .field("weight", Schema.OPTIONAL_FLOAT64_SCHEMA)
      .build();

  private static Struct event(double qty, String total) {
    Struct line = new Struct(LINE).put("qty", qty).put("sku", "A-1").put("unitPrice", 5000.5);
    return new Struct(EVENT).put("count", 9_007_199_254_740_993L).put("total", total).put("weight", 2.0)
        .put("detail", new Struct(DETAIL).put("orderId", "o-1").put("lines", List.of(line))
            .put("meta", new Struct(DETAIL.field("meta").schema())));
  }

  @Test
  void valuesGoIntoExistingColumnsOfWiderNumericTypesInTheColumnsOwnEncoding() throws Exception {
    Map<String, TableFieldSchema.Type> table = Map.of(
        "count", TableFieldSchema.Type.NUMERIC, "total", TableFieldSchema.Type.BIGNUMERIC,
        "weight", TableFieldSchema.Type.INT64, "detail", TableFieldSchema.Type.STRUCT,
        "detail.lines", TableFieldSchema.Type.STRUCT, "detail.lines.qty", TableFieldSchema.Type.INT64,
        "detail.lines.unitprice", TableFieldSchema.Type.NUMERIC);
    RowEncoder encoder = RowEncoder.forSchema(EVENT, List.of(), RowEncoder.DecimalType.AUTO, java.util.Set.of(),
        table);
    Map<String, TableFieldSchema> columns = new LinkedHashMap<>();
    encoder.tableSchema().getFieldsList().forEach(f -> columns.put(f.getName(), f));
    assertThat(columns.get("count").getType()).isEqualTo(TableFieldSchema.Type.NUMERIC);
    assertThat(columns.get("total").getType()).isEqualTo(TableFieldSchema.Type.BIGNUMERIC);
    assertThat(columns.get("weight").getType()).isEqualTo(TableFieldSchema.Type.INT64);
    // an empty struct (JSON's {} before any field showed) is no column: BigQuery has no RECORD without columns
    assertThat(columns.get("detail").getFieldsList()).extracting(TableFieldSchema::getName)
        .containsExactly("lines", "orderId");
    assertThat(columns.get("detail").getFields(0).getFields(0).getType()).isEqualTo(TableFieldSchema.Type.INT64);
    assertSameWireTypes(encoder.descriptor(),
        BQTableSchemaToProtoDescriptor.convertBQTableSchemaToProtoDescriptor(encoder.tableSchema()));

    DynamicMessage m = DynamicMessage.parseFrom(encoder.descriptor(), encoder.encode(event(2.0, " 12345678901234567890.5 ")));
    assertThat(BigDecimalByteStringEncoder.decodeNumericByteString((ByteString) field(m, "count")))
        .isEqualByComparingTo("9007199254740993");
    assertThat(BigDecimalByteStringEncoder.decodeBigNumericByteString((ByteString) field(m, "total")))
        .isEqualByComparingTo("12345678901234567890.5");
    assertThat(field(m, "weight")).isEqualTo(2L);
    @SuppressWarnings("unchecked")
    DynamicMessage line = ((List<DynamicMessage>) field((DynamicMessage) field(m, "detail"), "lines")).get(0);
    assertThat(field(line, "qty")).isEqualTo(2L);
    assertThat(BigDecimalByteStringEncoder.decodeNumericByteString((ByteString) field(line, "unitPrice")))
        .isEqualByComparingTo("5000.5");

    // what does not fit fails naming the column: a fraction into INT64, text that is no number, an integer
    // FLOAT64 cannot hold
    assertThatThrownBy(() -> encoder.encode(event(2.5, "1"))).isInstanceOf(DataException.class)
        .hasMessageContaining("column detail.lines.qty").hasMessageContaining("2.5");
    assertThatThrownBy(() -> encoder.encode(event(2.0, "12 EUR"))).isInstanceOf(DataException.class)
        .hasMessageContaining("column total").hasMessageContaining("12 EUR");
    RowEncoder toDouble = RowEncoder.forSchema(EVENT, List.of(), RowEncoder.DecimalType.AUTO, java.util.Set.of(),
        Map.of("count", TableFieldSchema.Type.DOUBLE, "total", TableFieldSchema.Type.DOUBLE));
    assertThatThrownBy(() -> toDouble.encode(event(2.0, "1"))).isInstanceOf(DataException.class)
        .hasMessageContaining("column count").hasMessageContaining("9007199254740993");
    DynamicMessage d = DynamicMessage.parseFrom(toDouble.descriptor(),
        toDouble.encode(event(2.0, "1e3").put("count", 5000L)));
    assertThat(field(d, "count")).isEqualTo(5000d);
    assertThat(field(d, "total")).isEqualTo(1000d);
    // a type no value converts to (a number into a BOOL column) is left as the records make it: the table refuses
    assertThat(RowEncoder.forSchema(EVENT, List.of(), RowEncoder.DecimalType.AUTO, java.util.Set.of(),
        Map.of("weight", TableFieldSchema.Type.BOOL)).tableSchema().getFields(3).getType())
        .isEqualTo(TableFieldSchema.Type.DOUBLE);
  }

  @Test
  void jsonFieldsAreOneJsonColumnHoldingTheWholeValue() throws Exception {
    RowEncoder encoder = RowEncoder.forSchema(EVENT, List.of(), RowEncoder.DecimalType.AUTO,
        java.util.Set.of("detail", "total"), Map.of());
    Map<String, TableFieldSchema> columns = new LinkedHashMap<>();
    encoder.tableSchema().getFieldsList().forEach(f -> columns.put(f.getName(), f));
    assertThat(columns.get("detail").getType()).isEqualTo(TableFieldSchema.Type.JSON);
    assertThat(columns.get("detail").getMode()).isEqualTo(TableFieldSchema.Mode.NULLABLE);
    assertThat(columns.get("total").getType()).isEqualTo(TableFieldSchema.Type.JSON);
    assertSameWireTypes(encoder.descriptor(),
        BQTableSchemaToProtoDescriptor.convertBQTableSchemaToProtoDescriptor(encoder.tableSchema()));
    DynamicMessage m = DynamicMessage.parseFrom(encoder.descriptor(), encoder.encode(event(2.0, "caf\u00e9")));
    assertThat(field(m, "detail")).isEqualTo(
        "{\"lines\":[{\"qty\":2.0,\"sku\":\"A-1\",\"unitPrice\":5000.5}],\"meta\":{},\"orderId\":\"o-1\"}");
    assertThat(field(m, "total")).isEqualTo("\"caf\u00e9\"");
    // an existing JSON column takes the value the same way, without the setting
    RowEncoder existing = RowEncoder.forSchema(EVENT, List.of(), RowEncoder.DecimalType.AUTO, java.util.Set.of(),
        Map.of("detail", TableFieldSchema.Type.JSON));
    assertThat(DynamicMessage.parseFrom(existing.descriptor(), existing.encode(event(2.0, "1")))
        .getField(existing.descriptor().findFieldByName("detail"))).isEqualTo(field(m, "detail"));
  }
}
