package io.cloudbridge.common.sqs;

import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * The settings every connector that reads an SQS queue shares (the queue, long polling, concurrency, visibility,
 * the in-flight bound), as a fragment to add to a connector's ConfigDef, and read back as {@link Settings}.
 */
public final class SqsQueueConfig {

  public static final String QUEUE_URL = "sqs.queue.url";
  public static final String QUEUE_NAME = "sqs.queue.name";
  public static final String WAIT_SECONDS = "sqs.wait.time.seconds";
  public static final String MAX_MESSAGES = "sqs.max.messages";
  public static final String RECEIVERS = "sqs.receivers";
  public static final String VISIBILITY_SECONDS = "sqs.visibility.timeout.seconds";
  public static final String MAX_IN_FLIGHT = "sqs.max.in.flight";

  private static final String GROUP = "Queue";
  private static final Pattern QUEUE_NAME_FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,80}(\\.fifo)?");

  /** How one task reads the queue. */
  public record Settings(String queueUrl, String queueName, int waitSeconds, int maxMessages, int receivers,
      int visibilitySeconds, int maxInFlight, long outageTimeoutMs) {

    /** The queue as a user named it, for messages. */
    public String describeQueue() {
      return queueUrl.isEmpty() ? "named " + queueName : queueUrl;
    }
  }

  private SqsQueueConfig() {}

  /**
   * Adds the queue settings; {@code receivers} and {@code maxInFlight} are this connector's defaults, and
   * {@code inFlightDoc} says what one held message costs it.
   */
  public static ConfigDef addTo(ConfigDef def, int receivers, int maxInFlight, String inFlightDoc) {
    int q = 0;
    return def
        .define(QUEUE_URL, Type.STRING, "", Importance.HIGH,
            "URL of the queue, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/events. Either this or sqs.queue.name.",
            GROUP, ++q, Width.LONG, "Queue URL")
        .define(QUEUE_NAME, Type.STRING, "", new NameOrEmpty(), Importance.HIGH,
            "Name of the queue in aws.region, looked up with GetQueueUrl. Either this or sqs.queue.url.",
            GROUP, ++q, Width.MEDIUM, "Queue name")
        .define(WAIT_SECONDS, Type.INT, 20, Range.between(0, 20), Importance.LOW,
            "Long-poll wait of each ReceiveMessage, in seconds (0 = short polling).", GROUP, ++q, Width.SHORT,
            "Wait time")
        .define(MAX_MESSAGES, Type.INT, 10, Range.between(1, 10), Importance.LOW,
            "Messages asked for by each ReceiveMessage (SQS allows 1 to 10).", GROUP, ++q, Width.SHORT,
            "Batch size")
        .define(RECEIVERS, Type.INT, receivers, Range.between(1, 50), Importance.MEDIUM,
            "Concurrent ReceiveMessage calls per task.", GROUP, ++q, Width.SHORT, "Receivers per task")
        .define(VISIBILITY_SECONDS, Type.INT, 60, Range.between(10, 43_000), Importance.MEDIUM,
            "Visibility timeout asked for on receive and renewed while a message waits for Kafka's acknowledgement.",
            GROUP, ++q, Width.SHORT, "Visibility timeout")
        .define(MAX_IN_FLIGHT, Type.INT, maxInFlight, Range.between(1, 100_000), Importance.MEDIUM,
            "Most messages a task holds (received, not yet deleted); receiving pauses at this bound. " + inFlightDoc,
            GROUP, ++q, Width.SHORT, "Max in flight");
  }

  /** Adds {@value io.cloudbridge.common.retry.ServiceWait#OUTAGE_TIMEOUT}, for SQS and {@code services}. */
  public static ConfigDef addOutageTimeout(ConfigDef def, String services) {
    return io.cloudbridge.common.retry.ServiceWait.defineOutageTimeout(def, GROUP, 100, services);
  }

  /** The settings of a config built with {@link #addTo}; fails unless exactly one of URL and name is set. */
  public static Settings settings(AbstractConfig config) {
    String url = config.getString(QUEUE_URL);
    String name = config.getString(QUEUE_NAME);
    if (url.isEmpty() == name.isEmpty()) {
      throw new ConfigException(QUEUE_URL, url, "set exactly one of sqs.queue.url and sqs.queue.name");
    }
    return new Settings(url, name, config.getInt(WAIT_SECONDS), config.getInt(MAX_MESSAGES),
        config.getInt(RECEIVERS), config.getInt(VISIBILITY_SECONDS), config.getInt(MAX_IN_FLIGHT),
        config.getLong(io.cloudbridge.common.retry.ServiceWait.OUTAGE_TIMEOUT));
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
