package io.cloudbridge.smt;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.TimePatterns;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Builds a partition key or Hive-style path from a template of the record's fields and the time units of a chosen
 * timestamp, e.g. {@code content_type=${value.content_type}/year=${time:yyyy}/month=${time:MM}/day=${time:dd}}, and
 * writes it to the key, a header or a value field; optionally routes the topic by a second template, and hashes the
 * built key into N buckets (Kafka's murmur2, so the same key always lands in the same bucket).
 *
 * <p>Template references: {@code ${value.a.b}}, {@code ${key}}, {@code ${key.a}}, {@code ${header.name}},
 * {@code ${topic}}, {@code ${partition}}, {@code ${time:<DateTimeFormatter pattern>}}; {@code \$} is a literal dollar.
 */
public class PartitionKey<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

  public static final String OVERVIEW_DOC = "Builds a partition key or Hive-style path from record fields and time"
      + " units (record timestamp, a field, or wall clock, in a time zone) and writes it to the key, a header or a"
      + " value field; optional topic routing and stable hashing into N buckets.";

  public static final String TEMPLATE = "template";
  public static final String TOPIC_TEMPLATE = "topic.template";
  public static final String TIMESTAMP_SOURCE = "timestamp.source";
  public static final String TIMESTAMP_FIELD = "timestamp.field";
  public static final String TIMESTAMP_UNIT = "timestamp.unit";
  public static final String TIMESTAMP_PATTERN = "timestamp.pattern";
  public static final String TIMEZONE = "timezone";
  public static final String TARGET = "target";
  public static final String TARGET_NAME = "target.name";
  public static final String BUCKETS = "buckets";
  public static final String ON_MISSING = "on.missing";
  public static final String ON_NULL = "on.null";
  public static final String NULL_TEXT = "null.text";

  /** Where the time units come from. */
  public enum TimestampSource { RECORD, FIELD, WALLCLOCK }

  /** The unit of a numeric timestamp field. */
  public enum Unit { SECONDS, MILLISECONDS, MICROSECONDS, NANOSECONDS }

  /** Where the built key goes. */
  public enum Target { KEY, KEY_STRUCT, HEADER, VALUE_FIELD }

  public static final ConfigDef CONFIG_DEF = new ConfigDef()
      .define(TEMPLATE, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
          "The key to build: text with ${value.<path>}, ${key}, ${key.<path>}, ${header.<name>}, ${topic},"
              + " ${partition} and ${time:<pattern>} (java.time DateTimeFormatter, e.g. yyyy, MM, dd, HH; week-based"
              + " letters Y w W e c, F and B are refused: they print differently per locale or Java version; names of"
              + " months and days print in English).")
      .define(TOPIC_TEMPLATE, Type.STRING, "", Importance.MEDIUM,
          "When set, the record's new topic, from the same references (e.g. ${topic}-${time:yyyy-MM}).")
      .define(TIMESTAMP_SOURCE, Type.STRING, "record", EnumChoice.of(TimestampSource.values()), Importance.MEDIUM,
          "The time of ${time:...}: the record's timestamp, a field (" + TIMESTAMP_FIELD + "), or the wall clock.")
      .define(TIMESTAMP_FIELD, Type.STRING, "", Importance.MEDIUM,
          "field source: value.<path> or key.<path> of a number (" + TIMESTAMP_UNIT + "), a Connect Timestamp, or"
              + " text (" + TIMESTAMP_PATTERN + ", ISO-8601 when empty).")
      .define(TIMESTAMP_UNIT, Type.STRING, "milliseconds", EnumChoice.of(Unit.values()), Importance.LOW,
          "Unit of a numeric timestamp field since the epoch.")
      .define(TIMESTAMP_PATTERN, Type.STRING, "", Importance.LOW,
          "Pattern of a text timestamp field (DateTimeFormatter, English month and day names); empty for ISO-8601 (with offset, Z, or local"
              + " in " + TIMEZONE + ").")
      .define(TIMEZONE, Type.STRING, "UTC", ConfigDef.LambdaValidator.with((name, value) -> {
        try {
          ZoneId.of(value.toString());
        } catch (DateTimeException e) {
          throw new ConfigException(name, value, "not a time zone: " + e.getMessage());
        }
      }, () -> "a time zone id, e.g. UTC or Asia/Kathmandu"), Importance.MEDIUM, "Time zone of the time units, e.g. UTC or Asia/Kathmandu.")
      .define(TARGET, Type.STRING, "header", EnumChoice.of(Target.values()), Importance.HIGH,
          "Where the built key goes: key (a string key), key_struct (a struct key with one field, "
              + TARGET_NAME + "), header (" + TARGET_NAME + "), or value_field (a top-level field " + TARGET_NAME
              + " of the value, added when missing).")
      .define(TARGET_NAME, Type.STRING, "partition_key", Importance.MEDIUM, "Header or field name of the key.")
      .define(BUCKETS, Type.INT, 0, ConfigDef.Range.atLeast(0), Importance.LOW,
          "When above 0, the built key is hashed (murmur2) into a bucket 0..N-1, and the bucket is written.")
      .define(ON_MISSING, Type.STRING, "fail", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When a referenced field is missing: fail, passthrough (the record unchanged), or null (" + NULL_TEXT
              + " in its place). A tombstone passes through unchanged when the templates read the value.")
      .define(ON_NULL, Type.STRING, "null", EnumChoice.of(Absent.values()), Importance.MEDIUM,
          "When a referenced field is null: fail, passthrough, or null (" + NULL_TEXT + " in its place).")
      .define(NULL_TEXT, Type.STRING, "__HIVE_DEFAULT_PARTITION__", Importance.LOW,
          "Text for a missing or null reference under the null rule (Hive's default partition name).");

  /** A piece of a template: literal text, or a reference resolved per record. */
  private interface Part {
    void append(StringBuilder out, ConnectRecord<?> r, ZonedDateTime[] time);
  }

  /** Thrown inside rendering when a reference is absent and its rule says passthrough. */
  private static final class PassThrough extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PassThrough() {
      super(null, null, false, false);
    }
  }

  private List<Part> template;
  private List<Part> topicTemplate;
  private TimestampSource timestampSource;
  private Reference timestampField;
  private Unit unit;
  private DateTimeFormatter timestampPattern;
  private ZoneId zone;
  private Target target;
  private String targetName;
  private int buckets;
  private Absent onMissing;
  private Absent onNull;
  private String nullText;
  private final Map<Schema, Schema> withTarget = new ConcurrentHashMap<>();
  private Schema keyStruct;
  /** Whether a template or the timestamp reads the value: then a tombstone passes through unchanged. */
  private boolean readsValue;

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public ConfigDef config() {
    return CONFIG_DEF;
  }

  @Override
  public void configure(Map<String, ?> props) {
    AbstractConfig c = new AbstractConfig(CONFIG_DEF, props);
    zone = ZoneId.of(c.getString(TIMEZONE));
    readsValue = false;
    template = parse(TEMPLATE, c.getString(TEMPLATE));
    topicTemplate = c.getString(TOPIC_TEMPLATE).isEmpty() ? null : parse(TOPIC_TEMPLATE, c.getString(TOPIC_TEMPLATE));
    timestampSource = EnumChoice.parse(TimestampSource.class, c.getString(TIMESTAMP_SOURCE));
    if (timestampSource == TimestampSource.FIELD) {
      if (c.getString(TIMESTAMP_FIELD).isEmpty()) {
        throw new ConfigException(TIMESTAMP_FIELD, "", "timestamp.source=field needs the field");
      }
      timestampField = reference(TIMESTAMP_FIELD, c.getString(TIMESTAMP_FIELD));
      readsValue |= timestampField.where().equals("value");
    }
    unit = EnumChoice.parse(Unit.class, c.getString(TIMESTAMP_UNIT));
    try {
      timestampPattern = c.getString(TIMESTAMP_PATTERN).isEmpty() ? null
          : DateTimeFormatter.ofPattern(c.getString(TIMESTAMP_PATTERN), Locale.US).withZone(zone);
    } catch (IllegalArgumentException | ClassCastException e) { // the JDK throws the latter on some padded patterns
      throw new ConfigException(TIMESTAMP_PATTERN, c.getString(TIMESTAMP_PATTERN), e.getMessage());
    }
    target = EnumChoice.parse(Target.class, c.getString(TARGET));
    targetName = c.getString(TARGET_NAME);
    keyStruct = SchemaBuilder.struct().name("cloudbridge.PartitionKey").field(targetName, Schema.STRING_SCHEMA).build();
    buckets = c.getInt(BUCKETS);
    onMissing = Absent.parse(c.getString(ON_MISSING));
    onNull = Absent.parse(c.getString(ON_NULL));
    nullText = c.getString(NULL_TEXT);
  }

  /** A field the template reads: where (key, value, header) and its path. */
  private record Reference(String where, FieldPath path, String text) {}

  private static Reference reference(String setting, String ref) {
    try {
      if (ref.equals("key") || ref.equals("value")) {
        return new Reference(ref, FieldPath.parse(""), ref);
      }
      if (ref.startsWith("key.") || ref.startsWith("value.")) {
        int dot = ref.indexOf('.');
        return new Reference(ref.substring(0, dot), FieldPath.parse(ref.substring(dot + 1)), ref);
      }
      if (ref.startsWith("header.") && ref.length() > "header.".length()) {
        return new Reference("header", null, ref);
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting, ref, "not a usable time pattern: " + e.getMessage());
    }
    throw new ConfigException(setting, ref, "a reference is key, key.<path>, value.<path>, header.<name>, topic,"
        + " partition or time:<pattern>");
  }

  private List<Part> parse(String setting, String text) {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
        literal.append('$');
        i++;
      } else if (ch == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i);
        if (end < 0) {
          throw new ConfigException(setting, text, "'${' at " + i + " is not closed");
        }
        if (literal.length() > 0) {
          String l = literal.toString();
          parts.add((out, r, t) -> out.append(l));
          literal.setLength(0);
        }
        parts.add(part(setting, text.substring(i + 2, end)));
        i = end;
      } else {
        literal.append(ch);
      }
    }
    if (literal.length() > 0) {
      String l = literal.toString();
      parts.add((out, r, t) -> out.append(l));
    }
    return parts;
  }

  private Part part(String setting, String ref) {
    if (ref.equals("topic")) {
      return (out, r, t) -> out.append(r.topic());
    }
    if (ref.equals("partition")) {
      return (out, r, t) -> out.append(r.kafkaPartition());
    }
    if (ref.startsWith("time:")) {
      DateTimeFormatter f;
      try {
        f = TimePatterns.compile(ref.substring(5));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(setting, ref, "not a usable time pattern: " + e.getMessage());
      }
      return (out, r, t) -> {
        String printed;
        try {
          if (t[0] == null) {
            t[0] = time(r).atZone(zone);
          }
          printed = f.format(t[0]);
        } catch (DataException e) {
          throw e;
        } catch (RuntimeException e) {
          // DateTimeException: a time beyond the zone's range, or one the pattern's pads cannot hold (a year far from
          // now); anything else the JDK's printers throw for one time must fail this record, not the task
          throw new DataException("the record's time cannot be printed with ${" + ref + "}: " + e.getMessage(), e);
        }
        out.append(printed);
      };
    }
    Reference reference = reference(setting, ref);
    readsValue |= reference.where().equals("value");
    return (out, r, t) -> out.append(text(resolve(reference, r), reference));
  }

  private static Object resolve(Reference ref, ConnectRecord<?> r) {
    if (ref.where().equals("header")) {
      Header h = r.headers().lastWithName(ref.text().substring("header.".length()));
      return h == null ? FieldPath.MISSING : h.value();
    }
    Object root = ref.where().equals("key") ? r.key() : r.value();
    if (root == null && !ref.path().isRoot()) {
      return FieldPath.MISSING; // a tombstone, or no key
    }
    return ref.path().get(root);
  }

  private String text(Object v, Reference ref) {
    if (v == FieldPath.MISSING || v == null) {
      Absent rule = v == null ? onNull : onMissing;
      switch (rule) {
        case FAIL -> throw new DataException(ref.text() + " is " + (v == null ? "null" : "missing"));
        case PASSTHROUGH -> throw new PassThrough();
        default -> {
          return nullText;
        }
      }
    }
    if (v instanceof Struct || v instanceof Map || v instanceof List) {
      throw new DataException(ref.text() + " is a " + (v instanceof List ? "list" : "record")
          + ", not a value to put in a key");
    }
    if (v instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    if (v instanceof Date d) {
      return d.toInstant().toString();
    }
    return v.toString();
  }

  /** The time of ${time:...} for this record. */
  private Instant time(ConnectRecord<?> r) {
    switch (timestampSource) {
      case WALLCLOCK -> {
        return Instant.now();
      }
      case RECORD -> {
        if (r.timestamp() == null) {
          throw new DataException("the record has no timestamp (use timestamp.source=field or wallclock)");
        }
        return Instant.ofEpochMilli(r.timestamp());
      }
      default -> {
        Object v = resolve(timestampField, r);
        if (v == FieldPath.MISSING || v == null) {
          text(v, timestampField); // fails or passes through as the rules say
          throw new DataException(timestampField.text() + " is " + (v == null ? "null" : "missing")
              + " and a time cannot be made of " + nullText);
        }
        try {
          return instant(v);
        } catch (DateTimeException | ArithmeticException e) {
          throw new DataException(timestampField.text() + " (" + v + ") is not a time: " + e.getMessage());
        }
      }
    }
  }

  private Instant instant(Object v) {
    if (v instanceof Date d) {
      return d.toInstant();
    }
    if (v instanceof Number n) {
      long x = n.longValue();
      return switch (unit) {
        case SECONDS -> Instant.ofEpochSecond(x);
        case MILLISECONDS -> Instant.ofEpochMilli(x);
        case MICROSECONDS -> Instant.ofEpochSecond(Math.floorDiv(x, 1_000_000L), Math.floorMod(x, 1_000_000L) * 1000);
        case NANOSECONDS -> Instant.ofEpochSecond(Math.floorDiv(x, 1_000_000_000L), Math.floorMod(x, 1_000_000_000L));
      };
    }
    String s = v.toString();
    if (timestampPattern != null) {
      return timestampPattern.parse(s, Instant::from);
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeException withoutOffset) {
      return LocalDateTime.parse(s).atZone(zone).toInstant();
    }
  }

  private String render(List<Part> parts, R record, ZonedDateTime[] time) {
    StringBuilder out = new StringBuilder();
    for (Part p : parts) {
      p.append(out, record, time);
    }
    return out.toString();
  }

  @Override
  public R apply(R record) {
    if (record.value() == null && readsValue) {
      return record; // a tombstone keeps the key a compacted topic knows it by
    }
    ZonedDateTime[] time = new ZonedDateTime[1];
    String key;
    String topic;
    try {
      key = render(template, record, time);
      topic = topicTemplate == null ? record.topic() : render(topicTemplate, record, time);
    } catch (PassThrough p) {
      return record;
    } catch (DataException e) {
      throw new DataException(Records.describe(record) + ": " + e.getMessage(), e);
    }
    if (buckets > 0) {
      key = Integer.toString(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % buckets);
    }
    Headers headers = record.headers();
    return switch (target) {
      case KEY -> record.newRecord(topic, record.kafkaPartition(), Schema.STRING_SCHEMA, key, record.valueSchema(),
          record.value(), record.timestamp(), headers);
      case KEY_STRUCT -> record.newRecord(topic, record.kafkaPartition(), keyStruct,
          new Struct(keyStruct).put(targetName, key), record.valueSchema(), record.value(), record.timestamp(), headers);
      case HEADER -> {
        Headers h = headers.duplicate();
        h.remove(targetName);
        h.addString(targetName, key);
        yield record.newRecord(topic, record.kafkaPartition(), record.keySchema(), record.key(), record.valueSchema(),
            record.value(), record.timestamp(), h);
      }
      case VALUE_FIELD -> withValueField(record, topic, key);
    };
  }

  private R withValueField(R record, String topic, String key) {
    Object value = record.value();
    if (value instanceof Struct s) {
      if (withTarget.size() > 1_000) {
        withTarget.clear(); // bounded
      }
      Schema schema = withTarget.computeIfAbsent(s.schema(), this::addTarget);
      Struct out = new Struct(schema);
      for (Field f : s.schema().fields()) {
        if (!f.name().equals(targetName)) {
          out.put(f.name(), s.get(f));
        }
      }
      out.put(targetName, key);
      return record.newRecord(topic, record.kafkaPartition(), record.keySchema(), record.key(), schema, out,
          record.timestamp(), record.headers());
    }
    if (value instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>(m);
      out.put(targetName, key);
      return record.newRecord(topic, record.kafkaPartition(), record.keySchema(), record.key(), null, out,
          record.timestamp(), record.headers());
    }
    throw new DataException(Records.describe(record) + ": target value_field needs a struct or map value, not "
        + (value == null ? "a tombstone" : value.getClass().getSimpleName()));
  }

  /** The value schema with the target field as an optional string (replacing a field of that name). */
  private Schema addTarget(Schema schema) {
    SchemaBuilder b = SchemaBuilder.struct().name(schema.name()).version(schema.version()).doc(schema.doc());
    if (schema.isOptional()) {
      b.optional();
    }
    for (Field f : schema.fields()) {
      if (!f.name().equals(targetName)) {
        b.field(f.name(), f.schema());
      }
    }
    return b.field(targetName, Schema.OPTIONAL_STRING_SCHEMA).build();
  }

  @Override
  public void close() {
  }
}
