package io.cloudbridge.bigquery.rows;

import com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder;
import com.google.cloud.bigquery.storage.v1.CivilTimeEncoder;
import com.google.cloud.bigquery.storage.v1.ProtoSchema;
import com.google.cloud.bigquery.storage.v1.ProtoSchemaConverter;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import io.cloudbridge.common.json.ConnectJson;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect records straight to the protobuf rows the Storage Write API takes, with no JSON step: built once per
 * Connect schema, it holds the BigQuery table schema the records map to, the proto descriptor sent as the writer
 * schema, and a writer per column that puts the value on the wire in BigQuery's encoding (TIMESTAMP as µs since the
 * epoch, DATE as days, TIME and DATETIME packed by {@link CivilTimeEncoder}, NUMERIC and BIGNUMERIC by
 * {@link BigDecimalByteStringEncoder}).
 *
 * <p>Mapping: integers → INT64; floats → FLOAT64; boolean → BOOL; string → STRING; bytes → BYTES; Decimal → NUMERIC
 * when its scale is at most 9 and its precision (Debezium's {@code connect.decimal.precision}), if stated, leaves at
 * most 29 integer digits, else BIGNUMERIC; Date → DATE; Time → TIME; Timestamp → TIMESTAMP; struct → RECORD; array →
 * REPEATED; map → REPEATED RECORD of key and value. Debezium: Date → DATE, Time/MicroTime/NanoTime → TIME,
 * Timestamp/MicroTimestamp/NanoTimestamp (zone-less) → DATETIME, ZonedTimestamp → TIMESTAMP, ZonedTime → STRING,
 * VariableScaleDecimal → BIGNUMERIC, Json → JSON. Optional schemas are NULLABLE columns, others REQUIRED.
 *
 * <p>Not thread-safe: one encoder serves one task's writer (it reuses its buffers).
 */
public final class RowEncoder {

  private static final String ROOT = "Row";

  /** Writes one value of a column as field {@code number}. */
  private interface ValueWriter {
    void write(CodedOutputStream out, int number, Object value) throws IOException;
  }

  /** One column: its number on the wire, how to write a value, and the Connect field it comes from. */
  private record Column(String name, int number, Field field, boolean required, boolean repeated,
                        ValueWriter writer) {}

  /** A message (the row, or a RECORD column) and its columns. */
  private final class Message {
    final Column[] columns;
    final int depth;

    Message(Column[] columns, int depth) {
      this.columns = columns;
      this.depth = depth;
    }

    void write(CodedOutputStream out, Struct s) throws IOException {
      for (Column c : columns) {
        Object v = s.get(c.field());
        if (v == null) {
          if (c.required()) {
            throw new DataException("column " + c.name() + " is REQUIRED but the record has no value for it");
          }
          continue;
        }
        try {
          if (c.repeated()) {
            writeRepeated(out, c, v);
          } else {
            c.writer().write(out, c.number(), v);
          }
        } catch (ClassCastException | java.time.DateTimeException | ArithmeticException | IllegalArgumentException e) {
          // IllegalArgumentException: a NUMERIC or BIGNUMERIC out of range; DateTimeException: a time out of its
          // day, a date-time out of Java's range, text that is no timestamp (all found by fuzzing)
          throw new DataException("column " + c.name() + ": " + e.getMessage(), e);
        } catch (DataException e) {
          throw e.getMessage().startsWith("column ") ? e : new DataException("column " + c.name() + ": "
              + e.getMessage(), e);
        }
      }
    }

    private void writeRepeated(CodedOutputStream out, Column c, Object v) throws IOException {
      Collection<?> items = v instanceof Map<?, ?> m ? m.entrySet() : (Collection<?>) v;
      for (Object item : items) {
        if (item == null) {
          throw new DataException("an array holds a null, which a REPEATED column cannot");
        }
        c.writer().write(out, c.number(), item);
      }
    }
  }

  /** The pseudo-columns of BigQuery change data capture, written after a change row's columns. */
  public static final String CHANGE_TYPE = "_change_type";
  public static final String CHANGE_SEQUENCE_NUMBER = "_change_sequence_number";

  /** A column the sink adds after the record's own (Kafka metadata, insert time): STRING, INT64 or TIMESTAMP. */
  public record Extra(String name, TableFieldSchema.Type type) {
    public Extra {
      if (type != TableFieldSchema.Type.STRING && type != TableFieldSchema.Type.INT64
          && type != TableFieldSchema.Type.TIMESTAMP) {
        throw new IllegalArgumentException("extra columns are STRING, INT64 or TIMESTAMP, not " + type);
      }
    }
  }

  /** What Decimal fields become: by precision and scale, or NUMERIC or BIGNUMERIC for all. */
  public enum DecimalType { AUTO, NUMERIC, BIGNUMERIC }

  /** Rows of change data capture: the two pseudo-columns follow, top-level fields named {@code __*} are left out. */
  private final boolean changes;
  private final DecimalType decimals;
  private final Set<String> jsonFields;
  private final Map<String, TableFieldSchema.Type> existing;
  private int changeTypeNumber;
  private final List<Extra> extras;
  private int firstExtraNumber;
  private final TableSchema tableSchema;
  private final ProtoSchema protoSchema;
  private final Descriptors.Descriptor descriptor;
  private final Message root;
  /** A buffer per nesting level: a RECORD is written into the next level's, then copied in as bytes. */
  private final Scratch[] scratch;

  private RowEncoder(Schema schema, boolean changes, List<Extra> extras, DecimalType decimals, Set<String> jsonFields,
      Map<String, TableFieldSchema.Type> existing) {
    this.changes = changes;
    this.decimals = decimals;
    this.jsonFields = Set.copyOf(jsonFields);
    this.existing = Map.copyOf(existing);
    this.extras = List.copyOf(extras);
    if (schema == null || schema.type() != Schema.Type.STRUCT) {
      throw new DataException("BigQuery rows come from struct values, not "
          + (schema == null ? "values without a schema" : schema.type().toString()));
    }
    DescriptorProto.Builder rootType = DescriptorProto.newBuilder().setName(ROOT);
    TableSchema.Builder table = TableSchema.newBuilder();
    int[] depth = {0};
    this.root = message(schema, rootType, rootType, "", "", 0, table::addFields, depth);
    firstExtraNumber = schema.fields().size() + 1;
    for (int i = 0; i < this.extras.size(); i++) {
      Extra x = this.extras.get(i);
      if (schema.field(x.name()) != null) {
        throw new DataException("the records have a field " + x.name() + ", which is also the name of a column"
            + " the sink adds");
      }
      table.addFields(TableFieldSchema.newBuilder().setName(x.name()).setType(x.type())
          .setMode(TableFieldSchema.Mode.NULLABLE));
      rootType.addField(FieldDescriptorProto.newBuilder().setName(x.name()).setNumber(firstExtraNumber + i)
          .setType(x.type() == TableFieldSchema.Type.STRING ? FieldDescriptorProto.Type.TYPE_STRING
              : FieldDescriptorProto.Type.TYPE_INT64).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
    }
    this.tableSchema = table.build();
    if (changes) {
      changeTypeNumber = firstExtraNumber + this.extras.size();
      rootType.addField(FieldDescriptorProto.newBuilder().setName(CHANGE_TYPE).setNumber(changeTypeNumber)
          .setType(FieldDescriptorProto.Type.TYPE_STRING).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
      rootType.addField(FieldDescriptorProto.newBuilder().setName(CHANGE_SEQUENCE_NUMBER)
          .setNumber(changeTypeNumber + 1).setType(FieldDescriptorProto.Type.TYPE_STRING)
          .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
    }
    try {
      Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(
          FileDescriptorProto.newBuilder().setName("cloudbridge_row.proto").addMessageType(rootType).build(),
          new Descriptors.FileDescriptor[0]);
      this.descriptor = file.findMessageTypeByName(ROOT);
    } catch (Descriptors.DescriptorValidationException e) {
      throw new DataException("the schema makes no valid protobuf descriptor: " + e.getMessage(), e);
    }
    this.protoSchema = ProtoSchemaConverter.convert(descriptor);
    this.scratch = new Scratch[depth[0] + 2];
    for (int i = 0; i < scratch.length; i++) {
      scratch[i] = new Scratch();
    }
  }

  /** The encoder for records whose value has {@code schema} (a struct). */
  public static RowEncoder forSchema(Schema schema) {
    return new RowEncoder(schema, false, List.of(), DecimalType.AUTO, Set.of(), Map.of());
  }

  /** As {@link #forSchema(Schema)}, with {@code extras} columns after the record's (values given per row). */
  public static RowEncoder forSchema(Schema schema, List<Extra> extras, DecimalType decimals) {
    return new RowEncoder(schema, false, extras, decimals, Set.of(), Map.of());
  }

  /**
   * As {@link #forSchema(Schema, List, DecimalType)}, for a table that may exist: the fields at {@code jsonFields}
   * (paths of field names, e.g. {@code detail} or {@code detail.items}) become JSON columns holding the value as JSON
   * text, and a field whose column exists with another type it can take is written in the column's type
   * ({@code existing}: lower-cased column paths to types; see {@link #coerce}).
   */
  public static RowEncoder forSchema(Schema schema, List<Extra> extras, DecimalType decimals, Set<String> jsonFields,
      Map<String, TableFieldSchema.Type> existing) {
    return new RowEncoder(schema, false, extras, decimals, jsonFields, existing);
  }

  /**
   * The encoder for change rows of {@code schema} (a struct): its columns, leaving out top-level fields named
   * {@code __*} (the metadata Debezium's ExtractNewRecordState adds), then {@code _CHANGE_TYPE} and
   * {@code _CHANGE_SEQUENCE_NUMBER}, which are not columns of the table.
   */
  public static RowEncoder forChanges(Schema schema, List<Extra> extras, DecimalType decimals) {
    return new RowEncoder(schema, true, extras, decimals, Set.of(), Map.of());
  }

  /** As {@link #forChanges(Schema, List, DecimalType)}, with JSON fields and existing column types. */
  public static RowEncoder forChanges(Schema schema, List<Extra> extras, DecimalType decimals, Set<String> jsonFields,
      Map<String, TableFieldSchema.Type> existing) {
    return new RowEncoder(schema, true, extras, decimals, jsonFields, existing);
  }

  /** The table schema these rows fit: what a table created for them has. */
  public TableSchema tableSchema() {
    return tableSchema;
  }

  /** The writer schema of AppendRows requests (a self-contained descriptor). */
  public ProtoSchema protoSchema() {
    return protoSchema;
  }

  public Descriptors.Descriptor descriptor() {
    return descriptor;
  }

  /** One row; a value the mapping cannot take fails with a {@code DataException} naming the column. */
  public ByteString encode(Struct row) {
    return encode(row, null, null, null);
  }

  /** A row and the values of the extra columns (a String, or a Long for INT64 and TIMESTAMP in µs; null for none). */
  public ByteString encode(Struct row, Object[] extraValues) {
    return encode(row, extraValues, null, null);
  }

  /**
   * A change row: its columns, the extra columns' values, change type (UPSERT or DELETE) and sequence number (may be
   * null).
   */
  public ByteString encode(Struct row, Object[] extraValues, String changeType, String sequenceNumber) {
    Scratch s = scratch[0];
    s.reset();
    try {
      root.write(s.out, row);
      if (extraValues != null) {
        for (int i = 0; i < extras.size(); i++) {
          Object v = extraValues[i];
          if (v instanceof String text) {
            s.out.writeString(firstExtraNumber + i, text);
          } else if (v != null) {
            s.out.writeInt64(firstExtraNumber + i, ((Number) v).longValue());
          }
        }
      }
      if (changeType != null) {
        s.out.writeString(changeTypeNumber, changeType);
        if (sequenceNumber != null) {
          s.out.writeString(changeTypeNumber + 1, sequenceNumber);
        }
      }
      s.out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only a byte array is written
    }
    return ByteString.copyFrom(s.bytes, 0, s.size);
  }

  // ---- building the plan, the descriptor and the table schema together ----

  /** Adds the columns of {@code struct} to {@code type} (and nested types to {@code rootType}). */
  private Message message(Schema struct, DescriptorProto.Builder rootType, DescriptorProto.Builder type,
      String path, String columnPath, int level, java.util.function.Consumer<TableFieldSchema> columns,
      int[] maxDepth) {
    maxDepth[0] = Math.max(maxDepth[0], level);
    List<Field> fields = struct.fields();
    Column[] out = new Column[fields.size()];
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      if (changes && level == 0 && f.name().startsWith("__")) {
        continue;
      }
      String name = ColumnNames.column(f.name());
      if (!seen.add(name.toLowerCase(java.util.Locale.ROOT))) {
        throw new DataException("fields " + path + f.name() + " and another both become column " + name
            + " (BigQuery column names ignore case)");
      }
      int number = i + 1;
      Schema fs = f.schema();
      String columnKey = columnPath + name.toLowerCase(java.util.Locale.ROOT);
      TableFieldSchema.Type current = existing.get(columnKey);
      if (jsonFields.contains(path + f.name()) || current == TableFieldSchema.Type.JSON) {
        // the whole value, whatever its shape, as the text of one JSON column
        columns.accept(TableFieldSchema.newBuilder().setName(name).setType(TableFieldSchema.Type.JSON)
            .setMode(fs.isOptional() ? TableFieldSchema.Mode.NULLABLE : TableFieldSchema.Mode.REQUIRED).build());
        type.addField(FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
            .setType(FieldDescriptorProto.Type.TYPE_STRING).setLabel(fs.isOptional()
                ? FieldDescriptorProto.Label.LABEL_OPTIONAL : FieldDescriptorProto.Label.LABEL_REQUIRED));
        out[i] = new Column(path + name, number, f, !fs.isOptional(), false,
            (o, n, v) -> o.writeString(n, ConnectJson.text(fs, v)));
        continue;
      }
      boolean repeated = fs.type() == Schema.Type.ARRAY || fs.type() == Schema.Type.MAP;
      Schema element = fs.type() == Schema.Type.ARRAY ? fs.valueSchema() : fs;
      if (repeated && element.type() == Schema.Type.ARRAY) {
        throw new DataException("field " + path + f.name() + " is an array of arrays, which BigQuery cannot hold");
      }
      TableFieldSchema.Builder column = TableFieldSchema.newBuilder().setName(name)
          .setMode(repeated ? TableFieldSchema.Mode.REPEATED
              : fs.isOptional() ? TableFieldSchema.Mode.NULLABLE : TableFieldSchema.Mode.REQUIRED);
      FieldDescriptorProto.Builder proto = FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
          .setLabel(repeated ? FieldDescriptorProto.Label.LABEL_REPEATED
              : fs.isOptional() ? FieldDescriptorProto.Label.LABEL_OPTIONAL
              : FieldDescriptorProto.Label.LABEL_REQUIRED);
      ValueWriter writer;
      if (fs.type() == Schema.Type.MAP) {
        writer = entries(fs, rootType, path + f.name() + ".", columnKey + ".", level, column, proto, maxDepth);
      } else if (element.type() == Schema.Type.STRUCT && !ConnectTypes.isLogical(element)) {
        String typeName = nestedName(path + name);
        DescriptorProto.Builder nested = DescriptorProto.newBuilder().setName(typeName);
        Message child = message(element, rootType, nested, path + f.name() + ".", columnKey + ".", level + 1,
            column::addFields, maxDepth);
        if (child.columns.length == 0) {
          // a struct without fields (e.g. JSON's {} before any field showed): BigQuery has no RECORD without
          // columns, and the value carries no data; the column comes when a field does
          continue;
        }
        rootType.addNestedType(nested);
        column.setType(TableFieldSchema.Type.STRUCT);
        proto.setType(FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(typeName);
        writer = record(child);
      } else {
        writer = scalar(element, column, proto, path + f.name(), decimals);
        if (current != null && current != column.getType()) {
          ValueWriter coerced = coerce(element, current, column, proto, path + f.name());
          writer = coerced == null ? writer : coerced;
        }
      }
      type.addField(proto);
      columns.accept(column.build());
      out[i] = new Column(path + name, number, f, !fs.isOptional() && !repeated, repeated, writer);
    }
    return new Message(java.util.Arrays.stream(out).filter(java.util.Objects::nonNull).toArray(Column[]::new), level);
  }

  /** A map as REPEATED RECORD {key, value}. */
  private ValueWriter entries(Schema map, DescriptorProto.Builder rootType, String path, String columnPath, int level,
      TableFieldSchema.Builder column, FieldDescriptorProto.Builder proto, int[] maxDepth) {
    Schema entry = org.apache.kafka.connect.data.SchemaBuilder.struct()
        .field("key", map.keySchema()).field("value", map.valueSchema()).build();
    String typeName = nestedName(path.replace('.', '_') + "entry");
    DescriptorProto.Builder nested = DescriptorProto.newBuilder().setName(typeName);
    Message child = message(entry, rootType, nested, path, columnPath, level + 1, column::addFields, maxDepth);
    rootType.addNestedType(nested);
    column.setType(TableFieldSchema.Type.STRUCT);
    proto.setType(FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName(typeName);
    ValueWriter asRecord = record(child);
    return (out, number, v) -> {
      Map.Entry<?, ?> e = (Map.Entry<?, ?>) v;
      asRecord.write(out, number, new Struct(entry).put("key", e.getKey()).put("value", e.getValue()));
    };
  }

  private static String nestedName(String path) {
    return ROOT + "_" + path.replace('.', '_');
  }

  /** A RECORD column: the child message written into the next level's buffer, then copied in as bytes. */
  private ValueWriter record(Message child) {
    return (out, number, v) -> {
      Scratch s = scratch[child.depth];
      s.reset();
      child.write(s.out, (Struct) v);
      s.out.flush();
      out.writeByteArray(number, s.bytes, 0, s.size);
    };
  }

  /**
   * A writer that puts a value into an existing column of another type that can take it without loss, and the
   * column and proto field set to that type; null when there is none (the table then refuses the records, naming
   * the column). Integers go into FLOAT64 (exact up to 2^53), NUMERIC and BIGNUMERIC; floating-point numbers into
   * NUMERIC and BIGNUMERIC (as their shortest decimal form, which must fit the scale) and into INT64 when integral;
   * numeric text into INT64, FLOAT64, NUMERIC and BIGNUMERIC. Each is written in the column's own proto encoding, so
   * a value that does not fit fails the record naming the column, as BigQuery would.
   */
  private static ValueWriter coerce(Schema s, TableFieldSchema.Type target, TableFieldSchema.Builder column,
      FieldDescriptorProto.Builder proto, String path) {
    if (s.name() != null) {
      return null; // logical types keep their own mapping
    }
    java.util.function.Function<Object, BigDecimal> decimal = switch (s.type()) {
      case INT8, INT16, INT32, INT64 -> v -> BigDecimal.valueOf(((Number) v).longValue());
      case FLOAT32, FLOAT64 -> v -> BigDecimal.valueOf(((Number) v).doubleValue());
      case STRING -> v -> numericText((String) v);
      default -> null;
    };
    if (decimal == null) {
      return null;
    }
    boolean integral = s.type() == Schema.Type.INT8 || s.type() == Schema.Type.INT16
        || s.type() == Schema.Type.INT32 || s.type() == Schema.Type.INT64;
    ValueWriter writer = switch (target) {
      case DOUBLE -> {
        if (s.type() == Schema.Type.STRING) {
          yield (out, n, v) -> out.writeDouble(n, decimal.apply(v).doubleValue());
        }
        if (!integral) {
          yield null;
        }
        proto.setType(FieldDescriptorProto.Type.TYPE_DOUBLE);
        yield (out, n, v) -> {
          long l = ((Number) v).longValue();
          double d = (double) l;
          if ((long) d != l || d == 0x1p63) {
            throw new DataException("the integer " + l + " has no exact FLOAT64");
          }
          out.writeDouble(n, d);
        };
      }
      case INT64 -> integral ? null : (out, n, v) -> {
        BigDecimal d = decimal.apply(v);
        try {
          out.writeInt64(n, d.longValueExact());
        } catch (ArithmeticException notInteger) {
          throw new DataException("the value " + d.toPlainString() + " is no INT64 (an integer within 64 bits)");
        }
      };
      case NUMERIC -> (out, n, v) -> out.writeBytes(n,
          BigDecimalByteStringEncoder.encodeToNumericByteString(decimal.apply(v)));
      case BIGNUMERIC -> (out, n, v) -> out.writeBytes(n,
          BigDecimalByteStringEncoder.encodeToBigNumericByteString(decimal.apply(v)));
      default -> null;
    };
    if (writer == null) {
      return null;
    }
    column.setType(target);
    proto.setType(switch (target) {
      case DOUBLE -> FieldDescriptorProto.Type.TYPE_DOUBLE;
      case INT64 -> FieldDescriptorProto.Type.TYPE_INT64;
      default -> FieldDescriptorProto.Type.TYPE_BYTES;
    });
    return writer;
  }

  /** Numeric text as a number: a JSON-style decimal with an optional exponent (no hex, NaN or infinity). */
  private static BigDecimal numericText(String text) {
    try {
      return new BigDecimal(text.strip());
    } catch (NumberFormatException e) {
      throw new DataException("the text \"" + (text.length() > 40 ? text.substring(0, 40) + "…" : text)
          + "\" is not a number");
    }
  }

  private static ValueWriter scalar(Schema s, TableFieldSchema.Builder column, FieldDescriptorProto.Builder proto,
      String path, DecimalType decimals) {
    String logical = s.name() == null ? "" : s.name();
    switch (logical) {
      case "org.apache.kafka.connect.data.Decimal" -> {
        int scale = Integer.parseInt(s.parameters().get("scale"));
        String p = s.parameters().get("connect.decimal.precision");
        int precision = p == null ? 38 : Integer.parseInt(p);
        // Without a stated precision, scales NUMERIC holds go to NUMERIC (a value too large for it fails, named).
        boolean numeric = decimals == DecimalType.NUMERIC
            || decimals == DecimalType.AUTO && scale <= 9 && (p == null || precision - scale <= 29);
        if (numeric && scale > 9) {
          throw new DataException("field " + path + ": a Decimal of scale " + scale + " cannot be NUMERIC (scale at"
              + " most 9)");
        }
        column.setType(numeric ? TableFieldSchema.Type.NUMERIC : TableFieldSchema.Type.BIGNUMERIC);
        if (p != null) {
          column.setPrecision(precision).setScale(scale);
        }
        proto.setType(FieldDescriptorProto.Type.TYPE_BYTES);
        return numeric
            ? (out, n, v) -> out.writeBytes(n, BigDecimalByteStringEncoder.encodeToNumericByteString((BigDecimal) v))
            : (out, n, v) -> out.writeBytes(n,
                BigDecimalByteStringEncoder.encodeToBigNumericByteString((BigDecimal) v));
      }
      case "io.debezium.data.VariableScaleDecimal" -> {
        boolean numeric = decimals == DecimalType.NUMERIC;
        column.setType(numeric ? TableFieldSchema.Type.NUMERIC : TableFieldSchema.Type.BIGNUMERIC);
        proto.setType(FieldDescriptorProto.Type.TYPE_BYTES);
        return (out, n, v) -> {
          Struct d = (Struct) v;
          BigDecimal value = new BigDecimal(new BigInteger((byte[]) d.get("value")), d.getInt32("scale"));
          out.writeBytes(n, numeric ? BigDecimalByteStringEncoder.encodeToNumericByteString(value)
              : BigDecimalByteStringEncoder.encodeToBigNumericByteString(value));
        };
      }
      case "org.apache.kafka.connect.data.Date" -> {
        return int32(column, proto, TableFieldSchema.Type.DATE,
            v -> (int) Math.floorDiv(((Date) v).getTime(), 86_400_000L));
      }
      case "io.debezium.time.Date" -> {
        return int32(column, proto, TableFieldSchema.Type.DATE, v -> ((Number) v).intValue());
      }
      case "org.apache.kafka.connect.data.Time" -> {
        return int64(column, proto, TableFieldSchema.Type.TIME,
            v -> time(((Date) v).getTime() * 1_000_000L));
      }
      case "io.debezium.time.Time" -> {
        return int64(column, proto, TableFieldSchema.Type.TIME, v -> time(((Number) v).longValue() * 1_000_000L));
      }
      case "io.debezium.time.MicroTime" -> {
        return int64(column, proto, TableFieldSchema.Type.TIME, v -> time(((Number) v).longValue() * 1_000L));
      }
      case "io.debezium.time.NanoTime" -> {
        return int64(column, proto, TableFieldSchema.Type.TIME, v -> time(((Number) v).longValue()));
      }
      case "org.apache.kafka.connect.data.Timestamp" -> {
        return int64(column, proto, TableFieldSchema.Type.TIMESTAMP, v -> ((Date) v).getTime() * 1_000L);
      }
      case "io.debezium.time.ZonedTimestamp" -> {
        return int64(column, proto, TableFieldSchema.Type.TIMESTAMP, v -> micros(OffsetDateTime.parse((String) v)
            .toInstant()));
      }
      case "io.debezium.time.Timestamp" -> {
        return int64(column, proto, TableFieldSchema.Type.DATETIME, v -> dateTime(((Number) v).longValue(), 1_000));
      }
      case "io.debezium.time.MicroTimestamp" -> {
        return int64(column, proto, TableFieldSchema.Type.DATETIME,
            v -> dateTime(((Number) v).longValue(), 1_000_000));
      }
      case "io.debezium.time.NanoTimestamp" -> {
        return int64(column, proto, TableFieldSchema.Type.DATETIME,
            v -> dateTime(((Number) v).longValue(), 1_000_000_000));
      }
      case "io.debezium.data.Json" -> {
        column.setType(TableFieldSchema.Type.JSON);
        proto.setType(FieldDescriptorProto.Type.TYPE_STRING);
        return (out, n, v) -> out.writeString(n, (String) v);
      }
      default -> {
        // the underlying type
      }
    }
    return switch (s.type()) {
      case INT8, INT16, INT32, INT64 -> {
        column.setType(TableFieldSchema.Type.INT64);
        proto.setType(FieldDescriptorProto.Type.TYPE_INT64);
        yield (out, n, v) -> out.writeInt64(n, ((Number) v).longValue());
      }
      case FLOAT32, FLOAT64 -> {
        column.setType(TableFieldSchema.Type.DOUBLE);
        proto.setType(FieldDescriptorProto.Type.TYPE_DOUBLE);
        yield (out, n, v) -> out.writeDouble(n, ((Number) v).doubleValue());
      }
      case BOOLEAN -> {
        column.setType(TableFieldSchema.Type.BOOL);
        proto.setType(FieldDescriptorProto.Type.TYPE_BOOL);
        yield (out, n, v) -> out.writeBool(n, (Boolean) v);
      }
      case STRING -> {
        column.setType(TableFieldSchema.Type.STRING);
        proto.setType(FieldDescriptorProto.Type.TYPE_STRING);
        yield (out, n, v) -> out.writeString(n, (String) v);
      }
      case BYTES -> {
        column.setType(TableFieldSchema.Type.BYTES);
        proto.setType(FieldDescriptorProto.Type.TYPE_BYTES);
        yield (out, n, v) -> {
          if (v instanceof byte[] b) {
            out.writeByteArray(n, b);
          } else {
            out.writeByteBuffer(n, ((ByteBuffer) v).duplicate());
          }
        };
      }
      case STRUCT -> throw new DataException("field " + path + ": logical type " + logical + " is not supported");
      case ARRAY, MAP -> throw new DataException("field " + path + ": nested repetition is not supported");
    };
  }

  /** How a column's value becomes a long or int. */
  private interface ToLong {
    long apply(Object v);
  }

  private static ValueWriter int64(TableFieldSchema.Builder column, FieldDescriptorProto.Builder proto,
      TableFieldSchema.Type type, ToLong convert) {
    column.setType(type);
    proto.setType(FieldDescriptorProto.Type.TYPE_INT64);
    return (out, n, v) -> out.writeInt64(n, convert.apply(v));
  }

  private static ValueWriter int32(TableFieldSchema.Builder column, FieldDescriptorProto.Builder proto,
      TableFieldSchema.Type type, ToLong convert) {
    column.setType(type);
    proto.setType(FieldDescriptorProto.Type.TYPE_INT32);
    return (out, n, v) -> out.writeInt32(n, (int) convert.apply(v));
  }

  private static long time(long nanoOfDay) {
    return CivilTimeEncoder.encodePacked64TimeMicrosLocalTime(LocalTime.ofNanoOfDay(nanoOfDay));
  }

  private static long dateTime(long units, long perSecond) {
    long seconds = Math.floorDiv(units, perSecond);
    long nanos = Math.floorMod(units, perSecond) * (1_000_000_000L / perSecond);
    return CivilTimeEncoder.encodePacked64DatetimeMicrosLocalDateTime(
        LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC));
  }

  private static long micros(Instant i) {
    return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1_000);
  }

  /** A growable byte array a CodedOutputStream writes into. */
  private static final class Scratch extends java.io.OutputStream {
    byte[] bytes = new byte[4096];
    int size;
    final CodedOutputStream out = CodedOutputStream.newInstance(this, 4096);

    /** Empties the buffer, also of what a failed row left in the stream's own buffer. */
    void reset() {
      try {
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      size = 0;
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }
}
