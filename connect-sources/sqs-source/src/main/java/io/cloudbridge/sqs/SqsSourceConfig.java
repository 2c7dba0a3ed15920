package io.cloudbridge.sqs;

import io.cloudbridge.common.aws.AwsConfig;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/** Configuration of the SQS source: the queue, how it is read, how bodies become records, and AWS access. */
public final class SqsSourceConfig extends AbstractConfig {

  private static final String QUEUE_GROUP = "Queue";
  private static final String RECORD_GROUP = "Records";
  private static final String ERRORS_GROUP = "Malformed messages";

  public static final String QUEUE_URL = "sqs.queue.url";
  public static final String QUEUE_NAME = "sqs.queue.name";
  public static final String WAIT_SECONDS = "sqs.wait.time.seconds";
  public static final String MAX_MESSAGES = "sqs.max.messages";
  public static final String RECEIVERS = "sqs.receivers";
  public static final String VISIBILITY_SECONDS = "sqs.visibility.timeout.seconds";
  public static final String MAX_IN_FLIGHT = "sqs.max.in.flight";
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
  public enum TimestampSource { EVENT_TIME, SENT_TIMESTAMP }

  /** What happens to a body the format cannot read. */
  public enum MalformedPolicy { FAIL, DEAD_LETTER, LEAVE }

  private static final Pattern QUEUE_NAME_FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,80}(\\.fifo)?");

  public static final ConfigDef CONFIG_DEF = AwsConfig.addTo(definition());

  private static ConfigDef definition() {
    int q = 0;
    int r = 0;
    int e = 0;
    return new ConfigDef()
        .define(QUEUE_URL, Type.STRING, "", Importance.HIGH,
            "URL of the queue, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/events. Either this or sqs.queue.name.",
            QUEUE_GROUP, ++q, Width.LONG, "Queue URL")
        .define(QUEUE_NAME, Type.STRING, "", new NameOrEmpty(), Importance.HIGH,
            "Name of the queue in aws.region, looked up with GetQueueUrl. Either this or sqs.queue.url.",
            QUEUE_GROUP, ++q, Width.MEDIUM, "Queue name")
        .define(WAIT_SECONDS, Type.INT, 20, Range.between(0, 20), Importance.LOW,
            "Long-poll wait of each ReceiveMessage, in seconds (0 = short polling).", QUEUE_GROUP, ++q, Width.SHORT,
            "Wait time")
        .define(MAX_MESSAGES, Type.INT, 10, Range.between(1, 10), Importance.LOW,
            "Messages asked for by each ReceiveMessage (SQS allows 1 to 10).", QUEUE_GROUP, ++q, Width.SHORT,
            "Batch size")
        .define(RECEIVERS, Type.INT, 2, Range.between(1, 50), Importance.MEDIUM,
            "Concurrent ReceiveMessage calls per task.", QUEUE_GROUP, ++q, Width.SHORT, "Receivers per task")
        .define(VISIBILITY_SECONDS, Type.INT, 60, Range.between(10, 43_000), Importance.MEDIUM,
            "Visibility timeout asked for on receive and renewed while a message waits for Kafka's acknowledgement.",
            QUEUE_GROUP, ++q, Width.SHORT, "Visibility timeout")
        .define(MAX_IN_FLIGHT, Type.INT, 2_000, Range.between(10, 100_000), Importance.MEDIUM,
            "Most messages a task holds (received, not yet deleted); receiving pauses at this bound, which bounds memory.",
            QUEUE_GROUP, ++q, Width.SHORT, "Max in flight")
        .define(TOPIC, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Kafka topic, or a template over top-level fields of the JSON body, e.g. events.${source}.${detail-type};"
                + " characters a topic name cannot have become '_'.", RECORD_GROUP, ++r, Width.LONG, "Topic")
        .define(VALUE_FORMAT, Type.STRING, "eventbridge", new Choice(ValueFormat.values()), Importance.HIGH,
            "eventbridge: the EventBridge envelope as a record (fields version, id, detail_type, source, account,"
                + " time, region, resources, detail); json: any JSON body; string; bytes.",
            RECORD_GROUP, ++r, Width.SHORT, "Value format")
        .define(SCHEMAS, Type.BOOLEAN, true, Importance.MEDIUM,
            "true: values are Structs with a schema inferred from the JSON; false: schemaless maps.",
            RECORD_GROUP, ++r, Width.SHORT, "With schemas")
        .define(DETAIL_AS_JSON, Type.BOOLEAN, false, Importance.LOW,
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
        .define(TIMESTAMP_SOURCE, Type.STRING, "event_time", new Choice(TimestampSource.values()), Importance.LOW,
            "event_time: the event's 'time' (ISO-8601) when there is one and it is not more than 5 minutes after"
                + " the message was sent, else SentTimestamp; sent_timestamp: when SQS received the message.", RECORD_GROUP, ++r, Width.SHORT, "Timestamp")
        .define(MALFORMED_POLICY, Type.STRING, "fail", new Choice(MalformedPolicy.values()), Importance.HIGH,
            "fail: the task fails naming the message; dead_letter: the raw body goes to malformed.dead.letter.topic"
                + " with error headers and the message is deleted once that record is acknowledged; leave: the"
                + " message is not deleted, so the queue's redrive policy moves it to its dead-letter queue.",
            ERRORS_GROUP, ++e, Width.SHORT, "Malformed policy")
        .define(DEAD_LETTER_TOPIC, Type.STRING, "", Importance.MEDIUM,
            "Topic for malformed bodies with malformed.policy=dead_letter.", ERRORS_GROUP, ++e, Width.MEDIUM,
            "Dead-letter topic");
  }

  public SqsSourceConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    if (getString(QUEUE_URL).isEmpty() == getString(QUEUE_NAME).isEmpty()) {
      throw new ConfigException(QUEUE_URL, getString(QUEUE_URL), "set exactly one of sqs.queue.url and sqs.queue.name");
    }
    if (malformedPolicy() == MalformedPolicy.DEAD_LETTER && deadLetterTopic().isEmpty()) {
      throw new ConfigException(DEAD_LETTER_TOPIC, "", "required with malformed.policy=dead_letter");
    }
  }

  public AwsConfig aws() {
    return new AwsConfig(this);
  }

  public String queueUrl() {
    return getString(QUEUE_URL);
  }

  public String queueName() {
    return getString(QUEUE_NAME);
  }

  public int waitSeconds() {
    return getInt(WAIT_SECONDS);
  }

  public int maxMessages() {
    return getInt(MAX_MESSAGES);
  }

  public int receivers() {
    return getInt(RECEIVERS);
  }

  public int visibilitySeconds() {
    return getInt(VISIBILITY_SECONDS);
  }

  public int maxInFlight() {
    return getInt(MAX_IN_FLIGHT);
  }

  public String topic() {
    return getString(TOPIC);
  }

  public ValueFormat valueFormat() {
    return ValueFormat.valueOf(getString(VALUE_FORMAT).toUpperCase(Locale.ROOT));
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
    return TimestampSource.valueOf(getString(TIMESTAMP_SOURCE).toUpperCase(Locale.ROOT));
  }

  public MalformedPolicy malformedPolicy() {
    return MalformedPolicy.valueOf(getString(MALFORMED_POLICY).toUpperCase(Locale.ROOT));
  }

  public String deadLetterTopic() {
    return getString(DEAD_LETTER_TOPIC);
  }

  /** One of an enum's constants, written in lower case. */
  static final class Choice implements ConfigDef.Validator {
    private final Enum<?>[] values;

    Choice(Enum<?>[] values) {
      this.values = values;
    }

    @Override
    public void ensureValid(String name, Object value) {
      for (Enum<?> v : values) {
        if (v.name().equalsIgnoreCase(String.valueOf(value))) {
          return;
        }
      }
      throw new ConfigException(name, value, "expected one of " + this);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      for (Enum<?> v : values) {
        b.append(b.length() == 0 ? "" : ", ").append(v.name().toLowerCase(Locale.ROOT));
      }
      return b.toString();
    }
  }

  /** Empty, or a legal SQS queue name. */
  static final class NameOrEmpty implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String s = value == null ? "" : value.toString();
      if (!s.isEmpty() && !QUEUE_NAME_FORMAT.matcher(s).matches()) {
        throw new ConfigException(name, value, "a queue name has 1 to 80 letters, digits, '-' or '_', and ends in"
            + " .fifo for a FIFO queue");
      }
    }

    @Override
    public String toString() {
      return "empty, or a queue name";
    }
  }
}
