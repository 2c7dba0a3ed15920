package io.cloudbridge.sqs;

import io.cloudbridge.common.aws.AwsConfig;
import io.cloudbridge.common.config.DeclaredSchemas;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.RecordTimestamps;
import io.cloudbridge.common.sqs.SqsQueueConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Configuration of the SQS source: the queue, how it is read, how bodies become records, and AWS access. */
public final class SqsSourceConfig extends AbstractConfig {

  private static final String RECORD_GROUP = "Records";
  private static final String ERRORS_GROUP = "Malformed messages";

  public static final String TOPIC = "topic";
  public static final String VALUE_FORMAT = "value.format";
  public static final String SCHEMAS = "value.schemas.enable";
  public static final String DETAIL_AS_JSON = "eventbridge.detail.as.json.string";
  public static final String BASE64 = "body.base64";
  public static final String SNS_UNWRAP = "sns.unwrap";
  public static final String KEY_PATH = "key.path";
  public static final String TIMESTAMP_SOURCE = "timestamp.source";
  public static final String MALFORMED_POLICY = "malformed.policy";
  public static final String DEAD_LETTER_TOPIC = "malformed.dead.letter.topic";

  /** How a message body becomes the record value. */
  public enum ValueFormat { EVENTBRIDGE, JSON, STRING, BYTES }

  /** Where the record timestamp comes from. */
  public enum TimestampSource { PRODUCE_TIME, EVENT_TIME, SENT_TIMESTAMP }

  /** What happens to a body the format cannot read. */
  public enum MalformedPolicy { FAIL, DEAD_LETTER, LEAVE }

  public static final ConfigDef CONFIG_DEF = AwsConfig.addTo(definition());

  private static ConfigDef definition() {
    int r = 0;
    int e = 0;
    ConfigDef def = SqsQueueConfig.addOutageTimeout(SqsQueueConfig.addTo(new ConfigDef(), 2, 2_000,
            "Each held message keeps its body in memory until its record is acknowledged."), "SQS")
        .define(TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Kafka topic, or a template over top-level fields of the JSON body, e.g. events.${source}.${detail-type};"
                + " characters a topic name cannot have become '_'.", RECORD_GROUP, ++r, Width.LONG, "Topic")
        .define(VALUE_FORMAT, Type.STRING, "eventbridge", EnumChoice.of(ValueFormat.values()), Importance.HIGH,
            "eventbridge: the EventBridge envelope as a record (fields version, id, detail_type, source, account,"
                + " time, region, resources, detail); json: any JSON body; string; bytes.",
            RECORD_GROUP, ++r, Width.SHORT, "Value format")
        .define(SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
            "true: values are Structs with a schema learned per stream (per EventBridge source and detail-type,"
                + " json: per task) that only widens: every number FLOAT64, nulls and empty arrays fix no type,"
                + " fields are added and never retyped (see README); false: schemaless maps. Field names are the"
                + " same either way: the envelope's are detail_type etc., the detail's are the event's own.",
            RECORD_GROUP, ++r, Width.SHORT, "With schemas");
    r += 3;
    DeclaredSchemas.addTo(def, RECORD_GROUP, r - 2, "value.format eventbridge: each schema is the whole event's"
        + " as the registry exports it, for the events its x-amazon-events-source and x-amazon-events-detail-type"
        + " name (their detail is converted; the envelope keeps its fields); other events' detail schemas are"
        + " learned. value.format json: one schema for every body.");
    def.define(DETAIL_AS_JSON, Type.BOOLEAN, false, Importance.LOW,
            "Keep the EventBridge 'detail' as a JSON string instead of a structured value.", RECORD_GROUP, ++r,
            Width.SHORT, "Detail as JSON text")
        .define(BASE64, Type.BOOLEAN, false, Importance.LOW, "Bodies are base64-encoded; decode before reading.",
            RECORD_GROUP, ++r, Width.SHORT, "Base64 bodies")
        .define(SNS_UNWRAP, Type.BOOLEAN, false, Importance.LOW,
            "Bodies may be SNS notifications (raw delivery off): read their Message, keep their MessageAttributes as headers.",
            RECORD_GROUP, ++r, Width.SHORT, "Unwrap SNS")
        .define(KEY_PATH, Type.STRING, "", Importance.MEDIUM,
            "Dotted path into the JSON body for the record key, e.g. id or detail.tenantId. Empty: the"
                + " MessageGroupId on FIFO queues, no key on standard queues.", RECORD_GROUP, ++r, Width.MEDIUM, "Key path")
        .define(TIMESTAMP_SOURCE, Type.STRING, "produce_time", EnumChoice.of(TimestampSource.values()),
            Importance.MEDIUM,
            "The records' Kafka timestamp. produce_time: left to the producer (the time the record is written); the"
                + " event's own time stays in the value and in the eventbridge.time header, when SQS received the"
                + " message in sqs.sent.timestamp. event_time: the event's 'time' (ISO-8601) when there is one and it"
                + " is not more than 5 minutes after the message was sent, else SentTimestamp; sent_timestamp: when SQS"
                + " received the message. Warning: time-based retention deletes records by timestamp, so with the"
                + " latter two, events older than the topic's retention.ms (7 days by default; SQS keeps messages up"
                + " to 14) are deleted at the broker's next retention check, possibly before anyone reads them.",
            RECORD_GROUP, ++r, Width.SHORT, "Timestamp");
    return RecordTimestamps.addWarnAge(def, RECORD_GROUP, ++r, TIMESTAMP_SOURCE)
        .define(MALFORMED_POLICY, Type.STRING, "fail", EnumChoice.of(MalformedPolicy.values()), Importance.HIGH,
            "fail: the task fails naming the message; dead_letter: the raw body goes to malformed.dead.letter.topic"
                + " with error headers and the message is deleted once that record is acknowledged; leave: the"
                + " message is not deleted, so the queue's redrive policy moves it to its dead-letter queue.",
            ERRORS_GROUP, ++e, Width.SHORT, "Malformed policy")
        .define(DEAD_LETTER_TOPIC, Type.STRING, "", Importance.MEDIUM,
            "Topic for malformed bodies with malformed.policy=dead_letter.", ERRORS_GROUP, ++e, Width.MEDIUM,
            "Dead-letter topic");
  }

  private final SqsQueueConfig.Settings queue;
  private final DeclaredSchemas declared;

  public SqsSourceConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    queue = SqsQueueConfig.settings(this);
    declared = DeclaredSchemas.from(this);
    if (!declared.isEmpty()) {
      if (!schemas() || detailAsJson() || valueFormat() == ValueFormat.STRING || valueFormat() == ValueFormat.BYTES) {
        throw new ConfigException(DeclaredSchemas.FILES, getList(DeclaredSchemas.FILES), "declared JSON Schemas"
            + " need value.format eventbridge or json with " + SCHEMAS + "=true and " + DETAIL_AS_JSON + "=false");
      }
      if (valueFormat() == ValueFormat.EVENTBRIDGE) {
        declared.requireEvents();
      } else {
        declared.single();
      }
    }
    if (malformedPolicy() == MalformedPolicy.DEAD_LETTER && deadLetterTopic().isEmpty()) {
      throw new ConfigException(DEAD_LETTER_TOPIC, "", "required with malformed.policy=dead_letter");
    }
  }

  public AwsConfig aws() {
    return new AwsConfig(this);
  }

  /** The JSON Schemas the user declared (empty: all learned). */
  public DeclaredSchemas declaredSchemas() {
    return declared;
  }

  public SqsQueueConfig.Settings queue() {
    return queue;
  }

  public String topic() {
    return getString(TOPIC);
  }

  public ValueFormat valueFormat() {
    return EnumChoice.parse(ValueFormat.class, getString(VALUE_FORMAT));
  }

  public boolean schemas() {
    return getBoolean(SCHEMAS);
  }

  public boolean detailAsJson() {
    return getBoolean(DETAIL_AS_JSON);
  }

  public boolean base64() {
    return getBoolean(BASE64);
  }

  public boolean snsUnwrap() {
    return getBoolean(SNS_UNWRAP);
  }

  public String keyPath() {
    return getString(KEY_PATH);
  }

  public TimestampSource timestampSource() {
    return EnumChoice.parse(TimestampSource.class, getString(TIMESTAMP_SOURCE));
  }

  public long timestampWarnAgeMillis() {
    return getLong(RecordTimestamps.WARN_AGE);
  }

  public MalformedPolicy malformedPolicy() {
    return EnumChoice.parse(MalformedPolicy.class, getString(MALFORMED_POLICY));
  }

  public String deadLetterTopic() {
    return getString(DEAD_LETTER_TOPIC);
  }
}
