package io.cloudbridge.testkit.bigquery;

import com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder;
import com.google.cloud.bigquery.storage.v1.CivilTimeEncoder;
import com.google.cloud.bigquery.storage.v1.RowError;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns serialized proto rows into table rows, as the Storage Write API does: the writer's self-contained
 * descriptor decoded with proto2 semantics; proto fields matched to columns case-insensitively (or through
 * the {@code column_name} field option); values converted by column type; bad rows reported by index.
 */
final class RowDecoder {

  /** google.cloud.bigquery.storage.v1.column_name, a FieldOptions extension holding the real column name. */
  private static final int COLUMN_NAME_OPTION = 454943157;

  record Decoded(List<Map<String, Object>> rows, List<RowError> rowErrors) {}

  /** Thrown when the writer schema itself does not fit the table (the whole request fails). */
  static final class SchemaMismatch extends Exception {
    private static final long serialVersionUID = 1L;
    /** Extra fields have StorageErrorCode SCHEMA_MISMATCH_EXTRA_FIELDS; a type mismatch has no storage code. */
    final boolean extraFields;

    SchemaMismatch(String message, boolean extraFields) {
      super(message);
      this.extraFields = extraFields;
    }
  }

  /**
   * The proto field types each column type takes, as "Supported protocol buffer data types" lists them
   * (cloud.google.com/bigquery/docs/supported-data-types): e.g. INT64 takes int32, int64, uint32 and enum but not
   * string; FLOAT64 only double and float; BOOL bool and the integer types; TIMESTAMP int64, int32 and uint32 (µs),
   * not string; DATE, DATETIME and TIME also their literal text. (The wrapper messages the table lists,
   * google.protobuf.Int64Value and the like, are not taken here: no writer of ours sends them.)
   */
  private static final Map<String, java.util.Set<FieldDescriptor.Type>> TAKES = Map.ofEntries(
      Map.entry("BOOL", java.util.EnumSet.of(FieldDescriptor.Type.BOOL, FieldDescriptor.Type.INT32,
          FieldDescriptor.Type.INT64, FieldDescriptor.Type.UINT32, FieldDescriptor.Type.UINT64)),
      Map.entry("BYTES", java.util.EnumSet.of(FieldDescriptor.Type.BYTES, FieldDescriptor.Type.STRING)),
      Map.entry("DATE", java.util.EnumSet.of(FieldDescriptor.Type.INT32, FieldDescriptor.Type.INT64,
          FieldDescriptor.Type.STRING)),
      Map.entry("DATETIME", java.util.EnumSet.of(FieldDescriptor.Type.STRING, FieldDescriptor.Type.INT64)),
      Map.entry("TIME", java.util.EnumSet.of(FieldDescriptor.Type.STRING, FieldDescriptor.Type.INT64)),
      Map.entry("FLOAT64", java.util.EnumSet.of(FieldDescriptor.Type.DOUBLE, FieldDescriptor.Type.FLOAT)),
      Map.entry("GEOGRAPHY", java.util.EnumSet.of(FieldDescriptor.Type.STRING)),
      Map.entry("INT64", java.util.EnumSet.of(FieldDescriptor.Type.INT32, FieldDescriptor.Type.INT64,
          FieldDescriptor.Type.UINT32, FieldDescriptor.Type.ENUM)),
      Map.entry("JSON", java.util.EnumSet.of(FieldDescriptor.Type.STRING)),
      Map.entry("NUMERIC", java.util.EnumSet.of(FieldDescriptor.Type.INT32, FieldDescriptor.Type.INT64,
          FieldDescriptor.Type.UINT32, FieldDescriptor.Type.UINT64, FieldDescriptor.Type.DOUBLE,
          FieldDescriptor.Type.FLOAT, FieldDescriptor.Type.STRING, FieldDescriptor.Type.BYTES)),
      Map.entry("BIGNUMERIC", java.util.EnumSet.of(FieldDescriptor.Type.INT32, FieldDescriptor.Type.INT64,
          FieldDescriptor.Type.UINT32, FieldDescriptor.Type.UINT64, FieldDescriptor.Type.DOUBLE,
          FieldDescriptor.Type.FLOAT, FieldDescriptor.Type.STRING, FieldDescriptor.Type.BYTES)),
      Map.entry("STRING", java.util.EnumSet.of(FieldDescriptor.Type.STRING, FieldDescriptor.Type.ENUM)),
      Map.entry("TIMESTAMP", java.util.EnumSet.of(FieldDescriptor.Type.INT64, FieldDescriptor.Type.INT32,
          FieldDescriptor.Type.UINT32)),
      Map.entry("INTERVAL", java.util.EnumSet.of(FieldDescriptor.Type.STRING)),
      Map.entry("STRUCT", java.util.EnumSet.of(FieldDescriptor.Type.MESSAGE)),
      Map.entry("RANGE", java.util.EnumSet.of(FieldDescriptor.Type.MESSAGE)));

  private final Descriptor descriptor;

  RowDecoder(DescriptorProto proto) throws Descriptors.DescriptorValidationException {
    FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("writer_schema.proto")
        .addMessageType(proto).build();
    this.descriptor = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0])
        .findMessageTypeByName(proto.getName());
  }

  /**
   * Fails when the writer schema has a field the table lacks, or a field whose proto type its column does not take
   * ("The proto field mismatched with BigQuery field at Row.ts, the proto field type string, BigQuery field type
   * TIMESTAMP", INVALID_ARGUMENT, as the service answers: googleapis/google-cloud-go issue 5097). A REQUIRED column
   * the writer schema lacks is no schema error: each row then lacks it, and the rows fail ("If the schema is
   * required and proto is optional and unset, then you'll get an error from backend", a BigQuery maintainer in
   * googleapis/python-bigquery-storage PR 269).
   */
  void checkAgainst(Table table, List<Column> columns) throws SchemaMismatch {
    List<String> extra = new ArrayList<>();
    collectExtraFields(descriptor, columns, "", !table.primaryKey().isEmpty(), extra);
    if (!extra.isEmpty()) {
      throw new SchemaMismatch("Input schema has more fields than BigQuery schema, extra fields: '"
          + String.join(",", extra) + "'", true);
    }
    checkTypes(descriptor, columns, !table.primaryKey().isEmpty());
  }

  private static void checkTypes(Descriptor d, List<Column> columns, boolean cdc) throws SchemaMismatch {
    for (FieldDescriptor f : d.getFields()) {
      Column c = Column.find(columns, columnName(f));
      if (c == null) {
        continue; // a CDC pseudo-column
      }
      java.util.Set<FieldDescriptor.Type> takes = TAKES.get(c.type());
      if (takes != null && !takes.contains(f.getType())) {
        throw new SchemaMismatch("The proto field mismatched with BigQuery field at " + d.getName() + "."
            + f.getName() + ", the proto field type " + f.getType().name().toLowerCase(java.util.Locale.ROOT)
            + ", BigQuery field type " + c.type(), false);
      }
      if (f.getType() == FieldDescriptor.Type.MESSAGE && c.type().equals("STRUCT")) {
        checkTypes(f.getMessageType(), c.fields(), false);
      }
    }
  }

  private static void collectExtraFields(Descriptor d, List<Column> columns, String prefix, boolean cdc,
                                         List<String> extra) {
    for (FieldDescriptor f : d.getFields()) {
      String name = columnName(f);
      if (cdc && prefix.isEmpty() && (name.equalsIgnoreCase(TableStore.CHANGE_TYPE)
          || name.equalsIgnoreCase(TableStore.CHANGE_SEQUENCE))) {
        continue;
      }
      Column c = Column.find(columns, name);
      if (c == null) {
        extra.add(prefix + name);
      } else if (f.getType() == FieldDescriptor.Type.MESSAGE && c.type().equals("STRUCT")) {
        collectExtraFields(f.getMessageType(), c.fields(), prefix + name + ".", false, extra);
      }
    }
  }

  Decoded decode(Table table, List<Column> columns, List<ByteString> serialized) {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<RowError> errors = new ArrayList<>();
    for (int i = 0; i < serialized.size(); i++) {
      try {
        DynamicMessage message = DynamicMessage.parseFrom(descriptor, serialized.get(i));
        Map<String, Object> row = toRow(message, columns, !table.primaryKey().isEmpty());
        if (row.containsKey(TableStore.CHANGE_TYPE)
            && !List.of("UPSERT", "DELETE").contains(String.valueOf(row.get(TableStore.CHANGE_TYPE)))) {
          throw new IllegalArgumentException("The given value is not a valid CHANGE_TYPE: " + row.get(TableStore.CHANGE_TYPE));
        }
        Object sequence = row.get(TableStore.CHANGE_SEQUENCE);
        if (sequence != null && !ChangeSequenceNumber.valid((String) sequence)) {
          throw new IllegalArgumentException("Invalid _CHANGE_SEQUENCE_NUMBER: " + sequence);
        }
        rows.add(row);
      } catch (InvalidProtocolBufferException e) {
        errors.add(rowError(i, "Could not parse the serialized row: " + e.getMessage()));
      } catch (IllegalArgumentException e) {
        errors.add(rowError(i, e.getMessage()));
      }
    }
    return new Decoded(rows, errors);
  }

  static RowError rowError(long index, String message) {
    return RowError.newBuilder().setIndex(index).setCode(RowError.RowErrorCode.FIELDS_ERROR).setMessage(message).build();
  }

  private static Map<String, Object> toRow(DynamicMessage message, List<Column> columns, boolean cdc) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
      String name = columnName(f);
      if (cdc && (name.equalsIgnoreCase(TableStore.CHANGE_TYPE) || name.equalsIgnoreCase(TableStore.CHANGE_SEQUENCE))) {
        if (message.hasField(f)) {
          row.put(name.toLowerCase(), String.valueOf(message.getField(f)));
        }
        continue;
      }
      Column c = Column.find(columns, name);
      if (f.isRepeated()) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < message.getRepeatedFieldCount(f); i++) {
          values.add(convert(c, message.getRepeatedField(f, i)));
        }
        row.put(c.name(), values);
      } else if (message.hasField(f)) {
        row.put(c.name(), convert(c, message.getField(f)));
      }
    }
    for (Column c : columns) {
      if (c.required() && !row.containsKey(c.name())) {
        throw new IllegalArgumentException("Field " + c.name() + ": required field is missing.");
      }
    }
    return row;
  }

  private static Object convert(Column c, Object v) {
    try {
      return switch (c.type()) {
        case "STRING", "JSON", "GEOGRAPHY", "INTERVAL" -> {
          String s = (String) v;
          if (c.maxLength() != null && s.length() > c.maxLength()) {
            throw new IllegalArgumentException("Field " + c.name() + ": STRING(" + c.maxLength() + ") has maximum length "
                + c.maxLength() + " but got a value with length " + s.length() + " on field " + c.name() + ".");
          }
          if (c.type().equals("JSON")) {
            json(c, s);
          }
          yield s;
        }
        case "INT64" -> v instanceof com.google.protobuf.Descriptors.EnumValueDescriptor e ? (long) e.getNumber()
            : ((Number) v).longValue();
        case "FLOAT64" -> ((Number) v).doubleValue();
        case "BOOL" -> v instanceof Boolean b ? b : ((Number) v).longValue() != 0; // the integer types: non-zero
        case "BYTES" -> ((ByteString) v).toByteArray();
        case "TIMESTAMP" -> micros(((Number) v).longValue());
        case "DATE" -> v instanceof String s ? LocalDate.parse(s) : LocalDate.ofEpochDay(((Number) v).longValue());
        case "DATETIME" -> v instanceof String s ? LocalDateTime.parse(s.replace(' ', 'T'))
            : CivilTimeEncoder.decodePacked64DatetimeMicrosLocalDateTime(((Number) v).longValue());
        case "TIME" -> v instanceof String s ? LocalTime.parse(s)
            : CivilTimeEncoder.decodePacked64TimeMicrosLocalTime(((Number) v).longValue());
        case "NUMERIC" -> v instanceof String s ? new BigDecimal(s)
            : v instanceof ByteString b ? BigDecimalByteStringEncoder.decodeNumericByteString(b) : new BigDecimal(v.toString());
        case "BIGNUMERIC" -> v instanceof String s ? new BigDecimal(s)
            : v instanceof ByteString b ? BigDecimalByteStringEncoder.decodeBigNumericByteString(b) : new BigDecimal(v.toString());
        case "STRUCT" -> toRow((DynamicMessage) v, c.fields(), false);
        default -> v;
      };
    } catch (ClassCastException | java.time.format.DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException("Field " + c.name() + ": cannot convert value " + v + " to " + c.type() + ".");
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON_TEXT =
      new com.fasterxml.jackson.databind.ObjectMapper().enable(
          com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** A JSON column takes one JSON value as text (BigQuery refuses the row otherwise). */
  private static void json(Column c, String text) {
    boolean valid;
    try {
      valid = !JSON_TEXT.readTree(text).isMissingNode();
    } catch (java.io.IOException e) {
      valid = false;
    }
    if (!valid) {
      throw new IllegalArgumentException("Field " + c.name() + ": Invalid JSON: " + text);
    }
  }

  /** A TIMESTAMP's microseconds since the epoch as an instant (also for loaded rows). */
  static Instant micros(long us) {
    return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
  }

  private static FieldDescriptor fieldFor(Descriptor d, Column c) {
    for (FieldDescriptor f : d.getFields()) {
      if (columnName(f).equalsIgnoreCase(c.name())) {
        return f;
      }
    }
    return null;
  }

  /** The column a proto field writes: its {@code column_name} option when set, else its own name. */
  private static String columnName(FieldDescriptor f) {
    UnknownFieldSet.Field option = f.getOptions().getUnknownFields().getField(COLUMN_NAME_OPTION);
    if (option != null && !option.getLengthDelimitedList().isEmpty()) {
      return option.getLengthDelimitedList().get(0).toStringUtf8();
    }
    return f.getName();
  }
}
