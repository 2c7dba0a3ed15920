package io.cloudbridge.common.config;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.slf4j.Logger;

/**
 * The Kafka timestamp a source gives its records, and the warning when it gives old ones.
 *
 * <p>Time-based retention deletes a log segment once its newest record's timestamp is older than the topic's
 * {@code retention.ms} (7 days unless the topic or broker sets another; {@code log.retention.hours=168}), whatever
 * the time it was written. A record stamped with its event's own time — an SQS message may wait 14 days, a replay or
 * an archive backfill brings events months old — can therefore be deleted minutes after it was written, before any
 * consumer read it. So sources leave the timestamp to the producer by default (the time the record is produced;
 * {@code CreateTime}) and keep the event time in the value and a header; a source configured to stamp event times
 * warns once per task when it writes one older than {@value #WARN_AGE} says.
 */
public final class RecordTimestamps {

  public static final String WARN_AGE = "timestamp.warn.age.ms";
  public static final long DEFAULT_WARN_AGE_MS = Duration.ofDays(7).toMillis();

  private final long warnAgeMillis;
  private final Logger log;
  private boolean warned;

  public RecordTimestamps(long warnAgeMillis, Logger log) {
    this.warnAgeMillis = warnAgeMillis;
    this.log = log;
  }

  /** Defines {@value #WARN_AGE} in {@code def}. */
  public static ConfigDef addWarnAge(ConfigDef def, String group, int order, String timestampSetting) {
    return def.define(WARN_AGE, Type.LONG, DEFAULT_WARN_AGE_MS, ConfigDef.Range.atLeast(1), Importance.LOW,
        "With " + timestampSetting + " set to an event's own time: warn once per task when a record is written with"
            + " a timestamp older than this. Set it to the topic's retention.ms (7 days by default): the broker"
            + " deletes such records at its next retention check, possibly before any consumer reads them.",
        group, order, Width.SHORT, "Warn on old timestamps");
  }

  /**
   * Checks a timestamp the source is about to give a record; null (the producer's time) is never old.
   *
   * @return the timestamp, unchanged
   */
  public Long check(Long timestamp, String topic, String what) {
    if (timestamp != null && !warned && timestamp < System.currentTimeMillis() - warnAgeMillis) {
      warned = true;
      log.warn("Writing {} to topic {} with the timestamp {}, older than {} ms ({}): if that is older than the"
          + " topic's retention.ms, the broker deletes it at its next retention check, before consumers may read it."
          + " Leave the timestamp to the producer (the default) unless the topic keeps records that old. Warned once"
          + " per task.", what, topic, Instant.ofEpochMilli(timestamp), warnAgeMillis, WARN_AGE);
    }
    return timestamp;
  }
}
