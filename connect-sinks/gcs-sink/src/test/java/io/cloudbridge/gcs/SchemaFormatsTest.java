package io.cloudbridge.gcs;

import static io.cloudbridge.gcs.OutputFormatTest.format;
import static io.cloudbridge.gcs.OutputFormatTest.record;
import static io.cloudbridge.gcs.OutputFormatTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.staging.format.RecordWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Avro, Parquet and CSV objects, read back with the real Avro, Parquet and CSV readers. */
class SchemaFormatsTest {

  @TempDir
  Path dir;

  private static List<GenericRecord> readAvro(byte[] bytes, String codec) throws Exception {
    try (DataFileStream<GenericRecord> in =
        new DataFileStream<>(new ByteArrayInputStream(bytes), new GenericDatumReader<>())) {
      assertThat(in.getMetaString("avro.codec")).isEqualTo(codec);
      List<GenericRecord> out = new ArrayList<>();
      in.forEach(out::add);
      return out;
    }
  }

  private List<GenericRecord> readParquet(byte[] bytes, CompressionCodecName codec) throws Exception {
    Path file = Files.write(dir.resolve("o" + System.nanoTime() + ".parquet"), bytes);
    try (ParquetFileReader footer = ParquetFileReader.open(new LocalInputFile(file))) {
      assertThat(footer.getFooter().getBlocks().get(0).getColumns().get(0).getCodec()).isEqualTo(codec);
    }
    List<GenericRecord> out = new ArrayList<>();
    try (ParquetReader<GenericRecord> in =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file), new PlainParquetConfiguration()).build()) {
      for (GenericRecord r = in.read(); r != null; r = in.read()) {
        out.add(r);
      }
    }
    return out;
  }

  /** The fields of OutputFormatTest's record, as Avro (and Parquet through Avro) hold them. */
  private static void assertOrderFields(GenericRecord r, long id) {
    assertThat(r.get("id")).isEqualTo(id);
    ByteBuffer price = (ByteBuffer) r.get("price");
    byte[] unscaled = new byte[price.remaining()];
    price.duplicate().get(unscaled);
    assertThat(new BigDecimal(new BigInteger(unscaled), 2)).isEqualByComparingTo("1234567890123.45");
    assertThat(r.getSchema().getField("price").schema().getLogicalType())
        .isEqualTo(LogicalTypes.decimal(38, 2));
    assertThat(r.get("at")).isEqualTo(1_795_342_530_123L); // 2026-11-22T10:15:30.123Z
    assertThat(r.getSchema().getField("at").schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMillis());
    assertThat(r.get("birthday")).isEqualTo(20_000);
    assertThat(r.getSchema().getField("birthday").schema().getLogicalType()).isEqualTo(LogicalTypes.date());
    assertThat(r.get("updated")).isEqualTo(1_763_806_530_123_456L);
    assertThat(r.getSchema().getField("updated").schema().getLogicalType()).isEqualTo(LogicalTypes.timestampMicros());
    assertThat(((ByteBuffer) r.get("blob")).array()).containsExactly(1, 2, 3);
    assertThat(r.get("tags").toString()).isEqualTo("[a, b]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "deflate", "snappy", "zstd"})
  void avroRoundTripsWithEachCodec(String codec) throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "avro", "file.compression.type", codec));
    assertThat(f.extension()).isEqualTo(".avro");
    assertThat(f.contentEncoding()).isNull();
    List<GenericRecord> rows = readAvro(write(f, record(7), record(8)), codec.equals("none") ? "null"
        : codec.equals("zstd") ? "zstandard" : codec);
    assertThat(rows).hasSize(2);
    assertOrderFields(rows.get(0), 7);
    assertOrderFields(rows.get(1), 8);
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "snappy", "zstd", "gzip"})
  void parquetRoundTripsWithEachCodec(String codec) throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "parquet", "file.compression.type", codec));
    assertThat(f.extension()).isEqualTo(".parquet");
    SinkRecord[] records = new SinkRecord[500];
    for (int i = 0; i < records.length; i++) {
      records[i] = record(i);
    }
    byte[] bytes = write(f, records);
    assertThat(new String(bytes, 0, 4)).isEqualTo("PAR1");
    List<GenericRecord> rows = readParquet(bytes, codec.equals("none") ? CompressionCodecName.UNCOMPRESSED
        : CompressionCodecName.fromConf(codec));
    assertThat(rows).hasSize(500);
    for (int i = 0; i < rows.size(); i++) {
      assertOrderFields(rows.get(i), i);
    }
  }

  @Test
  void parquetColumnsCarryTheTypesBigQueryLoads() throws Exception {
    byte[] bytes = write(format(Map.of("format.output.type", "parquet")), record(1));
    Path file = Files.write(dir.resolve("types.parquet"), bytes);
    try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      assertThat(schema.getType("price").getLogicalTypeAnnotation())
          .isEqualTo(LogicalTypeAnnotation.decimalType(2, 38));
      assertThat(schema.getType("at").getLogicalTypeAnnotation())
          .isEqualTo(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS));
      assertThat(schema.getType("birthday").getLogicalTypeAnnotation()).isEqualTo(LogicalTypeAnnotation.dateType());
      // a three-level list (not the old two-level form BigQuery reads only with list inference off)
      assertThat(schema.getType("tags").asGroupType().getType(0).getName()).isEqualTo("list");
      assertThat(schema.getType("blob").isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL)).isTrue();
      assertThat(schema.getType("id").isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED)).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "zstd", "snappy"})
  void csvRoundTripsThroughEachCompression(String compression) throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "csv", "file.compression.type", compression));
    assertThat(f.extension()).startsWith(".csv");
    byte[] stored = write(f, record(7), record(8));
    List<List<String>> rows = new ArrayList<>();
    try (MappingIterator<List<String>> it = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY)
        .readerForListOf(String.class)
        .readValues(OutputFormatTest.decompress(io.cloudbridge.staging.format.Compression.valueOf(compression.toUpperCase()), stored))) {
      it.forEachRemaining(rows::add);
    }
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).containsExactly("id", "price", "at", "birthday", "updated", "blob", "tags");
    assertThat(rows.get(1)).containsExactly("7", "1234567890123.45", "2026-11-22T10:15:30.123000Z", "2024-10-04",
        "2025-11-22T10:15:30.123456", "AQID", "[\"a\",\"b\"]");
    assertThat(rows.get(2).get(0)).isEqualTo("8");
  }

  @Test
  void csvOfSchemalessMapsQuotesWhatNeedsIt() throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "csv"));
    SinkRecord a = new SinkRecord("t", 0, null, null, null, map("path", "/a,b", "ua", "say \"hi\"\nbye"), 0);
    SinkRecord b = new SinkRecord("t", 0, null, null, null, map("path", "/c", "ua", null), 1);
    SinkRecord otherColumns = new SinkRecord("t", 0, null, null, null, map("path", "/d", "status", 200), 2);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RecordWriter<SinkRecord> w = f.writer(out);
    w.write(a);
    assertThat(w.accepts(b)).isTrue();
    w.write(b);
    assertThat(w.accepts(otherColumns)).isFalse();
    w.finish();
    List<List<String>> rows = new ArrayList<>();
    try (MappingIterator<List<String>> it = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY)
        .readerForListOf(String.class).readValues(out.toByteArray())) {
      it.forEachRemaining(rows::add);
    }
    assertThat(rows).containsExactly(List.of("path", "ua"), List.of("/a,b", "say \"hi\"\nbye"), List.of("/c", ""));
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void aSchemaChangeNeedsANewObjectForAvroAndParquetButNotForJson() throws Exception {
    Schema v2 = SchemaBuilder.struct().name("order").field("id", Schema.INT64_SCHEMA)
        .field("note", Schema.OPTIONAL_STRING_SCHEMA).build();
    SinkRecord changed = new SinkRecord("orders", 1, null, null, v2, new Struct(v2).put("id", 9L), 9);
    for (String type : List.of("avro", "parquet")) {
      RecordWriter<SinkRecord> w = format(Map.of("format.output.type", type)).writer(new ByteArrayOutputStream());
      assertThat(w.accepts(changed)).as(type + " before its first record").isTrue();
      w.write(record(1));
      assertThat(w.accepts(record(2))).as(type).isTrue();
      assertThat(w.accepts(changed)).as(type).isFalse();
    }
    RecordWriter<SinkRecord> json = format(Map.of()).writer(new ByteArrayOutputStream());
    json.write(record(1));
    assertThat(json.accepts(changed)).isTrue();
  }

  @Test
  void structsWithoutFieldsAreLeftOutOfAvroAndParquetAndAValueOfNoneIsABadRecord() throws Exception {
    // a GuardDuty finding's additionalInfo {} and an ECS task's details [] of {} before any field was seen
    org.apache.kafka.connect.data.Schema nothing = org.apache.kafka.connect.data.SchemaBuilder.struct().optional()
        .build();
    org.apache.kafka.connect.data.Schema value = org.apache.kafka.connect.data.SchemaBuilder.struct()
        .field("additionalInfo", nothing)
        .field("details", org.apache.kafka.connect.data.SchemaBuilder.array(nothing).optional().build())
        .field("title", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
        .field("wrapper", org.apache.kafka.connect.data.SchemaBuilder.struct().optional()
            .field("inner", nothing).field("n", org.apache.kafka.connect.data.Schema.OPTIONAL_FLOAT64_SCHEMA).build())
        .build();
    Struct v = new Struct(value).put("additionalInfo", new Struct(nothing)).put("details", List.of(new Struct(nothing)))
        .put("title", "SSH brute force").put("wrapper", new Struct(value.field("wrapper").schema())
            .put("inner", new Struct(nothing)).put("n", 5000.5));
    for (String type : List.of("avro", "parquet")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      RecordWriter<SinkRecord> w = format(Map.of("format.output.type", type)).writer(out);
      w.write(new SinkRecord("findings", 0, null, null, value, v, 7));
      w.finish();
      List<GenericRecord> rows = type.equals("avro") ? readAvro(out.toByteArray(), "null")
          : readParquet(out.toByteArray(), CompressionCodecName.UNCOMPRESSED);
      assertThat(rows).hasSize(1);
      GenericRecord r = rows.get(0);
      assertThat(r.getSchema().getFields()).extracting(org.apache.avro.Schema.Field::name)
          .containsExactly("title", "wrapper");
      assertThat(r.get("title").toString()).isEqualTo("SSH brute force");
      assertThat(((GenericRecord) r.get("wrapper")).get("n")).isEqualTo(5000.5);
      assertThat(((GenericRecord) r.get("wrapper")).getSchema().getFields()).hasSize(1);
    }
    RecordWriter<SinkRecord> w = format(Map.of("format.output.type", "parquet")).writer(new ByteArrayOutputStream());
    assertThatThrownBy(() -> w.write(new SinkRecord("findings", 0, null, null, nothing, new Struct(nothing), 8)))
        .isInstanceOf(DataException.class).hasMessageContaining("findings/0@8").hasMessageContaining("no");
  }

  @Test
  void aSchemalessValueIsABadRecordForAvroAndTheObjectStaysReadable() throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "avro"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RecordWriter<SinkRecord> w = f.writer(out);
    SinkRecord schemaless = new SinkRecord("orders", 3, null, null, null, Map.of("id", 1), 41);
    assertThatThrownBy(() -> w.write(schemaless)).isInstanceOf(DataException.class)
        .hasMessageContaining("orders/3@41").hasMessageContaining("without a schema");
    w.write(record(42));
    Struct broken = new Struct(record(43).valueSchema()).put("id", 43L);
    SinkRecord missing = new SinkRecord("orders", 1, null, null, broken.schema(), broken, 43);
    assertThatThrownBy(() -> w.write(missing)).isInstanceOf(DataException.class).hasMessageContaining("orders/1@43")
        .hasMessageContaining("field price");
    w.finish();
    List<GenericRecord> rows = readAvro(out.toByteArray(), "null");
    assertThat(rows).hasSize(1);
    assertOrderFields(rows.get(0), 42);
  }

  @Test
  void avroEnvelopeHoldsKeyHeadersAndCoordinates() throws Exception {
    byte[] bytes = write(format(Map.of("format.output.type", "avro", "format.output.envelope", "envelope")),
        record(5));
    GenericRecord e = readAvro(bytes, "null").get(0);
    assertThat(e.get("topic").toString()).isEqualTo("orders");
    assertThat(e.get("partition")).isEqualTo(1);
    assertThat(e.get("offset")).isEqualTo(5L);
    assertThat(e.get("timestamp")).isEqualTo(1_700_000_000_000L);
    assertThat(e.get("key").toString()).isEqualTo("k5");
    assertThat(((Map<?, ?>) e.get("headers")).toString()).isEqualTo("{source=checkout}");
    assertOrderFields((GenericRecord) e.get("value"), 5);
  }

  @Test
  void aCompressionTheFormatDoesNotTakeIsRefusedAtConfigTime() {
    assertThatThrownBy(() -> format(Map.of("format.output.type", "avro", "file.compression.type", "gzip")))
        .hasMessageContaining("file.compression.type").hasMessageContaining("none, deflate, snappy, zstd");
    assertThatThrownBy(() -> format(Map.of("format.output.type", "jsonl", "file.compression.type", "deflate")))
        .hasMessageContaining("none, gzip, zstd, snappy");
  }
}
