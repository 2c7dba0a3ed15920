package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.staging.format.RecordWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.snappy.FramedSnappyCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class OutputFormatTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Schema DEBEZIUM_DATE = SchemaBuilder.int32().name("io.debezium.time.Date").build();
  private static final Schema DEBEZIUM_MICROS = SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").build();
  private static final Schema VALUE = SchemaBuilder.struct()
      .field("id", Schema.INT64_SCHEMA)
      .field("price", Decimal.schema(2))
      .field("at", Timestamp.SCHEMA)
      .field("birthday", DEBEZIUM_DATE)
      .field("updated", DEBEZIUM_MICROS)
      .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
      .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
      .build();

  static OutputFormat format(Map<String, String> more) {
    Map<String, String> props = new HashMap<>(Map.of("gcs.bucket.name", "b"));
    props.putAll(more);
    return new GcsSinkConfig(props).outputFormat();
  }

  static SinkRecord record(long offset) {
    Struct v = new Struct(VALUE).put("id", offset).put("price", new BigDecimal("1234567890123.45"))
        .put("at", Date.from(Instant.parse("2026-11-22T10:15:30.123Z"))).put("birthday", 20_000)
        .put("updated", 1_763_806_530_123_456L).put("blob", new byte[] {1, 2, 3}).put("tags", List.of("a", "b"));
    ConnectHeaders h = new ConnectHeaders();
    h.addString("source", "checkout");
    return new SinkRecord("orders", 1, Schema.STRING_SCHEMA, "k" + offset, VALUE, v, offset, 1_700_000_000_000L,
        TimestampType.CREATE_TIME, h);
  }

  static byte[] write(OutputFormat f, SinkRecord... records) throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (var out = f.compress(sink)) {
      RecordWriter<SinkRecord> w = f.writer(out);
      for (SinkRecord r : records) {
        w.write(r);
      }
      w.finish();
    }
    return sink.toByteArray();
  }

  static InputStream decompress(io.cloudbridge.staging.format.Compression c, byte[] bytes) throws Exception {
    InputStream in = new ByteArrayInputStream(bytes);
    return switch (c) {
      case NONE -> in;
      case GZIP -> new GZIPInputStream(in);
      case ZSTD -> new ZstdCompressorInputStream(in);
      case SNAPPY -> new FramedSnappyCompressorInputStream(in);
      case DEFLATE -> throw new IllegalArgumentException("not a text compression");
    };
  }

  @ParameterizedTest
  @EnumSource(value = io.cloudbridge.staging.format.Compression.class, names = {"NONE", "GZIP", "ZSTD", "SNAPPY"})
  void jsonLinesRoundTripThroughEachCompressionInFormsBigQueryLoads(io.cloudbridge.staging.format.Compression c) throws Exception {
    OutputFormat f = format(Map.of("file.compression.type", c.name().toLowerCase()));
    byte[] stored = write(f, record(7), record(8));
    String text = new String(decompress(c, stored).readAllBytes(), StandardCharsets.UTF_8);
    String[] lines = text.split("\n");
    assertThat(lines).hasSize(2);
    assertThat(text).endsWith("\n");
    JsonNode first = JSON.readTree(lines[0]);
    assertThat(first.get("id").asLong()).isEqualTo(7);
    assertThat(first.get("price").decimalValue()).isEqualByComparingTo("1234567890123.45");
    assertThat(lines[0]).contains("\"price\":1234567890123.45");
    assertThat(first.get("at").asText()).isEqualTo("2026-11-22T10:15:30.123000Z");
    assertThat(first.get("birthday").asText()).isEqualTo("2024-10-04");
    assertThat(first.get("updated").asText()).isEqualTo("2025-11-22T10:15:30.123456");
    assertThat(first.get("blob").asText()).isEqualTo("AQID");
    assertThat(first.get("tags").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(JSON.readTree(lines[1]).get("id").asLong()).isEqualTo(8);
    assertThat(f.extension()).isEqualTo(".jsonl" + switch (c) {
      case NONE -> "";
      case GZIP -> ".gz";
      case ZSTD -> ".zst";
      case SNAPPY -> ".snappy";
      case DEFLATE -> "?";
    });
  }

  @Test
  void jsonArrayWithTheEnvelope() throws Exception {
    byte[] stored = write(format(Map.of("format.output.type", "json_array", "format.output.envelope", "envelope")),
        record(1), record(2));
    JsonNode array = JSON.readTree(stored);
    assertThat(array.size()).isEqualTo(2);
    JsonNode e = array.get(1);
    assertThat(e.get("topic").asText()).isEqualTo("orders");
    assertThat(e.get("partition").asInt()).isEqualTo(1);
    assertThat(e.get("offset").asLong()).isEqualTo(2);
    assertThat(e.get("key").asText()).isEqualTo("k2");
    assertThat(e.get("value").get("id").asLong()).isEqualTo(2);
    assertThat(e.get("timestamp").asText()).isEqualTo("2023-11-14T22:13:20.000000Z");
    assertThat(e.get("headers").get(0).get("key").asText()).isEqualTo("source");
    assertThat(e.get("headers").get(0).get("value").asText()).isEqualTo("checkout");
  }

  @Test
  void bytesLengthPrefixedAndARecordThatCannotBeEncodedLeavesNoTrace() throws Exception {
    OutputFormat f = format(Map.of("format.output.type", "bytes", "format.bytes.separator", "length_prefixed"));
    SinkRecord a = new SinkRecord("t", 0, null, null, null, "line\nbreak".getBytes(StandardCharsets.UTF_8), 0);
    SinkRecord notBytes = new SinkRecord("t", 0, null, null, null, Map.of("x", 1), 1);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    RecordWriter<SinkRecord> w = f.writer(sink);
    w.write(a);
    assertThatThrownBy(() -> w.write(notBytes)).isInstanceOf(DataException.class).hasMessageContaining("t/0@1");
    w.finish();
    assertThat(sink.toByteArray()).containsExactly(0, 0, 0, 10, 'l', 'i', 'n', 'e', '\n', 'b', 'r', 'e', 'a', 'k');
  }
}
