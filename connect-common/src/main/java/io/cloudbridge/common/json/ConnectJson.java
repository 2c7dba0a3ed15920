package io.cloudbridge.common.json;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect values as JSON, in the forms a BigQuery load job reads: Decimal as a plain number, Date as
 * {@code yyyy-MM-dd}, Time as {@code HH:mm:ss.SSSSSS}, Timestamp as an RFC 3339 UTC time, bytes as base64. Debezium's
 * time types (days, millis, micros, nanos since the epoch or midnight) become the same forms (its Timestamp types,
 * which carry no zone, as DATETIME), and its variable-scale decimal a plain number.
 */
public final class ConnectJson {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS");
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private static final com.fasterxml.jackson.core.JsonFactory FACTORY = new com.fasterxml.jackson.core.JsonFactory();

  private ConnectJson() {}

  /** One value as JSON text (a string as a JSON string, in quotes). */
  public static String text(Schema schema, Object value) {
    java.io.StringWriter out = new java.io.StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, schema, value);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // only a StringWriter is written
    }
    return out.toString();
  }

  /** Writes one value; {@code schema} may be null (a schemaless value). */
  public static void write(JsonGenerator g, Schema schema, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
      return;
    }
    if (schema != null && schema.name() != null && logical(g, schema.name(), value)) {
      return;
    }
    if (value instanceof Struct s) {
      g.writeStartObject();
      for (Field f : s.schema().fields()) {
        g.writeFieldName(f.name());
        write(g, f.schema(), s.get(f));
      }
      g.writeEndObject();
    } else if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, schema == null ? null : schema.valueSchema(), e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof Collection<?> c) {
      g.writeStartArray();
      for (Object o : c) {
        write(g, schema == null ? null : schema.valueSchema(), o);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      g.writeNumber(((Number) value).intValue());
    } else if (value instanceof Long l) {
      g.writeNumber(l);
    } else if (value instanceof Double d) {
      g.writeNumber(d);
    } else if (value instanceof Float f) {
      g.writeNumber(f);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof BigDecimal d) {
      g.writeNumber(d.toPlainString());
    } else if (value instanceof byte[] b) {
      g.writeString(Base64.getEncoder().encodeToString(b));
    } else if (value instanceof ByteBuffer b) {
      byte[] bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
      g.writeString(Base64.getEncoder().encodeToString(bytes));
    } else if (value instanceof Date d) {
      g.writeString(TIMESTAMP.format(d.toInstant()));
    } else {
      throw new DataException("cannot write a " + value.getClass().getName() + " as JSON");
    }
  }

  /** Writes a value of a logical type it knows; false for any other. */
  private static boolean logical(JsonGenerator g, String name, Object value) throws IOException {
    switch (name) {
      case "org.apache.kafka.connect.data.Decimal" -> g.writeNumber(((BigDecimal) value).toPlainString());
      case "org.apache.kafka.connect.data.Date" ->
          g.writeString(LocalDate.ofInstant(((Date) value).toInstant(), ZoneOffset.UTC).toString());
      case "org.apache.kafka.connect.data.Time" ->
          g.writeString(TIME.format(LocalTime.ofNanoOfDay(((Date) value).getTime() * 1_000_000L)));
      case "org.apache.kafka.connect.data.Timestamp" -> g.writeString(TIMESTAMP.format(((Date) value).toInstant()));
      case "io.debezium.time.Date" -> g.writeString(LocalDate.ofEpochDay(((Number) value).longValue()).toString());
      case "io.debezium.time.Time" ->
          g.writeString(TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000L)));
      case "io.debezium.time.MicroTime" ->
          g.writeString(TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000L)));
      case "io.debezium.time.NanoTime" -> g.writeString(TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue())));
      case "io.debezium.time.Timestamp" -> g.writeString(DATETIME.format(dateTime(((Number) value).longValue(), 1_000)));
      case "io.debezium.time.MicroTimestamp" ->
          g.writeString(DATETIME.format(dateTime(((Number) value).longValue(), 1_000_000)));
      case "io.debezium.time.NanoTimestamp" ->
          g.writeString(DATETIME.format(dateTime(((Number) value).longValue(), 1_000_000_000)));
      case "io.debezium.data.VariableScaleDecimal" -> {
        Struct s = (Struct) value;
        BigDecimal d = new BigDecimal(new BigInteger((byte[]) s.get("value")), s.getInt32("scale"));
        g.writeNumber(d.toPlainString());
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** A zone-less date-time from units since the epoch. */
  private static LocalDateTime dateTime(long units, long perSecond) {
    long seconds = Math.floorDiv(units, perSecond);
    long nanos = Math.floorMod(units, perSecond) * (1_000_000_000L / perSecond);
    return LocalDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.UTC);
  }
}
