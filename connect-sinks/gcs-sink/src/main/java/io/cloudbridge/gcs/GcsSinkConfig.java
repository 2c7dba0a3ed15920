package io.cloudbridge.gcs;

import com.google.api.gax.retrying.RetrySettings;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.HttpUrl;
import io.cloudbridge.staging.format.BytesSeparator;
import io.cloudbridge.staging.format.Compression;
import io.cloudbridge.staging.format.Format;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.common.config.PlaintextEndpoints;
import io.cloudbridge.common.gcp.GcpConfig;
import io.cloudbridge.common.gcp.GcpRetry;
import java.net.URI;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the GCS sink: where objects go and how they are named, what they hold and how it is encoded,
 * when an object is complete, how much memory a task may use, and Google Cloud access.
 */
public final class GcsSinkConfig extends AbstractConfig {

  private static final String GCS_GROUP = "GCS";
  private static final String FORMAT_GROUP = "Format";
  private static final String ROTATION_GROUP = "Rotation";

  public static final String BUCKET = "gcs.bucket.name";
  public static final String ENDPOINT = "gcs.endpoint.override";
  public static final String CHUNK_BYTES = "gcs.upload.chunk.bytes";
  public static final String MEMORY_BYTES = "gcs.task.memory.bytes";
  public static final String UPLOAD_THREADS = "gcs.upload.threads";
  private static final String RETRY_PREFIX = "gcs.";
  public static final String MARKER_PREFIX = "gcs.marker.prefix";
  public static final String NULL_VALUES = "behavior.on.null.values";
  public static final String TEMPLATE = "file.name.template";
  public static final String TIMESTAMP_SOURCE = "file.name.timestamp.source";
  public static final String TIMESTAMP_FIELD = "file.name.timestamp.field";
  public static final String TIMEZONE = "file.name.timezone";
  public static final String FORMAT = "format.output.type";
  public static final String ENVELOPE = "format.output.envelope";
  public static final String COMPRESSION = "file.compression.type";
  public static final String BYTES_SEPARATOR = "format.bytes.separator";
  public static final String PARQUET_ROW_GROUP_BYTES = "format.parquet.row.group.bytes";
  public static final String FLUSH_SIZE = "flush.size";
  public static final String MAX_BYTES = "file.max.bytes";
  public static final String ROTATE_INTERVAL = "rotate.interval.ms";
  public static final String ROTATE_SCHEDULE = "rotate.schedule.interval.ms";
  /** Ten minutes: every record reaches GCS within a bounded time unless the user turns the schedule off. */
  public static final long DEFAULT_ROTATE_SCHEDULE_MS = 10 * 60_000L;

  /** Where the time in {{timestamp:...}} comes from. */
  public enum TimestampSource { RECORD, FIELD, WALLCLOCK }

  /** The record value alone, or the value with its key, headers and Kafka coordinates. */
  public enum Envelope { VALUE, ENVELOPE }

  /** What a record with a null value (a tombstone) does. */
  public enum NullValues { FAIL, SKIP, WRITE }


  private static final int UPLOAD_UNIT = 256 * 1024;

  public long outageTimeoutMs() {
    return getLong(io.cloudbridge.common.retry.ServiceWait.OUTAGE_TIMEOUT);
  }

  public static final ConfigDef CONFIG_DEF = GcpRetry.define(GcpConfig.addTo(definition()), RETRY_PREFIX, GCS_GROUP,
      20, "408, 429, 5xx and dropped connections (resumable uploads resume where GCS stopped)",
      "GCS (uploads, markers, copies, deletes)");

  private static ConfigDef definition() {
    int g = 0;
    int f = 0;
    int r = 0;
    return new ConfigDef()
        .define(BUCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Bucket the objects are written to; it must exist and the credentials must be able to create objects"
                + " in it.", GCS_GROUP, ++g, Width.MEDIUM, "Bucket")
        .define(ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW,
            "GCS JSON API endpoint to call instead of https://storage.googleapis.com, e.g. an emulator or a"
                + " Private Service Connect endpoint.", GCS_GROUP, ++g, Width.LONG, "Endpoint")
        .define(MARKER_PREFIX, Type.STRING, "_cloudbridge/", Importance.LOW,
            "Where in the bucket the sink keeps its group markers: a small JSON object per partition and group of"
                + " offsets (under <prefix><connector name>/<topic>/<partition>/) saying where the group ended, so"
                + " that offsets read again, also after an offset reset, go to the objects they went to before. Keep"
                + " them as long as offsets may be replayed (e.g. a lifecycle rule deleting them after the topic's"
                + " retention).", GCS_GROUP, ++g, Width.MEDIUM, "Marker prefix")
        .define(TEMPLATE, Type.STRING, "{{topic}}/{{partition}}/{{topic}}+{{partition}}+{{start_offset}}",
            new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Object name template; the format's extension (.jsonl, .json, .csv, .avro, .parquet, .bin, then"
                + " .gz/.zst/.snappy for compressed text formats) is added."
                + " {{topic}}, {{partition}} and {{start_offset}} are required (they make names unique and let a"
                + " replay find what it wrote before); {{partition:padding=true}} and"
                + " {{start_offset:padding=true}} pad with zeros to 10 and 20 digits. {{end_offset}} (may be padded"
                + " too) is the offset of the object's last record; such objects are written under " + MARKER_PREFIX
                + " first and copied to their name when they are complete. {{timestamp:<pattern>}} formats"
                + " the time chosen by " + TIMESTAMP_SOURCE + " with a java.time pattern, e.g. yyyy, MM, dd, HH (week-based letters Y w W e c, F and B are"
                + " refused: they print differently per locale or Java version; names of months and days print in"
                + " English)."
                + " {{value.<path>}}, {{key}}, {{key.<path>}} and {{header.<name>}} insert a field, the key, or a"
                + " header (e.g. one set by a transform). Example: content_type={{value.content_type}}/"
                + "dt={{timestamp:yyyy-MM-dd}}/{{topic}}+{{partition}}+{{start_offset}}.",
            GCS_GROUP, ++g, Width.LONG, "Object name template")
        .define(TIMESTAMP_SOURCE, Type.STRING, "record", EnumChoice.of(TimestampSource.values()), Importance.MEDIUM,
            "record: the Kafka record's timestamp; field: the value field " + TIMESTAMP_FIELD + " (epoch millis,"
                + " an ISO-8601 string, or a Connect Timestamp/Date); wallclock: when the object is opened. Exactly"
                + " once needs names a replay computes again alike, so not wallclock.",
            GCS_GROUP, ++g, Width.SHORT, "Timestamp source")
        .define(TIMESTAMP_FIELD, Type.STRING, "", Importance.LOW, "Dotted path of the time field, with "
            + TIMESTAMP_SOURCE + "=field.", GCS_GROUP, ++g, Width.MEDIUM, "Timestamp field")
        .define(TIMEZONE, Type.STRING, "UTC", new ZoneValidator(), Importance.MEDIUM,
            "Time zone of {{timestamp:...}} in object names, e.g. UTC or Europe/Paris.", GCS_GROUP, ++g,
            Width.SHORT, "Time zone")
        .define(CHUNK_BYTES, Type.INT, 1 << 20, new UploadUnit(), Importance.LOW,
            "Bytes an open object buffers before sending them to its resumable upload; a multiple of 256 KiB."
                + " Each open object holds one such buffer.", GCS_GROUP, ++g, Width.SHORT, "Upload chunk")
        .define(MEMORY_BYTES, Type.LONG, 128L << 20, Range.atLeast(UPLOAD_UNIT), Importance.MEDIUM,
            "Memory a task's objects may hold: what open objects buffer (each up to one chunk), chunks waiting for"
                + " an upload thread, and an estimate for each open object's encoder and compressor (a Parquet row"
                + " group). When it is reached the task pauses its partitions and waits for chunks in flight to be"
                + " sent (resuming them below half of it); with nothing in flight it sends the whole 256 KiB units"
                + " of the largest buffers, and only then finalizes the objects of the partition holding the most."
                + " It may be passed by at most one record and one buffer's growth.", GCS_GROUP, ++g, Width.SHORT,
            "Task memory")
        .define(UPLOAD_THREADS, Type.INT, 2, Range.between(1, 32), Importance.LOW,
            "Threads per task that send chunks to GCS while the task encodes; an object's chunks go in order.",
            GCS_GROUP, ++g, Width.SHORT, "Upload threads")
        .define(FORMAT, Type.STRING, "jsonl", EnumChoice.of(Format.values()), Importance.HIGH,
            "jsonl: one JSON document per line; json_array: one JSON array per object; csv: a header row, then a"
                + " row per record (struct or flat map values; nested values as JSON text); avro: an Avro object"
                + " container file; parquet: a Parquet file (struct values); bytes: the raw value bytes ("
                + BYTES_SEPARATOR + "). Avro and Parquet need values with a schema (e.g. the Avro converter or"
                + " JsonConverter with schemas.enable=true); an object holds one schema, so a record with another"
                + " schema starts new objects (as does a CSV record with other columns). JSON never rotates on a"
                + " schema change.", FORMAT_GROUP, ++f, Width.SHORT, "Format")
        .define(ENVELOPE, Type.STRING, "value", EnumChoice.of(Envelope.values()), Importance.MEDIUM,
            "value: each record's value; envelope: an object with key, value, headers, topic, partition, offset"
                + " and timestamp (JSON formats).", FORMAT_GROUP, ++f, Width.SHORT, "Envelope")
        .define(COMPRESSION, Type.STRING, "none", EnumChoice.of(Compression.values()), Importance.MEDIUM,
            "Text formats (jsonl, json_array, csv, bytes): the whole object, none, gzip, zstd or snappy (framed)."
                + " avro: the block codec, none, deflate, snappy or zstd. parquet: the page codec, none, snappy,"
                + " zstd or gzip.", FORMAT_GROUP, ++f, Width.SHORT, "Compression", List.of(FORMAT),
            new CompressionRecommender())
        .define(PARQUET_ROW_GROUP_BYTES, Type.INT, 8 << 20, Range.atLeast(64 * 1024), Importance.LOW,
            "With format parquet: the size of a row group, which each open Parquet object buffers in memory before"
                + " it is written (and counts against " + MEMORY_BYTES + "). Larger groups read faster; smaller ones"
                + " let more partitions be open at once.", FORMAT_GROUP, ++f, Width.SHORT, "Parquet row group")
        .define(BYTES_SEPARATOR, Type.STRING, "newline", EnumChoice.of(BytesSeparator.values()), Importance.LOW,
            "With format bytes: newline after each value, length_prefixed (a 4-byte big-endian length before"
                + " each), or none.", FORMAT_GROUP, ++f, Width.SHORT, "Bytes separator")
        .define(NULL_VALUES, Type.STRING, "fail", EnumChoice.of(NullValues.values()), Importance.MEDIUM,
            "A record whose value is null (a tombstone): fail the task naming it, skip it (counted in the"
                + " records-null-skipped-total metric), or write it (JSON null; format bytes cannot).", FORMAT_GROUP,
            ++f, Width.SHORT, "Null values")
        .define(FLUSH_SIZE, Type.INT, 10_000, Range.atLeast(1), Importance.HIGH,
            "Most records in an object. When an object of a Kafka partition reaches it, every open object of that"
                + " partition is finalized: a partition's objects end at the same offset, which is what lets a replay"
                + " rewrite exactly the objects it wrote before.", ROTATION_GROUP, ++r, Width.SHORT, "Flush size")
        .define(MAX_BYTES, Type.LONG, 256L << 20, Range.atLeast(1024), Importance.MEDIUM,
            "Most bytes (as stored) in an object; reaching it finalizes the partition's objects as " + FLUSH_SIZE
                + " does.", ROTATION_GROUP, ++r, Width.SHORT, "Max object bytes")
        .define(ROTATE_INTERVAL, Type.LONG, -1L, Range.atLeast(-1), Importance.MEDIUM,
            "Finalize a partition's objects once a record's timestamp is this far past the first record's. -1: off.",
            ROTATION_GROUP, ++r, Width.SHORT, "Rotate interval (record time)")
        .define(ROTATE_SCHEDULE, Type.LONG, DEFAULT_ROTATE_SCHEDULE_MS, Range.atLeast(-1), Importance.MEDIUM,
            "Finalize a partition's objects this long (wall clock) after the first was opened, whether or not more"
                + " records come: idle partitions are written on time, so by default every record is in GCS (and its"
                + " offset committable) within 10 minutes and a tick of the task's timer. Replays stay exactly once:"
                + " the marker records where each group ended. -1: off — then a partition's last records wait in an"
                + " open object until " + FLUSH_SIZE + ", " + MAX_BYTES + " or " + ROTATE_INTERVAL + " ends it, which"
                + " may be never (the connector warns at start).", ROTATION_GROUP, ++r, Width.SHORT,
            "Rotate schedule (wall clock)");
  }

  private final GcpConfig gcp;
  // Read for every record: parsed once here rather than looked up (and marked used) in the config map each time.
  private final int flushSize;
  private final long maxBytes;
  private final long rotateInterval;
  private final long rotateSchedule;
  private final int chunkBytes;
  private final long memoryBytes;
  private final NullValues nullValues;

  public GcsSinkConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    gcp = new GcpConfig(this);
    PlaintextEndpoints.require(this, ENDPOINT);
    flushSize = getInt(FLUSH_SIZE);
    maxBytes = getLong(MAX_BYTES);
    rotateInterval = getLong(ROTATE_INTERVAL);
    rotateSchedule = getLong(ROTATE_SCHEDULE);
    chunkBytes = getInt(CHUNK_BYTES);
    memoryBytes = getLong(MEMORY_BYTES);
    nullValues = EnumChoice.parse(NullValues.class, getString(NULL_VALUES));
    if (timestampSource() == TimestampSource.FIELD && getString(TIMESTAMP_FIELD).isBlank()) {
      throw new ConfigException(TIMESTAMP_FIELD, "", "required with " + TIMESTAMP_SOURCE + "=field");
    }
    GcpRetry.check(this, RETRY_PREFIX);
    ObjectNamer.check(getString(TEMPLATE));
    if (!format().compressions().contains(compression())) {
      throw new ConfigException(COMPRESSION, getString(COMPRESSION), "format " + getString(FORMAT) + " takes "
          + EnumChoice.names(format().compressions()));
    }
  }

  public GcpConfig gcp() {
    return gcp;
  }

  public String bucket() {
    return getString(BUCKET);
  }

  public URI endpoint() {
    String s = getString(ENDPOINT).trim();
    return s.isEmpty() ? null : URI.create(s);
  }

  public String markerPrefix() {
    String p = getString(MARKER_PREFIX);
    return p.isEmpty() || p.endsWith("/") ? p : p + "/";
  }

  public NullValues nullValues() {
    return nullValues;
  }

  public String template() {
    return getString(TEMPLATE);
  }

  public TimestampSource timestampSource() {
    return EnumChoice.parse(TimestampSource.class, getString(TIMESTAMP_SOURCE));
  }

  public String timestampField() {
    return getString(TIMESTAMP_FIELD);
  }

  public ZoneId timezone() {
    return ZoneId.of(getString(TIMEZONE));
  }

  public Format format() {
    return EnumChoice.parse(Format.class, getString(FORMAT));
  }

  public Envelope envelope() {
    return EnumChoice.parse(Envelope.class, getString(ENVELOPE));
  }

  public Compression compression() {
    return EnumChoice.parse(Compression.class, getString(COMPRESSION));
  }

  public BytesSeparator bytesSeparator() {
    return EnumChoice.parse(BytesSeparator.class, getString(BYTES_SEPARATOR));
  }

  /** The objects' format and compression. */
  public OutputFormat outputFormat() {
    return new OutputFormat(format(), compression(), envelope() == Envelope.ENVELOPE, bytesSeparator(),
        parquetRowGroupBytes());
  }

  public int parquetRowGroupBytes() {
    return getInt(PARQUET_ROW_GROUP_BYTES);
  }

  public int chunkBytes() {
    return chunkBytes;
  }

  public int uploadThreads() {
    return getInt(UPLOAD_THREADS);
  }

  public long memoryBytes() {
    return memoryBytes;
  }

  public RetrySettings retrySettings() {
    return GcpRetry.settings(this, RETRY_PREFIX);
  }

  public int flushSize() {
    return flushSize;
  }

  public long maxBytes() {
    return maxBytes;
  }

  public long rotateIntervalMillis() {
    return rotateInterval;
  }

  public long rotateScheduleMillis() {
    return rotateSchedule;
  }

  /** A positive multiple of 256 KiB, as GCS persists resumable uploads only in such units. */
  static final class UploadUnit implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      int v = (Integer) value;
      if (v <= 0 || v % UPLOAD_UNIT != 0) {
        throw new ConfigException(name, value, "must be a positive multiple of 262144 (256 KiB)");
      }
    }

    @Override
    public String toString() {
      return "a multiple of 262144";
    }
  }

  /** The compressions the chosen format takes. */
  static final class CompressionRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsed) {
      Object format = parsed.get(FORMAT);
      List<Compression> valid;
      try {
        valid = EnumChoice.parse(Format.class, String.valueOf(format)).compressions();
      } catch (RuntimeException unknownFormat) {
        valid = List.of(Compression.values());
      }
      return new ArrayList<>(EnumChoice.names(valid));
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsed) {
      return true;
    }

    @Override
    public String toString() {
      return "the compressions the output format supports";
    }
  }

  /** A java.time zone id. */
  static final class ZoneValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        ZoneId.of(String.valueOf(value));
      } catch (RuntimeException e) {
        throw new ConfigException(name, value, "not a time zone id such as UTC or Europe/Paris");
      }
    }

    @Override
    public String toString() {
      return "a time zone id, e.g. UTC or Europe/Paris";
    }
  }
}
