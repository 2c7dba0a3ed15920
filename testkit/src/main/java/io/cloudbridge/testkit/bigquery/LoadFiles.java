package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * The files of a load job read as BigQuery reads them, into a schema and rows of the store's values. Sources
 * (cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro, -parquet, -json, "Avro conversions",
 * "Parquet conversions", "JSON data"):
 * <ul>
 *   <li>Avro, with {@code useAvroLogicalTypes}: {@code date} → DATE, {@code time-millis}/{@code time-micros} → TIME,
 *   {@code timestamp-millis}/{@code timestamp-micros} → TIMESTAMP, {@code local-timestamp-millis/micros} → DATETIME,
 *   {@code decimal} → NUMERIC when precision ≤ 38 and scale ≤ 9, else BIGNUMERIC; a string with
 *   {@code sqlType: JSON} → JSON (or GEOGRAPHY), with {@code logicalType: datetime} → DATETIME. Without the flag the
 *   logical types are ignored and the raw types load (a {@code timestamp-micros} long is an INTEGER). A union
 *   {@code [null, T]} is a NULLABLE column, a plain type REQUIRED, an array REPEATED, a record a RECORD.</li>
 *   <li>Parquet: read through Parquet's Avro binding, whose logical types map as above (TIMESTAMP with
 *   isAdjustedToUTC → TIMESTAMP, without → DATETIME). Parquet strings carry no JSON type here: a STRING into a JSON
 *   column is a type change (unverified; the connector stages JSON columns as Avro or JSON lines only).</li>
 *   <li>JSON lines: one object per line, against the load's schema (or the table's); a key that is no column fails
 *   ("No such field") unless {@code ignoreUnknownValues}; TIMESTAMP from text (date and time separated by a space or
 *   T, optional fraction, a zone as UTC, Z or an offset) or a number of seconds since the epoch; DATE, TIME and
 *   DATETIME from their canonical text; NUMERIC from a number or its text; BYTES from base64; JSON from any value.</li>
 * </ul>
 */
final class LoadFiles {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a file holds: its columns (schema) and rows (by column name as the file spells it). */
  record FileRows(List<Column> columns, List<Map<String, Object>> rows) {}

  /** A file BigQuery cannot read, or a row it cannot take: the job fails with this message. */
  static final class BadData extends Exception {
    private static final long serialVersionUID = 1L;

    BadData(String message) {
      super(message);
    }
  }

  private LoadFiles() {}

  static FileRows avro(byte[] bytes, boolean logicalTypes) throws BadData {
    try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(bytes),
        new GenericDatumReader<>())) {
      List<Column> columns = columnsOf(in.getSchema(), logicalTypes);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (GenericRecord r : in) {
        rows.add(record(r, columns));
      }
      return new FileRows(columns, rows);
    } catch (IOException | RuntimeException e) {
      throw new BadData("Error while reading data, error message: The Apache Avro library failed to parse the"
          + " header with the following error: " + e.getMessage());
    }
  }

  static FileRows parquet(byte[] bytes) throws BadData {
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    conf.set(AvroReadSupport.READ_INT96_AS_FIXED, "true");
    conf.set("parquet.avro.add-list-element-records", "false"); // a 3-level LIST is a REPEATED column
    try (ParquetReader<GenericRecord> in = AvroParquetReader.<GenericRecord>builder(new BytesFile(bytes), conf)
        .withDataModel(GenericData.get()).build()) {
      // BigQuery reads Parquet's own schema, not the Avro schema parquet-avro keeps in the footer (which would carry
      // properties such as sqlType that Parquet has no place for).
      org.apache.parquet.schema.MessageType parquetSchema;
      try (org.apache.parquet.hadoop.ParquetFileReader footer = org.apache.parquet.hadoop.ParquetFileReader.open(
          new BytesFile(bytes))) {
        parquetSchema = footer.getFooter().getFileMetaData().getSchema();
      }
      List<Column> columns = columnsOf(new org.apache.parquet.avro.AvroSchemaConverter(conf).convert(parquetSchema),
          true);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (GenericRecord r = in.read(); r != null; r = in.read()) {
        rows.add(record(r, columns));
      }
      return new FileRows(columns, rows);
    } catch (IOException | RuntimeException e) {
      throw new BadData("Error while reading data, error message: Read failed: " + e.getMessage());
    }
  }

  /** Newline-delimited JSON against {@code columns}. */
  static FileRows json(byte[] bytes, List<Column> columns, boolean ignoreUnknown) throws BadData {
    List<Map<String, Object>> rows = new ArrayList<>();
    String text = new String(bytes, StandardCharsets.UTF_8);
    int position = 0;
    for (String line : text.split("\n", -1)) {
      int start = position;
      position += line.getBytes(StandardCharsets.UTF_8).length + 1;
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode node = JSON.readTree(line);
        if (!node.isObject()) {
          throw new BadData("a row is not a JSON object");
        }
        rows.add(jsonRecord(node, columns, ignoreUnknown, ""));
      } catch (IOException e) {
        throw new BadData("Error while reading data, error message: JSON parsing error in row starting at position "
            + start + ": Parser terminated before end of string");
      } catch (BadData e) {
        throw new BadData("Error while reading data, error message: JSON parsing error in row starting at position "
            + start + ": " + e.getMessage());
      }
    }
    return new FileRows(columns, rows);
  }

  // --- Avro and Parquet -------------------------------------------------------------------------------------

  private static List<Column> columnsOf(Schema record, boolean logicalTypes) {
    List<Column> out = new ArrayList<>();
    for (Schema.Field f : record.getFields()) {
      out.add(column(f.name(), f.schema(), logicalTypes));
    }
    return out;
  }

  private static Column column(String name, Schema s, boolean logicalTypes) {
    String mode = "REQUIRED";
    if (s.getType() == Schema.Type.UNION) {
      List<Schema> types = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
      if (types.size() != 1) {
        throw new IllegalArgumentException("Unsupported union type of field " + name + ": " + s);
      }
      s = types.get(0);
      mode = "NULLABLE";
    }
    if (s.getType() == Schema.Type.ARRAY) {
      Column item = column(name, s.getElementType(), logicalTypes);
      return new Column(name, item.type(), "REPEATED", null, item.fields());
    }
    if (s.getType() == Schema.Type.RECORD) {
      return new Column(name, "STRUCT", mode, null, columnsOf(s, logicalTypes));
    }
    return new Column(name, scalarType(s, logicalTypes), mode, null, List.of());
  }

  private static String scalarType(Schema s, boolean logicalTypes) {
    LogicalType logical = logicalTypes ? s.getLogicalType() : null;
    String sqlType = s.getProp("sqlType");
    String logicalName = logicalTypes ? s.getProp("logicalType") : null;
    if (logical instanceof LogicalTypes.Decimal d) {
      return d.getPrecision() <= 38 && d.getScale() <= 9 ? "NUMERIC" : "BIGNUMERIC";
    }
    if (logical instanceof LogicalTypes.Date) {
      return "DATE";
    }
    if (logical instanceof LogicalTypes.TimeMillis || logical instanceof LogicalTypes.TimeMicros) {
      return "TIME";
    }
    if (logical instanceof LogicalTypes.TimestampMillis || logical instanceof LogicalTypes.TimestampMicros) {
      return "TIMESTAMP";
    }
    if (logical instanceof LogicalTypes.LocalTimestampMillis || logical instanceof LogicalTypes.LocalTimestampMicros) {
      return "DATETIME";
    }
    return switch (s.getType()) {
      case BOOLEAN -> "BOOL";
      case INT, LONG -> "INT64";
      case FLOAT, DOUBLE -> "FLOAT64";
      case BYTES, FIXED -> "BYTES";
      case ENUM -> "STRING";
      case STRING -> sqlType != null && (sqlType.equals("JSON") || sqlType.equals("GEOGRAPHY")) ? sqlType
          : "datetime".equals(logicalName) ? "DATETIME" : "STRING";
      default -> throw new IllegalArgumentException("Unsupported Avro type " + s.getType());
    };
  }

  private static Map<String, Object> record(GenericRecord r, List<Column> columns) throws BadData {
    Map<String, Object> row = new LinkedHashMap<>();
    Schema schema = r.getSchema();
    for (Column c : columns) {
      Object v = r.get(c.name());
      Schema fs = unwrap(schema.getField(c.name()).schema());
      row.put(c.name(), avroValue(c, fs, v));
    }
    return row;
  }

  private static Schema unwrap(Schema s) {
    if (s.getType() != Schema.Type.UNION) {
      return s;
    }
    return s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElse(s);
  }

  private static Object avroValue(Column c, Schema s, Object v) throws BadData {
    if (v == null) {
      if (c.required()) {
        throw new BadData("Error while reading data, error message: Required field " + c.name() + " cannot be null");
      }
      return c.repeated() ? List.of() : null;
    }
    if (c.repeated()) {
      List<Object> out = new ArrayList<>();
      Column item = new Column(c.name(), c.type(), "REQUIRED", null, c.fields());
      for (Object e : (List<?>) v) {
        out.add(avroValue(item, unwrap(s.getElementType()), e));
      }
      return out;
    }
    return switch (c.type()) {
      case "STRUCT" -> record((GenericRecord) v, c.fields());
      case "BOOL" -> v;
      case "INT64" -> ((Number) v).longValue();
      case "FLOAT64" -> ((Number) v).doubleValue();
      case "STRING", "JSON", "GEOGRAPHY" -> v.toString();
      case "BYTES" -> bytes(v);
      case "NUMERIC", "BIGNUMERIC" -> scaled(c, new BigDecimal(new java.math.BigInteger(bytes(v)),
          ((LogicalTypes.Decimal) s.getLogicalType()).getScale()));
      case "DATE" -> LocalDate.ofEpochDay(((Number) v).longValue());
      case "TIME" -> s.getLogicalType() instanceof LogicalTypes.TimeMillis
          ? LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000_000L)
          : LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000L);
      case "TIMESTAMP" -> s.getLogicalType() instanceof LogicalTypes.TimestampMillis
          ? RowDecoder.micros(((Number) v).longValue() * 1_000L) : RowDecoder.micros(((Number) v).longValue());
      case "DATETIME" -> v instanceof CharSequence text ? dateTime(text.toString())
          : LocalDateTime.ofInstant(s.getLogicalType() instanceof LogicalTypes.LocalTimestampMillis
              ? RowDecoder.micros(((Number) v).longValue() * 1_000L) : RowDecoder.micros(((Number) v).longValue()),
              ZoneOffset.UTC);
      default -> throw new BadData("Unsupported type " + c.type());
    };
  }

  /**
   * A NUMERIC value at scale 9, a BIGNUMERIC at 38, as the Storage Write path stores them; more digits than the type
   * holds fail the row (BigQuery: "Invalid NUMERIC value").
   */
  private static BigDecimal scaled(Column c, BigDecimal v) throws BadData {
    try {
      return v.setScale(c.type().equals("NUMERIC") ? 9 : 38, java.math.RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new BadData("Invalid " + c.type() + " value: " + v.toPlainString() + " Field: " + c.name());
    }
  }

  private static byte[] bytes(Object v) {
    if (v instanceof ByteBuffer b) {
      ByteBuffer d = b.duplicate();
      byte[] out = new byte[d.remaining()];
      d.get(out);
      return out;
    }
    return ((GenericData.Fixed) v).bytes();
  }

  // --- JSON ---------------------------------------------------------------------------------------------------

  private static Map<String, Object> jsonRecord(JsonNode node, List<Column> columns, boolean ignoreUnknown,
      String prefix) throws BadData {
    Map<String, Object> row = new LinkedHashMap<>();
    var it = node.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (Column.find(columns, e.getKey()) == null && !ignoreUnknown) {
        throw new BadData("No such field: " + prefix + e.getKey() + ".");
      }
    }
    for (Column c : columns) {
      JsonNode v = null;
      for (var f = node.fields(); f.hasNext(); ) {
        var e = f.next();
        if (e.getKey().equalsIgnoreCase(c.name())) {
          v = e.getValue();
        }
      }
      row.put(c.name(), jsonValue(c, v, ignoreUnknown, prefix));
    }
    return row;
  }

  private static Object jsonValue(Column c, JsonNode v, boolean ignoreUnknown, String prefix) throws BadData {
    if (v == null || v.isNull()) {
      if (c.required()) {
        throw new BadData("Only optional fields can be set to NULL. Field: " + prefix + c.name() + ";");
      }
      return c.repeated() ? List.of() : null;
    }
    if (c.repeated()) {
      if (!v.isArray()) {
        throw new BadData("Array specified for non-repeated field: " + prefix + c.name() + ".");
      }
      List<Object> out = new ArrayList<>();
      Column item = new Column(c.name(), c.type(), "REQUIRED", null, c.fields());
      for (JsonNode e : v) {
        out.add(jsonValue(item, e, ignoreUnknown, prefix));
      }
      return out;
    }
    String field = prefix + c.name();
    try {
      return switch (c.type()) {
        case "STRUCT" -> {
          if (!v.isObject()) {
            throw new BadData("Cannot convert value to a record for field: " + field + ".");
          }
          yield jsonRecord(v, c.fields(), ignoreUnknown, field + ".");
        }
        case "JSON" -> v.toString();
        case "STRING", "GEOGRAPHY" -> v.isTextual() ? v.asText() : v.isValueNode() ? v.asText() : fail(c, field, v);
        case "INT64" -> v.isIntegralNumber() && v.canConvertToLong() ? v.asLong()
            : v.isTextual() ? Long.parseLong(v.asText().trim()) : fail(c, field, v);
        case "FLOAT64" -> v.isNumber() ? v.asDouble() : v.isTextual() ? Double.parseDouble(v.asText()) : fail(c, field, v);
        case "BOOL" -> v.isBoolean() ? v.asBoolean() : v.isTextual() && v.asText().matches("(?i)true|false")
            ? Boolean.parseBoolean(v.asText()) : fail(c, field, v);
        case "BYTES" -> v.isTextual() ? Base64.getDecoder().decode(v.asText()) : fail(c, field, v);
        case "NUMERIC", "BIGNUMERIC" -> v.isNumber() ? scaled(c, v.decimalValue())
            : v.isTextual() ? scaled(c, new BigDecimal(v.asText().trim())) : fail(c, field, v);
        case "TIMESTAMP" -> v.isNumber() ? RowDecoder.micros(v.decimalValue().movePointRight(6).longValue())
            : v.isTextual() ? timestamp(v.asText()) : fail(c, field, v);
        case "DATE" -> v.isTextual() ? LocalDate.parse(v.asText()) : fail(c, field, v);
        case "TIME" -> v.isTextual() ? LocalTime.parse(v.asText()) : fail(c, field, v);
        case "DATETIME" -> v.isTextual() ? dateTime(v.asText()) : fail(c, field, v);
        default -> throw new BadData("Unsupported type " + c.type() + " of field " + field);
      };
    } catch (DateTimeParseException | IllegalArgumentException e) {
      return fail(c, field, v);
    }
  }

  private static Object fail(Column c, String field, JsonNode v) throws BadData {
    throw new BadData("Could not convert value '" + v + "' to " + legacy(c.type()) + ". Field: " + field
        + "; Value: " + v);
  }

  static String legacy(String type) {
    return switch (type) {
      case "INT64" -> "INTEGER";
      case "FLOAT64" -> "FLOAT";
      case "BOOL" -> "BOOLEAN";
      case "STRUCT" -> "RECORD";
      default -> type;
    };
  }

  private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE)
      .optionalStart().appendLiteral('T').optionalEnd()
      .optionalStart().appendLiteral(' ').optionalEnd()
      .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':').appendValue(ChronoField.MINUTE_OF_HOUR, 2)
      .optionalStart().appendLiteral(':').appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 6, true).optionalEnd()
      .optionalEnd()
      .toFormatter(Locale.ROOT);

  static LocalDateTime dateTime(String text) {
    return LocalDateTime.parse(text.trim(), DATE_TIME);
  }

  /** TIMESTAMP text: a date and time, then UTC, Z, an offset, or nothing (UTC). */
  static Instant timestamp(String text) {
    String t = text.trim();
    ZoneOffset zone = ZoneOffset.UTC;
    if (t.endsWith(" UTC")) {
      t = t.substring(0, t.length() - 4);
    } else if (t.endsWith("Z")) {
      t = t.substring(0, t.length() - 1);
    } else if (t.matches(".*[+-]\\d\\d:\\d\\d$") && t.length() > 16) {
      zone = ZoneOffset.of(t.substring(t.length() - 6));
      t = t.substring(0, t.length() - 6).trim();
    }
    return OffsetDateTime.of(dateTime(t), zone).toInstant();
  }

  /** A staged file's bytes as Parquet's input file. */
  private record BytesFile(byte[] bytes) implements InputFile {
    @Override
    public long getLength() {
      return bytes.length;
    }

    @Override
    public SeekableInputStream newStream() {
      Seekable in = new Seekable(bytes);
      return new DelegatingSeekableInputStream(in) {
        @Override
        public long getPos() {
          return in.position();
        }

        @Override
        public void seek(long newPos) {
          in.seek(newPos);
        }
      };
    }
  }

  private static final class Seekable extends ByteArrayInputStream {
    Seekable(byte[] bytes) {
      super(bytes);
    }

    long position() {
      return pos;
    }

    void seek(long to) {
      pos = (int) to;
    }
  }
}
