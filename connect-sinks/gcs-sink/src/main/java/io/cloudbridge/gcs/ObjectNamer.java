package io.cloudbridge.gcs;

import io.cloudbridge.common.config.TimePatterns;
import io.cloudbridge.gcs.GcsSinkConfig.TimestampSource;
import io.cloudbridge.staging.format.RecordWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Object names from the {@code file.name.template}: the template is parsed once into literal and variable parts,
 * then each record renders its name. Every part but {@code {{start_offset}}} and {@code {{end_offset}}} comes from
 * the record, so the records of one Kafka partition that render the same {@link #groupKey} share an open object,
 * and the object's name is that key with the offsets of its first (and last) record.
 */
final class ObjectNamer {

  private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([a-zA-Z_]+)([.:][^}]*)?\\s*}}");
  private static final char OFFSET_MARK = '\u0000';
  private static final char END_MARK = '\u0001';
  private static final int MAX_NAME_BYTES = 1024;

  private enum Kind { LITERAL, TOPIC, PARTITION, START_OFFSET, END_OFFSET, TIMESTAMP, VALUE, KEY, HEADER }

  private record Part(Kind kind, String text, boolean padded, DateTimeFormatter time, String[] path) {}

  private final List<Part> parts;
  private final boolean endOffset;
  private final String extension;
  private final TimestampSource timeSource;
  private final String[] timeField;

  ObjectNamer(GcsSinkConfig config, String extension) {
    this.parts = parse(config.template(), config.timezone());
    this.endOffset = parts.stream().anyMatch(p -> p.kind == Kind.END_OFFSET);
    this.extension = extension;
    this.timeSource = config.timestampSource();
    this.timeField = config.timestampField().isBlank() ? new String[0] : config.timestampField().split("\\.");
  }

  /** Rejects a template that is malformed, or that could give two open objects one name. */
  static void check(String template) {
    List<Part> parts = parse(template, ZoneId.of("UTC"));
    for (Kind required : new Kind[] {Kind.TOPIC, Kind.PARTITION, Kind.START_OFFSET}) {
      if (parts.stream().noneMatch(p -> p.kind == required)) {
        throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "must contain {{" + required.name()
            .toLowerCase() + "}}: {{topic}}, {{partition}} and {{start_offset}} together make each object's name"
            + " unique, so that no two open objects share one and a replay rewrites the same names");
      }
    }
  }

  private static List<Part> parse(String template, ZoneId zone) {
    if (template.chars().anyMatch(Character::isISOControl)) {
      throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "control characters (line feeds, tabs, …) do not"
          + " belong in GCS object names");
    }
    List<Part> parts = new ArrayList<>();
    Matcher m = VARIABLE.matcher(template);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) {
        parts.add(literal(template.substring(at, m.start()), template));
      }
      parts.add(variable(m.group(1), m.group(2) == null ? "" : m.group(2).trim(), zone, template));
      at = m.end();
    }
    if (at < template.length()) {
      parts.add(literal(template.substring(at), template));
    }
    return parts;
  }

  private static Part literal(String text, String template) {
    if (text.contains("{{") || text.contains("}}")) {
      throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "unknown or unclosed variable near '" + text + "'");
    }
    return new Part(Kind.LITERAL, text, false, null, null);
  }

  private static Part variable(String name, String arg, ZoneId zone, String template) {
    boolean padded = arg.equals(":padding=true");
    switch (name) {
      case "topic":
        return new Part(Kind.TOPIC, null, false, null, null);
      case "partition":
      case "start_offset":
      case "end_offset":
        if (!arg.isEmpty() && !padded && !arg.equals(":padding=false")) {
          throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "{{" + name + arg + "}}: only :padding=true"
              + " or :padding=false may follow " + name);
        }
        Kind kind = switch (name) {
          case "partition" -> Kind.PARTITION;
          case "start_offset" -> Kind.START_OFFSET;
          default -> Kind.END_OFFSET;
        };
        return new Part(kind, null, padded, null, null);
      case "timestamp":
        if (!arg.startsWith(":") || arg.length() < 2) {
          throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "{{timestamp}} needs a pattern, e.g."
              + " {{timestamp:yyyy}}");
        }
        try {
          return new Part(Kind.TIMESTAMP, null, false, TimePatterns.compile(arg.substring(1)).withZone(zone), null);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "bad time pattern " + arg.substring(1) + ": "
              + e.getMessage());
        }
      case "value":
      case "key":
      case "header":
        if (!arg.isEmpty() && !arg.startsWith(".")) {
          throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "{{" + name + arg + "}}: expected {{" + name
              + ".<path>}}");
        }
        if (name.equals("value") && arg.length() < 2 || name.equals("header") && arg.length() < 2) {
          throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "{{" + name + "}} needs a field or header"
              + " name, e.g. {{" + name + ".type}}");
        }
        Kind field = name.equals("value") ? Kind.VALUE : name.equals("key") ? Kind.KEY : Kind.HEADER;
        String[] path = arg.isEmpty() ? new String[0]
            : field == Kind.HEADER ? new String[] {arg.substring(1)} : arg.substring(1).split("\\.");
        return new Part(field, null, false, null, path);
      default:
        throw new ConfigException(GcsSinkConfig.TEMPLATE, template, "unknown variable {{" + name + "}}; known:"
            + " topic, partition, start_offset, end_offset, timestamp, value, key, header");
    }
  }

  /** The name every part renders for this record, with a mark where the start offset goes. */
  String groupKey(SinkRecord record, long wallClockMillis) {
    StringBuilder b = new StringBuilder();
    for (Part p : parts) {
      switch (p.kind) {
        case LITERAL -> b.append(p.text);
        case TOPIC -> b.append(record.topic());
        case PARTITION -> b.append(p.padded ? String.format("%010d", record.kafkaPartition())
            : record.kafkaPartition().toString());
        case START_OFFSET -> b.append(OFFSET_MARK).append(p.padded ? '1' : '0');
        case END_OFFSET -> b.append(END_MARK).append(p.padded ? '1' : '0');
        case TIMESTAMP -> b.append(formatTime(p.time, time(record, wallClockMillis), record));
        case VALUE -> b.append(nameSafe(field(record.value(), p.path, record, "value")));
        case KEY -> b.append(nameSafe(field(record.key(), p.path, record, "key")));
        case HEADER -> b.append(nameSafe(header(record, p.path[0])));
      }
    }
    String key = b.toString();
    checkGcsAccepts(key, record);
    return key;
  }

  /**
   * GCS takes object names of 1 to 1024 UTF-8 bytes, not "." or "..", not under .well-known/acme-challenge/ (see
   * cloud.google.com/storage/docs/objects#naming); a record whose name breaks that goes to the dead-letter topic.
   */
  private void checkGcsAccepts(String groupKey, SinkRecord record) {
    String longest = name(groupKey, Long.MAX_VALUE, Long.MAX_VALUE);
    int bytes = longest.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    String shortest = name(groupKey, 0, 0);
    if (bytes > MAX_NAME_BYTES) {
      throw new DataException(RecordWriter.describe(record) + ": its object name would be " + bytes
          + " bytes; GCS takes at most " + MAX_NAME_BYTES);
    }
    if (shortest.equals(".") || shortest.equals("..") || shortest.startsWith(".well-known/acme-challenge/")) {
      throw new DataException(RecordWriter.describe(record) + ": GCS refuses the object name " + shortest);
    }
  }

  private static String formatTime(DateTimeFormatter format, long millis, SinkRecord record) {
    try {
      return format.format(Instant.ofEpochMilli(millis));
    } catch (RuntimeException e) {
      // DateTimeException: a time the pattern's pads cannot hold (a year far from now); anything else the JDK's
      // printers throw for one time must fail this record, not the task
      throw new DataException(RecordWriter.describe(record) + ": its time cannot be printed for the object name: "
          + e.getMessage(), e);
    }
  }

  /** True if names hold {{end_offset}}: an object's name is known only once its last record is. */
  boolean hasEndOffset() {
    return endOffset;
  }

  /** The object name for a group key whose first record has {@code startOffset} (no {{end_offset}} in it). */
  String name(String groupKey, long startOffset) {
    return name(groupKey, startOffset, -1);
  }

  /**
   * The object name for a group key whose records run from {@code startOffset} to {@code endOffset}; an end of -1
   * renders {{end_offset}} as {@code _}, a name for the object while it is being written.
   */
  String name(String groupKey, long startOffset, long endOffset) {
    StringBuilder b = new StringBuilder(groupKey.length() + 24);
    for (int i = 0; i < groupKey.length(); i++) {
      char c = groupKey.charAt(i);
      if (c == OFFSET_MARK || c == END_MARK) {
        boolean padded = groupKey.charAt(++i) == '1';
        long offset = c == OFFSET_MARK ? startOffset : endOffset;
        b.append(offset < 0 ? "_" : padded ? String.format("%020d", offset) : Long.toString(offset));
      } else {
        b.append(c);
      }
    }
    return b.append(extension).toString();
  }

  private long time(SinkRecord record, long wallClockMillis) {
    return switch (timeSource) {
      case WALLCLOCK -> wallClockMillis;
      case RECORD -> {
        if (record.timestamp() == null) {
          throw new DataException(RecordWriter.describe(record) + " has no timestamp for {{timestamp:...}} in the object name");
        }
        yield record.timestamp();
      }
      case FIELD -> {
        Object v = resolve(record.value(), timeField);
        if (v instanceof Number n) {
          yield n.longValue();
        }
        if (v instanceof Date d) {
          yield d.getTime();
        }
        if (v instanceof String s) {
          try {
            yield OffsetDateTime.parse(s).toInstant().toEpochMilli();
          } catch (DateTimeParseException notOffset) {
            try {
              yield Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
              throw new DataException(RecordWriter.describe(record) + ": time field " + String.join(".", timeField) + " '" + s
                  + "' is not an ISO-8601 time");
            }
          }
        }
        throw new DataException(RecordWriter.describe(record) + ": time field " + String.join(".", timeField)
            + (v == null ? " is missing or null" : " is a " + v.getClass().getSimpleName() + ", not a time"));
      }
    };
  }

  private static String field(Object root, String[] path, SinkRecord record, String what) {
    Object v = resolve(root, path);
    if (v == MISSING) {
      throw new DataException(RecordWriter.describe(record) + " has no " + what + " field " + String.join(".", path)
          + " for the object name");
    }
    return String.valueOf(v);
  }

  private static final Object MISSING = new Object();

  private static Object resolve(Object root, String[] path) {
    Object v = root;
    for (String part : path) {
      if (v instanceof Struct s) {
        Field f = s.schema().field(part);
        if (f == null) {
          return MISSING;
        }
        v = s.get(f);
      } else if (v instanceof Map<?, ?> m) {
        if (!m.containsKey(part)) {
          return MISSING;
        }
        v = m.get(part);
      } else {
        return MISSING;
      }
    }
    return v;
  }

  private static String header(SinkRecord record, String name) {
    Header h = record.headers().lastWithName(name);
    if (h == null) {
      throw new DataException(RecordWriter.describe(record) + " has no header " + name + " for the object name");
    }
    return h.value() instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
        : String.valueOf(h.value());
  }

  /** A '/' inside a value would add a directory level; it becomes '_'. */
  /**
   * A field or header value as one part of an object name: '/' (which would add a level), control characters (GCS
   * refuses CR and LF, XML listings choke on others, and two of them mark offsets in group keys) and unpaired
   * surrogates (not Unicode, so not UTF-8) become '_'.
   */
  private static String nameSafe(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
      boolean bad = c == '/' || Character.isISOControl(c) || (Character.isSurrogate(c) && !pair);
      if (bad && b == null) {
        b = new StringBuilder(s.length()).append(s, 0, i);
      }
      if (b != null) {
        b.append(bad ? '_' : c);
        if (pair) {
          b.append(s.charAt(++i));
        }
      } else if (pair) {
        i++;
      }
    }
    return b == null ? s : b.toString();
  }
}
