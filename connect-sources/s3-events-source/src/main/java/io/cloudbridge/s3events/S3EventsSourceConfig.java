package io.cloudbridge.s3events;

import io.cloudbridge.common.aws.AwsConfig;
import io.cloudbridge.common.config.DeclaredSchemas;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.HttpUrl;
import io.cloudbridge.common.config.RecordTimestamps;
import io.cloudbridge.common.config.PlaintextEndpoints;
import io.cloudbridge.common.sqs.SqsQueueConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the S3 events source: the notification queue, which objects are read and how, how their
 * contents become records, what happens to objects and records that cannot be read, and AWS access.
 */
public final class S3EventsSourceConfig extends AbstractConfig {

  private static final String S3_GROUP = "Objects";
  private static final String RECORD_GROUP = "Records";
  private static final String ERRORS_GROUP = "Errors";

  public static final String S3_ENDPOINT = "s3.endpoint.override";
  public static final String PATH_STYLE = "s3.path.style.access";
  public static final String KEY_PREFIX = "s3.key.prefix";
  public static final String KEY_SUFFIX = "s3.key.suffix";
  public static final String KEY_REGEX = "s3.key.regex";
  public static final String FORMAT = "format";
  public static final String COMPRESSION = "compression";
  public static final String SCHEMAS = "value.schemas.enable";
  public static final String CSV_TYPES = "csv.field.types";
  public static final String CSV_SEPARATOR = "csv.separator";
  public static final String TOPIC = "topic";
  public static final String KEY_SOURCE = "key.source";
  public static final String KEY_FIELD = "key.field.path";
  public static final String BATCH_RECORDS = "batch.max.records";
  public static final String MAX_RECORD_BYTES = "max.record.bytes";
  public static final String MAX_UNACKNOWLEDGED = "max.unacknowledged.records";
  public static final String HEADERS = "record.headers";
  public static final String TIMESTAMP_SOURCE = "timestamp.source";
  public static final String MISSING_POLICY = "errors.missing.object.policy";
  public static final String ACCESS_POLICY = "errors.access.denied.policy";
  public static final String CORRUPT_POLICY = "errors.corrupt.object.policy";
  public static final String RECORD_POLICY = "errors.bad.record.policy";
  public static final String DEAD_LETTER_TOPIC = "errors.dead.letter.topic";

  /** How an object's bytes become records. */
  public enum Format { JSONL, JSON_ARRAY, CSV, TEXT, AVRO, PARQUET, BYTES }

  /** How an object is compressed; AUTO decides from the key's suffix, then Content-Encoding. */
  public enum Compression { AUTO, NONE, GZIP, ZSTD, SNAPPY }

  /** Whether CSV fields stay strings or become numbers and booleans where they read as such. */
  public enum CsvTypes { STRING, INFERRED }

  /** The records' Kafka timestamp: the producer's (when written) or the notification's event time. */
  public enum TimestampSource { PRODUCE_TIME, EVENT_TIME }

  /** What the record key is. */
  public enum KeySource { OBJECT_KEY, FIELD, NONE }

  /** The provenance headers a record can carry, named by what follows "s3." in the header's name. */
  public static final List<String> HEADER_NAMES = List.of("bucket", "key", "version.id", "etag",
      "record.index", "line", "event.time");

  /** What happens to an object or record that cannot be read. */
  public enum ErrorPolicy { FAIL, DEAD_LETTER, SKIP }

  public static final ConfigDef CONFIG_DEF = AwsConfig.addTo(definition());

  private static ConfigDef definition() {
    int s = 0;
    int r = 0;
    int e = 0;
    String policies = EnumChoice.of(ErrorPolicy.values()).toString();
    ConfigDef def = SqsQueueConfig.addOutageTimeout(SqsQueueConfig.addTo(new ConfigDef(), 1, 100,
            "A held notification is small; its objects are read one at a time, in the order received."),
            "SQS (receiving notifications) or S3 (reading objects: the read resumes where it stopped)")
        .define(S3_ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW,
            "S3 endpoint to call instead of the AWS one, e.g. a VPC endpoint or an S3-compatible server."
                + " (aws.endpoint.override applies to SQS.)", S3_GROUP, ++s, Width.LONG, "S3 endpoint")
        .define(PATH_STYLE, Type.BOOLEAN, false, Importance.LOW,
            "Path-style requests (https://host/bucket/key), which most S3-compatible servers need.", S3_GROUP, ++s,
            Width.SHORT, "Path-style access")
        .define(KEY_PREFIX, Type.STRING, "", Importance.MEDIUM,
            "Read only objects whose key starts with this.", S3_GROUP, ++s, Width.MEDIUM, "Key prefix")
        .define(KEY_SUFFIX, Type.STRING, "", Importance.MEDIUM,
            "Read only objects whose key ends with this, e.g. .json.gz.", S3_GROUP, ++s, Width.SHORT, "Key suffix")
        .define(KEY_REGEX, Type.STRING, "", new RegexOrEmpty(), Importance.LOW,
            "Read only objects whose whole key matches this Java regular expression.", S3_GROUP, ++s, Width.MEDIUM,
            "Key pattern")
        .define(FORMAT, Type.STRING, "jsonl", EnumChoice.of(Format.values()), Importance.HIGH,
            "jsonl: one JSON document per line; json_array: one top-level JSON array, a record per element; csv: a"
                + " header row names the fields; text: a string per line; avro: an Avro object container file;"
                + " parquet: a Parquet file (read with ranged requests, a row group at a time);"
                + " bytes: the whole object as one record (at most max.record.bytes).",
            RECORD_GROUP, ++r, Width.SHORT, "Format")
        .define(COMPRESSION, Type.STRING, "auto", EnumChoice.of(Compression.values()), Importance.MEDIUM,
            "auto: from the key's suffix (.gz, .zst, .sz/.snappy), else the object's Content-Encoding, else none."
                + " gzip reads every member of a multi-member file; snappy is the framed format.",
            RECORD_GROUP, ++r, Width.SHORT, "Compression")
        .define(SCHEMAS, Type.BOOLEAN, false, Importance.MEDIUM,
            "true: JSON and CSV values are Structs with a schema (for JSON, one widening schema per task learned"
                + " from the records: every number FLOAT64, nulls and empty arrays fix no type, fields are added and"
                + " never retyped; see README; for CSV, the header); false: schemaless maps. Avro values always carry their schema.",
            RECORD_GROUP, ++r, Width.SHORT, "With schemas");
    r += 3;
    DeclaredSchemas.addTo(def, RECORD_GROUP, r - 2, "One schema for every JSON record of the connector (jsonl,"
        + " json_array; with value.schemas.enable=true), and so for its topic.");
    def.define(CSV_TYPES, Type.STRING, "string", EnumChoice.of(CsvTypes.values()), Importance.LOW,
            "string: every CSV field is a string; inferred: integers, decimals and true/false become numbers and"
                + " booleans, empty fields null.", RECORD_GROUP, ++r, Width.SHORT, "CSV field types")
        .define(CSV_SEPARATOR, Type.STRING, ",", new SingleChar(), Importance.LOW, "CSV column separator.",
            RECORD_GROUP, ++r, Width.SHORT, "CSV separator")
        .define(TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Kafka topic, or a template: ${bucket}, ${key}, and ${key.segment.N} for the N-th '/'-separated part of"
                + " the key (0 = first); characters a topic name cannot have become '_'.",
            RECORD_GROUP, ++r, Width.LONG, "Topic")
        .define(KEY_SOURCE, Type.STRING, "none", EnumChoice.of(KeySource.values()), Importance.MEDIUM,
            "object_key: the object's key; field: the value at key.field.path; none: no key.", RECORD_GROUP, ++r,
            Width.SHORT, "Record key")
        .define(KEY_FIELD, Type.STRING, "", Importance.LOW,
            "Dotted path into the record value for key.source=field, e.g. attributes.service.", RECORD_GROUP, ++r,
            Width.MEDIUM, "Key field path")
        .define(HEADERS, Type.LIST, "bucket,key,version.id,etag,record.index,event.time",
            ConfigDef.ValidList.in(HEADER_NAMES.toArray(new String[0])), Importance.LOW,
            "Which headers name where each record came from, each as s3.<name>: bucket, key, version.id and etag"
                + " of the object; record.index, the record's position in the object (0 = first); line, the line"
                + " number in the object where the record starts (line formats only); event.time, the notification's"
                + " eventTime as S3 gives it (ISO-8601). Empty for none: for short log lines the headers can be"
                + " larger than the line, and they cost the worker CPU. Dead-letter records always carry them all.",
            RECORD_GROUP, ++r, Width.LONG, "Record headers",
            new HeaderRecommender())
        .define(TIMESTAMP_SOURCE, Type.STRING, "produce_time", EnumChoice.of(TimestampSource.values()),
            Importance.MEDIUM,
            "The records' Kafka timestamp (dead letters too). produce_time: left to the producer (the time the"
                + " record is written); the notification's eventTime stays in the s3.event.time header. event_time:"
                + " the notification's eventTime. Warning: time-based retention deletes records by timestamp, so with"
                + " event_time, a backlog or a backfill of objects older than the topic's retention.ms (7 days by"
                + " default) is deleted at the broker's next retention check, possibly before anyone reads it.",
            RECORD_GROUP, ++r, Width.SHORT, "Timestamp");
    RecordTimestamps.addWarnAge(def, RECORD_GROUP, ++r, TIMESTAMP_SOURCE);
    return def
        .define(BATCH_RECORDS, Type.INT, 2_000, Range.between(1, 100_000), Importance.LOW,
            "Most records one poll returns (with exactly-once, one transaction).", RECORD_GROUP, ++r, Width.SHORT,
            "Records per poll")
        .define(MAX_RECORD_BYTES, Type.INT, 8 << 20, Range.between(1 << 10, 256 << 20), Importance.LOW,
            "Longest line or record read; a longer one is a bad record. Bounds the memory of one record.",
            RECORD_GROUP, ++r, Width.SHORT, "Max record bytes")
        .define(MAX_UNACKNOWLEDGED, Type.INT, 10_000, Range.between(1, 1_000_000), Importance.LOW,
            "Most records a task has handed to Connect that Kafka has not acknowledged yet; reading pauses at this"
                + " bound. Connect keeps every such record in memory (and the producer's buffer.memory counts"
                + " compressed bytes), so this bounds the heap when Kafka is slower than reading.",
            RECORD_GROUP, ++r, Width.SHORT, "Max unacknowledged records")
        .define(MISSING_POLICY, Type.STRING, "fail", EnumChoice.of(ErrorPolicy.values()), Importance.MEDIUM,
            "An object that no longer exists when read (" + policies + ").", ERRORS_GROUP, ++e, Width.SHORT,
            "Missing object")
        .define(ACCESS_POLICY, Type.STRING, "fail", EnumChoice.of(ErrorPolicy.values()), Importance.MEDIUM,
            "An object the credentials may not read (" + policies + ").", ERRORS_GROUP, ++e, Width.SHORT,
            "Access denied")
        .define(CORRUPT_POLICY, Type.STRING, "fail", EnumChoice.of(ErrorPolicy.values()), Importance.MEDIUM,
            "An object whose compression or container format is broken; records before the damage are kept ("
                + policies + ").", ERRORS_GROUP, ++e, Width.SHORT, "Corrupt object")
        .define(RECORD_POLICY, Type.STRING, "fail", EnumChoice.of(ErrorPolicy.values()), Importance.MEDIUM,
            "A line or element the format cannot read (" + policies + "); dead_letter sends its raw bytes.",
            ERRORS_GROUP, ++e, Width.SHORT, "Bad record")
        .define(DEAD_LETTER_TOPIC, Type.STRING, "", Importance.MEDIUM,
            "Topic for dead_letter: error headers name the bucket, key, record or line and the reason.",
            ERRORS_GROUP, ++e, Width.MEDIUM, "Dead-letter topic");
  }

  private final SqsQueueConfig.Settings queue;
  // Read on every record: parsed once here rather than looked up (and marked used) in the config map each time.
  private final KeySource keySource;
  private final int batchRecords;
  private final int maxUnacknowledged;
  private final DeclaredSchemas declared;

  public S3EventsSourceConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    declared = DeclaredSchemas.from(this);
    if (!declared.isEmpty() && (!schemas() || format() != Format.JSONL && format() != Format.JSON_ARRAY)) {
      throw new ConfigException(DeclaredSchemas.FILES, getList(DeclaredSchemas.FILES), "a declared JSON Schema needs"
          + " format jsonl or json_array and " + SCHEMAS + "=true");
    }
    declared.single();
    queue = SqsQueueConfig.settings(this);
    PlaintextEndpoints.require(this, S3_ENDPOINT); // the SQS and STS endpoints: AwsConfig.validate()
    keySource = EnumChoice.parse(KeySource.class, getString(KEY_SOURCE));
    batchRecords = getInt(BATCH_RECORDS);
    maxUnacknowledged = getInt(MAX_UNACKNOWLEDGED);
    boolean deadLetter = false;
    for (String policy : new String[] {MISSING_POLICY, ACCESS_POLICY, CORRUPT_POLICY, RECORD_POLICY}) {
      deadLetter |= policy(policy) == ErrorPolicy.DEAD_LETTER;
    }
    if (deadLetter && deadLetterTopic().isEmpty()) {
      throw new ConfigException(DEAD_LETTER_TOPIC, "", "required when an errors.*.policy is dead_letter");
    }
    if (keySource() == KeySource.FIELD && getString(KEY_FIELD).isEmpty()) {
      throw new ConfigException(KEY_FIELD, "", "required with key.source=field");
    }
  }

  public AwsConfig aws() {
    return new AwsConfig(this);
  }

  public SqsQueueConfig.Settings queue() {
    return queue;
  }

  public URI s3Endpoint() {
    String s = getString(S3_ENDPOINT).trim();
    return s.isEmpty() ? null : URI.create(s);
  }

  public boolean pathStyle() {
    return getBoolean(PATH_STYLE);
  }

  /** Whether an object key passes the prefix, suffix and regex filters. */
  public boolean wanted(String key) {
    String regex = getString(KEY_REGEX);
    return key.startsWith(getString(KEY_PREFIX)) && key.endsWith(getString(KEY_SUFFIX))
        && (regex.isEmpty() || Pattern.matches(regex, key));
  }

  public Format format() {
    return EnumChoice.parse(Format.class, getString(FORMAT));
  }

  public Compression compression() {
    return EnumChoice.parse(Compression.class, getString(COMPRESSION));
  }

  /** The JSON Schema the user declared, if any. */
  public DeclaredSchemas declaredSchemas() {
    return declared;
  }

  public boolean schemas() {
    return getBoolean(SCHEMAS);
  }

  public CsvTypes csvTypes() {
    return EnumChoice.parse(CsvTypes.class, getString(CSV_TYPES));
  }

  public char csvSeparator() {
    return getString(CSV_SEPARATOR).charAt(0);
  }

  public String topic() {
    return getString(TOPIC);
  }

  public TimestampSource timestampSource() {
    return EnumChoice.parse(TimestampSource.class, getString(TIMESTAMP_SOURCE));
  }

  public long timestampWarnAgeMillis() {
    return getLong(RecordTimestamps.WARN_AGE);
  }

  public KeySource keySource() {
    return keySource;
  }

  public String keyField() {
    return getString(KEY_FIELD);
  }

  /** The provenance headers asked for. */
  public Set<String> headers() {
    return Set.copyOf(getList(HEADERS));
  }

  public int batchRecords() {
    return batchRecords;
  }

  public int maxRecordBytes() {
    return getInt(MAX_RECORD_BYTES);
  }

  public int maxUnacknowledged() {
    return maxUnacknowledged;
  }

  public ErrorPolicy policy(String name) {
    return EnumChoice.parse(ErrorPolicy.class, getString(name));
  }

  public String deadLetterTopic() {
    return getString(DEAD_LETTER_TOPIC);
  }

  /** Offers the header names. */
  static final class HeaderRecommender implements ConfigDef.Recommender {
    @Override
    public List<Object> validValues(String name, Map<String, Object> parsedConfig) {
      return List.copyOf(HEADER_NAMES);
    }

    @Override
    public boolean visible(String name, Map<String, Object> parsedConfig) {
      return true;
    }

    @Override
    public String toString() {
      return "the provenance header names";
    }
  }

  /** Empty, or a Java regular expression that compiles. */
  static final class RegexOrEmpty implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        Pattern.compile(value == null ? "" : value.toString());
      } catch (PatternSyntaxException e) {
        throw new ConfigException(name, value, "not a regular expression: " + e.getDescription());
      }
    }

    @Override
    public String toString() {
      return "empty, or a Java regular expression";
    }
  }

  /** Exactly one character. */
  static final class SingleChar implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      if (value == null || value.toString().length() != 1) {
        throw new ConfigException(name, value, "expected a single character");
      }
    }

    @Override
    public String toString() {
      return "one character";
    }
  }
}
