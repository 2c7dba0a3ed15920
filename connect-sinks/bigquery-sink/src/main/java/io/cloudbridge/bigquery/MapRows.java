package io.cloudbridge.bigquery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.LegacySQLTypeName;
import io.cloudbridge.bigquery.rows.ColumnNames;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * Records without a schema (maps, e.g. from JsonConverter with schemas.enable=false) as rows of an existing table:
 * the table's columns become a Connect schema once, and each map a struct of it, its values read as the column
 * types need (numbers and numeric text; TIMESTAMP from epoch milliseconds or ISO-8601 text; DATE, TIME and DATETIME
 * from ISO text; BYTES from base64; JSON from any value). A key that is no column fails the record, naming it.
 */
final class MapRows {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MICRO_TIME = "io.debezium.time.MicroTime";
  private static final String MICRO_TIMESTAMP = "io.debezium.time.MicroTimestamp";
  private static final String JSON_TEXT = "io.debezium.data.Json";

  private final Schema schema;

  /** The rows of a table with these columns, leaving out {@code skip} (the columns the sink adds itself). */
  MapRows(FieldList columns, Set<String> skip) {
    SchemaBuilder b = SchemaBuilder.struct().name("cloudbridge.TableRow");
    for (Field f : columns) {
      if (!skip.contains(f.getName().toLowerCase(Locale.ROOT))) {
        b.field(f.getName(), schemaOf(f));
      }
    }
    this.schema = b.build();
  }

  Schema schema() {
    return schema;
  }

  private static Schema schemaOf(Field f) {
    LegacySQLTypeName type = f.getType();
    SchemaBuilder b;
    if (type == LegacySQLTypeName.RECORD) {
      b = SchemaBuilder.struct();
      f.getSubFields().forEach(sub -> b.field(sub.getName(), schemaOf(sub)));
    } else if (type == LegacySQLTypeName.INTEGER) {
      b = SchemaBuilder.int64();
    } else if (type == LegacySQLTypeName.FLOAT) {
      b = SchemaBuilder.float64();
    } else if (type == LegacySQLTypeName.BOOLEAN) {
      b = SchemaBuilder.bool();
    } else if (type == LegacySQLTypeName.BYTES) {
      b = SchemaBuilder.bytes();
    } else if (type == LegacySQLTypeName.TIMESTAMP) {
      b = Timestamp.builder();
    } else if (type == LegacySQLTypeName.DATE) {
      b = org.apache.kafka.connect.data.Date.builder();
    } else if (type == LegacySQLTypeName.TIME) {
      b = SchemaBuilder.int64().name(MICRO_TIME);
    } else if (type == LegacySQLTypeName.DATETIME) {
      b = SchemaBuilder.int64().name(MICRO_TIMESTAMP);
    } else if (type == LegacySQLTypeName.NUMERIC) {
      b = Decimal.builder(9);
    } else if (type == LegacySQLTypeName.BIGNUMERIC) {
      b = Decimal.builder(38);
    } else if (type == LegacySQLTypeName.JSON) {
      b = SchemaBuilder.string().name(JSON_TEXT);
    } else {
      b = SchemaBuilder.string(); // STRING, GEOGRAPHY, INTERVAL: text
    }
    if (f.getMode() == Field.Mode.REPEATED) {
      return SchemaBuilder.array(b.build()).optional().build();
    }
    return f.getMode() == Field.Mode.REQUIRED ? b.build() : b.optional().build();
  }

  /** The map as a row of the table; a key that is no column, or a value its column cannot take, fails. */
  Struct toStruct(Map<?, ?> value) {
    return struct(schema, value, "");
  }

  private static Struct struct(Schema s, Map<?, ?> value, String path) {
    Struct out = new Struct(s);
    for (Map.Entry<?, ?> e : value.entrySet()) {
      String key = String.valueOf(e.getKey());
      org.apache.kafka.connect.data.Field f = field(s, key);
      if (f == null) {
        throw new DataException("field " + path + key + " is no column of the table");
      }
      out.put(f, convert(f.schema(), e.getValue(), path + key));
    }
    return out;
  }

  private static org.apache.kafka.connect.data.Field field(Schema s, String key) {
    org.apache.kafka.connect.data.Field f = s.field(key);
    if (f != null) {
      return f;
    }
    String column = ColumnNames.column(key);
    for (org.apache.kafka.connect.data.Field c : s.fields()) {
      if (c.name().equalsIgnoreCase(column)) {
        return c;
      }
    }
    return null;
  }

  private static Object convert(Schema s, Object v, String path) {
    if (v == null) {
      return null;
    }
    try {
      String logical = s.name() == null ? "" : s.name();
      switch (logical) {
        case Timestamp.LOGICAL_NAME -> {
          return v instanceof Number n ? new Date(n.longValue())
              : Date.from(v.toString().endsWith("Z") ? Instant.parse(v.toString())
                  : OffsetDateTime.parse(v.toString()).toInstant());
        }
        case org.apache.kafka.connect.data.Date.LOGICAL_NAME -> {
          long days = v instanceof Number n ? n.longValue() : LocalDate.parse(v.toString()).toEpochDay();
          return new Date(days * 86_400_000L);
        }
        case MICRO_TIME -> {
          return v instanceof Number n ? n.longValue() : LocalTime.parse(v.toString()).toNanoOfDay() / 1_000;
        }
        case MICRO_TIMESTAMP -> {
          if (v instanceof Number n) {
            return n.longValue();
          }
          LocalDateTime t = LocalDateTime.parse(v.toString().replace(' ', 'T'));
          return t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1_000;
        }
        case Decimal.LOGICAL_NAME -> {
          return new BigDecimal(v.toString());
        }
        case JSON_TEXT -> {
          return v instanceof String text ? text : JSON.writeValueAsString(v);
        }
        default -> {
          // by type
        }
      }
      return switch (s.type()) {
        case INT64 -> v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
        case FLOAT64 -> v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString());
        case BOOLEAN -> v instanceof Boolean b ? b : bool(v.toString());
        case BYTES -> v instanceof byte[] ? v : Base64.getDecoder().decode(v.toString());
        case STRUCT -> struct(s, map(v), path + ".");
        case ARRAY -> {
          List<Object> items = new ArrayList<>();
          for (Object item : (Collection<?>) v) {
            items.add(convert(s.valueSchema(), item, path + "[]"));
          }
          yield items;
        }
        default -> {
          if (v instanceof Map<?, ?> || v instanceof Collection<?>) {
            throw new DataException("field " + path + " holds a " + (v instanceof Map ? "map" : "list")
                + ", not text");
          }
          yield v.toString();
        }
      };
    } catch (ClassCastException | NumberFormatException | DateTimeParseException | JsonProcessingException e) {
      throw new DataException("field " + path + ": " + v + " does not fit its column (" + s.type()
          + (s.name() == null ? "" : " " + s.name()) + "): " + e.getMessage(), e);
    }
  }

  private static Map<?, ?> map(Object v) {
    if (v instanceof Map<?, ?> m) {
      return m;
    }
    throw new ClassCastException("a " + v.getClass().getSimpleName() + " is no record");
  }

  private static boolean bool(String s) {
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new NumberFormatException("not a boolean: " + s);
  }
}
