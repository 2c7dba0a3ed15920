package io.cloudbridge.s3events;

import io.cloudbridge.common.config.RecordTimestamps;
import io.cloudbridge.common.config.TopicTemplate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Kafka records of an object: topic (fixed or from the bucket and key), key (object key, a field of
 * the value, or none), the timestamp (the producer's unless timestamp.source=event_time), and headers naming where
 * the record came from.
 */
final class RecordBuilder {

  static final String H_BUCKET = "s3.bucket";
  static final String H_KEY = "s3.key";
  static final String H_VERSION = "s3.version.id";
  static final String H_ETAG = "s3.etag";
  static final String H_INDEX = "s3.record.index";
  static final String H_LINE = "s3.line";
  static final String H_EVENT_TIME = "s3.event.time";

  private static final long MAX_CLOCK_SKEW_MILLIS = 5 * 60_000L;
  private static final Logger LOG = LoggerFactory.getLogger(RecordBuilder.class);

  private final S3EventsSourceConfig config;
  private final TopicTemplate topic;
  private final String[] keyPath;
  private final boolean hBucket;
  private final boolean hKey;
  private final boolean hVersion;
  private final boolean hEtag;
  private final boolean hIndex;
  private final boolean hLine;
  private final boolean hEventTime;
  private final boolean eventTimestamps;
  private final RecordTimestamps timestamps;
  private String lastEventTime;
  private Long lastEventMillis;

  RecordBuilder(S3EventsSourceConfig config) {
    this.config = config;
    this.topic = new TopicTemplate(config.topic());
    this.keyPath = config.keyField().isEmpty() ? new String[0] : config.keyField().split("\\.");
    Set<String> wanted = config.headers();
    hBucket = wanted.contains("bucket");
    hKey = wanted.contains("key");
    hVersion = wanted.contains("version.id");
    hEtag = wanted.contains("etag");
    hIndex = wanted.contains("record.index");
    hLine = wanted.contains("line");
    hEventTime = wanted.contains("event.time");
    eventTimestamps = config.timestampSource() == S3EventsSourceConfig.TimestampSource.EVENT_TIME;
    timestamps = new RecordTimestamps(config.timestampWarnAgeMillis(), LOG);
  }

  /** The topic of an object's records. */
  String topic(ObjectEvent e) {
    String[] segments = e.key().split("/", -1);
    return topic.render(name -> switch (name) {
      case "bucket" -> e.bucket();
      case "key" -> e.key();
      default -> {
        if (name.startsWith("key.segment.")) {
          try {
            int i = Integer.parseInt(name.substring("key.segment.".length()));
            yield i >= 0 && i < segments.length && !segments[i].isEmpty() ? segments[i] : null;
          } catch (NumberFormatException notANumber) {
            yield null;
          }
        }
        yield null;
      }
    });
  }

  ObjectRecord record(NotificationHold hold, ObjectEvent e, String topic, Map<String, ?> partition,
      Map<String, ?> offset, long index, RecordReader.Parsed parsed) {
    return new ObjectRecord(hold, partition, offset, topic, Schema.OPTIONAL_STRING_SCHEMA, key(e, parsed.value()),
        parsed.schema(), parsed.value(), timestamp(e, topic), headers(e, index, parsed.line(), false));
  }

  /** A dead-letter record: the raw bytes when there are some, and headers saying what failed and why. */
  ObjectRecord deadLetter(NotificationHold hold, ObjectEvent e, Map<String, ?> partition, Map<String, ?> offset,
      long index, long line, String kind, String reason, byte[] raw) {
    // A dead-letter record says all there is about where it came from.
    ConnectHeaders h = headers(e, index, line, true);
    h.addString("cloudbridge.error.kind", kind);
    h.addString("cloudbridge.error.reason", reason);
    return new ObjectRecord(hold, partition, offset, config.deadLetterTopic(), Schema.OPTIONAL_STRING_SCHEMA,
        e.key(), Schema.OPTIONAL_BYTES_SCHEMA, raw, timestamp(e, config.deadLetterTopic()), h);
  }

  /** The Kafka timestamp: null (the producer's time) unless timestamp.source=event_time. */
  private Long timestamp(ObjectEvent e, String topic) {
    return eventTimestamps ? timestamps.check(eventMillis(e), topic, "a record of s3://" + e.bucket() + "/" + e.key())
        : null;
  }

  private Object key(ObjectEvent e, Object value) {
    return switch (config.keySource()) {
      case OBJECT_KEY -> e.key();
      case NONE -> null;
      case FIELD -> {
        Object v = value;
        for (String part : keyPath) {
          if (v instanceof Map<?, ?> map) {
            v = map.get(part);
          } else if (v instanceof Struct struct) {
            Field f = struct.schema().field(part);
            v = f == null ? null : struct.get(f);
          } else {
            v = null;
          }
        }
        yield v == null ? null : v.toString();
      }
    };
  }

  /** The event time in epoch milliseconds, or null; parsed once per object (records of an object share it). */
  Long eventMillis(ObjectEvent e) {
    if (e.eventTime() == null) {
      return null;
    }
    if (!e.eventTime().equals(lastEventTime)) {
      lastEventTime = e.eventTime();
      try {
        lastEventMillis = OffsetDateTime.parse(e.eventTime()).toInstant().toEpochMilli();
      } catch (DateTimeParseException notIso) {
        lastEventMillis = null;
      }
    }
    // A time well after now is a clock gone wrong; the broker would refuse it (log.message.timestamp.after.max.ms)
    // and fail the task, so such records take the time they are produced instead.
    return lastEventMillis != null && lastEventMillis > System.currentTimeMillis() + MAX_CLOCK_SKEW_MILLIS
        ? null : lastEventMillis;
  }

  /** The headers record.headers asks for, or all of them. */
  private ConnectHeaders headers(ObjectEvent e, long index, long line, boolean all) {
    ConnectHeaders h = new ConnectHeaders();
    addString(h, all || hBucket, H_BUCKET, e.bucket());
    addString(h, all || hKey, H_KEY, e.key());
    addString(h, all || hVersion, H_VERSION, e.versionId());
    addString(h, all || hEtag, H_ETAG, e.etag());
    if (all || hIndex) {
      h.addLong(H_INDEX, index);
    }
    if ((all || hLine) && line > 0) {
      h.addLong(H_LINE, line);
    }
    addString(h, all || hEventTime, H_EVENT_TIME, e.eventTime());
    return h;
  }

  private static void addString(ConnectHeaders h, boolean wanted, String name, String value) {
    if (wanted && value != null) {
      h.addString(name, value);
    }
  }
}
