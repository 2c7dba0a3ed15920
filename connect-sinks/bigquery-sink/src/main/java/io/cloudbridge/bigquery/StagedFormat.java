package io.cloudbridge.bigquery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder;
import com.google.cloud.bigquery.storage.v1.CivilTimeEncoder;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cloudbridge.bigquery.rows.RowEncoder;
import io.cloudbridge.staging.format.AvroFile;
import io.cloudbridge.staging.format.Encoding;
import io.cloudbridge.staging.format.ParquetFile;
import io.cloudbridge.staging.format.RecordWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The files a batch load stages: rows made by the same {@link RowEncoder} as the Storage Write modes (so the same
 * conversion rules: Connect logical types, Debezium types, the table's existing column types), written as Avro
 * (default), Parquet or JSON lines in the table's column types. One file holds rows of one encoder (one record
 * schema); a row of another starts a new file. Type mapping, as BigQuery's load conversions document it
 * (cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro "Logical types", -parquet "Parquet conversions",
 * -json "Loading JSON data"):
 * <ul>
 *   <li>Avro and Parquet (one Avro schema; Parquet through its Avro binding): INT64 long, FLOAT64 double, BOOL
 *   boolean, STRING string, BYTES bytes, TIMESTAMP {@code timestamp-micros}, DATE {@code date}, TIME
 *   {@code time-micros}, DATETIME {@code local-timestamp-micros} (Parquet: TIMESTAMP not adjusted to UTC), NUMERIC
 *   {@code decimal(38,9)} (or the column's precision and scale), BIGNUMERIC {@code decimal(77,38)}, JSON a string
 *   with {@code sqlType: JSON} (Avro only: Parquet has no such annotation here, so tables with JSON columns are
 *   staged as Avro or JSON lines), RECORD a record, REPEATED an array; NULLABLE columns {@code [null, T]}. The load
 *   sets {@code useAvroLogicalTypes}.</li>
 *   <li>JSON lines: TIMESTAMP as {@code yyyy-MM-dd HH:mm:ss.SSSSSS UTC}, DATE, TIME and DATETIME in their canonical
 *   text, NUMERIC and BIGNUMERIC as decimal text (exact), BYTES base64, JSON as the JSON value itself, INT64 as a
 *   number, FLOAT64 as a number or "NaN"/"Infinity"/"-Infinity".</li>
 * </ul>
 */
final class StagedFormat implements Encoding<TableRows.Row> {

  /** The format of staged files, and BigQuery's name for it in a load job. */
  enum Kind {
    AVRO(".avro", "AVRO"), PARQUET(".parquet", "PARQUET"), JSONL(".jsonl", "NEWLINE_DELIMITED_JSON");

    final String extension;
    final String sourceFormat;

    Kind(String extension, String sourceFormat) {
      this.extension = extension;
      this.sourceFormat = sourceFormat;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'",
      Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS",
      Locale.ROOT);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS", Locale.ROOT);

  private final Kind kind;
  private final int rowGroupBytes;

  StagedFormat(Kind kind, int rowGroupBytes) {
    this.kind = kind;
    this.rowGroupBytes = rowGroupBytes;
  }

  Kind kind() {
    return kind;
  }

  @Override
  public OutputStream compress(OutputStream out) {
    return out; // Avro and Parquet compress inside; JSON lines load fastest uncompressed (BigQuery reads them in parallel)
  }

  @Override
  public RecordWriter<TableRows.Row> writer(OutputStream out) {
    return new Writer(out);
  }

  /** The Avro schema of an encoder's rows (also Parquet's, through its Avro binding). */
  static Schema avroSchema(RowEncoder encoder) {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Row").fields();
    for (TableFieldSchema c : encoder.tableSchema().getFieldsList()) {
      fields = fields.name(c.getName()).type(column(c, "Row_" + c.getName())).noDefault();
    }
    return fields.endRecord();
  }

  private static Schema column(TableFieldSchema c, String recordName) {
    Schema type = switch (c.getType()) {
      case INT64 -> Schema.create(Schema.Type.LONG);
      case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
      case BOOL -> Schema.create(Schema.Type.BOOLEAN);
      case BYTES -> Schema.create(Schema.Type.BYTES);
      case TIMESTAMP -> LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
      case DATE -> LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
      case TIME -> LogicalTypes.timeMicros().addToSchema(Schema.create(Schema.Type.LONG));
      case DATETIME -> LogicalTypes.localTimestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
      case NUMERIC -> LogicalTypes.decimal(precision(c, 38), scale(c, 9)).addToSchema(Schema.create(Schema.Type.BYTES));
      case BIGNUMERIC -> LogicalTypes.decimal(precision(c, 77), scale(c, 38))
          .addToSchema(Schema.create(Schema.Type.BYTES));
      case JSON, GEOGRAPHY -> {
        Schema s = Schema.create(Schema.Type.STRING);
        s.addProp("sqlType", c.getType().name());
        yield s;
      }
      case STRUCT -> {
        SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record(recordName).fields();
        for (TableFieldSchema f : c.getFieldsList()) {
          fields = fields.name(f.getName()).type(column(f, recordName + "_" + f.getName())).noDefault();
        }
        yield fields.endRecord();
      }
      default -> Schema.create(Schema.Type.STRING);
    };
    if (c.getMode() == TableFieldSchema.Mode.REPEATED) {
      return Schema.createArray(type);
    }
    return c.getMode() == TableFieldSchema.Mode.REQUIRED ? type
        : Schema.createUnion(Schema.create(Schema.Type.NULL), type);
  }

  private static int precision(TableFieldSchema c, int otherwise) {
    return c.getPrecision() > 0 ? (int) c.getPrecision() : otherwise;
  }

  private static int scale(TableFieldSchema c, int otherwise) {
    return c.getPrecision() > 0 ? (int) c.getScale() : otherwise;
  }

  /** Writes the rows of one encoder into one file. */
  private final class Writer implements RecordWriter<TableRows.Row> {
    private final OutputStream out;
    private RowEncoder encoder;
    private Schema schema;
    private AvroFile avro;
    private ParquetFile parquet;
    private JsonGenerator json;

    Writer(OutputStream out) {
      this.out = out;
    }

    @Override
    public boolean accepts(TableRows.Row row) {
      return encoder == null || encoder == row.encoder();
    }

    @Override
    public void write(TableRows.Row row) throws IOException {
      DynamicMessage message;
      try {
        message = DynamicMessage.parseFrom(row.encoder().descriptor(), row.bytes());
      } catch (InvalidProtocolBufferException e) {
        throw new DataException("a row could not be read back for staging: " + e.getMessage(), e);
      }
      if (encoder == null) {
        encoder = row.encoder();
        schema = avroSchema(encoder);
        switch (kind) {
          case AVRO -> avro = new AvroFile(out, schema, CodecFactory.snappyCodec());
          case PARQUET -> parquet = new ParquetFile(out, schema, CompressionCodecName.SNAPPY, rowGroupBytes);
          case JSONL -> json = new JsonFactory(JSON).createGenerator(new NonClosing(out))
              .setRootValueSeparator(null);
        }
      }
      List<TableFieldSchema> columns = encoder.tableSchema().getFieldsList();
      switch (kind) {
        case AVRO -> avro.append(record(message, columns, schema));
        case PARQUET -> parquet.write(record(message, columns, schema));
        case JSONL -> {
          writeJson(json, message, columns);
          json.writeRaw('\n');
        }
      }
    }

    @Override
    public long bufferedBytes() {
      return parquet == null ? 0 : parquet.bufferedBytes();
    }

    @Override
    public void finish() throws IOException {
      if (avro != null) {
        avro.finish();
      }
      if (parquet != null) {
        parquet.finish();
      }
      if (json != null) {
        json.flush();
      }
      out.flush();
    }
  }

  private static FieldDescriptor field(Descriptor d, String name) {
    FieldDescriptor f = d.findFieldByName(name);
    if (f == null) {
      for (FieldDescriptor candidate : d.getFields()) {
        if (candidate.getName().equalsIgnoreCase(name)) {
          return candidate;
        }
      }
    }
    return f;
  }

  private static GenericRecord record(DynamicMessage m, List<TableFieldSchema> columns, Schema schema) {
    GenericRecord r = new GenericData.Record(schema);
    for (TableFieldSchema c : columns) {
      FieldDescriptor f = field(m.getDescriptorForType(), c.getName());
      Schema fieldSchema = nonNull(schema.getField(c.getName()).schema());
      if (f == null || (!f.isRepeated() && !m.hasField(f))) {
        r.put(c.getName(), c.getMode() == TableFieldSchema.Mode.REPEATED ? List.of() : null);
        continue;
      }
      if (f.isRepeated()) {
        List<Object> items = new ArrayList<>();
        for (Object v : (List<?>) m.getField(f)) {
          items.add(avroValue(c, v, nonNull(fieldSchema.getElementType())));
        }
        r.put(c.getName(), items);
      } else {
        r.put(c.getName(), avroValue(c, m.getField(f), fieldSchema));
      }
    }
    return r;
  }

  private static Schema nonNull(Schema s) {
    return s.getType() == Schema.Type.UNION ? s.getTypes().get(1) : s;
  }

  private static Object avroValue(TableFieldSchema c, Object v, Schema schema) {
    return switch (c.getType()) {
      case STRUCT -> record((DynamicMessage) v, c.getFieldsList(), schema);
      case BYTES -> ByteBuffer.wrap(((ByteString) v).toByteArray());
      case DATE -> ((Number) v).intValue();
      case TIME -> time(v).toNanoOfDay() / 1_000L;
      case DATETIME -> {
        LocalDateTime t = dateTime(v);
        yield t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1_000L;
      }
      case NUMERIC, BIGNUMERIC -> ByteBuffer.wrap(decimal(c, v)
          .setScale(((LogicalTypes.Decimal) schema.getLogicalType()).getScale(), RoundingMode.UNNECESSARY)
          .unscaledValue().toByteArray());
      case INT64, TIMESTAMP -> ((Number) v).longValue();
      case DOUBLE -> ((Number) v).doubleValue();
      default -> v;
    };
  }

  private static LocalTime time(Object v) {
    return v instanceof String s ? LocalTime.parse(s)
        : CivilTimeEncoder.decodePacked64TimeMicrosLocalTime(((Number) v).longValue());
  }

  private static LocalDateTime dateTime(Object v) {
    return v instanceof String s ? LocalDateTime.parse(s.replace(' ', 'T'))
        : CivilTimeEncoder.decodePacked64DatetimeMicrosLocalDateTime(((Number) v).longValue());
  }

  private static BigDecimal decimal(TableFieldSchema c, Object v) {
    if (v instanceof ByteString b) {
      return c.getType() == TableFieldSchema.Type.NUMERIC ? BigDecimalByteStringEncoder.decodeNumericByteString(b)
          : BigDecimalByteStringEncoder.decodeBigNumericByteString(b);
    }
    return new BigDecimal(v.toString());
  }

  private static void writeJson(JsonGenerator g, DynamicMessage m, List<TableFieldSchema> columns)
      throws IOException {
    g.writeStartObject();
    for (TableFieldSchema c : columns) {
      FieldDescriptor f = field(m.getDescriptorForType(), c.getName());
      if (f == null || (!f.isRepeated() && !m.hasField(f))) {
        continue; // a missing key is NULL
      }
      g.writeFieldName(c.getName());
      if (f.isRepeated()) {
        g.writeStartArray();
        for (Object v : (List<?>) m.getField(f)) {
          jsonValue(g, c, v);
        }
        g.writeEndArray();
      } else {
        jsonValue(g, c, m.getField(f));
      }
    }
    g.writeEndObject();
  }

  private static void jsonValue(JsonGenerator g, TableFieldSchema c, Object v) throws IOException {
    switch (c.getType()) {
      case STRUCT -> writeJson(g, (DynamicMessage) v, c.getFieldsList());
      case INT64 -> g.writeNumber(((Number) v).longValue());
      case DOUBLE -> {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          g.writeString(Double.toString(d));
        } else {
          g.writeNumber(d);
        }
      }
      case BOOL -> g.writeBoolean((Boolean) v);
      case BYTES -> g.writeString(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case TIMESTAMP -> {
        long us = ((Number) v).longValue();
        g.writeString(TIMESTAMP.format(java.time.Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L),
            Math.floorMod(us, 1_000_000L) * 1_000L)));
      }
      case DATE -> g.writeString(java.time.LocalDate.ofEpochDay(((Number) v).longValue()).toString());
      case TIME -> g.writeString(TIME.format(time(v)));
      case DATETIME -> g.writeString(DATETIME.format(dateTime(v)));
      case NUMERIC, BIGNUMERIC -> g.writeString(decimal(c, v).toPlainString());
      case JSON -> g.writeRawValue((String) v);
      default -> g.writeString(v.toString());
    }
  }

  /** The object's stream for Jackson, which must not close it (the upload does). */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
