package io.cloudbridge.sqs;

import io.cloudbridge.common.config.RecordTimestamps;
import io.cloudbridge.common.config.TopicTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Builds the Kafka record of an SQS message: topic (fixed or templated), key, timestamp, and headers from
 * the message's attributes. The source offset carries the message id, which is how an acknowledgement
 * finds its message again.
 */
final class RecordFactory {

  static final String MESSAGE_ID = "message.id";
  /** The EventBridge event's 'time', as the event gives it. */
  static final String H_EVENTBRIDGE_TIME = "eventbridge.time";
  private static final Logger LOG = LoggerFactory.getLogger(RecordFactory.class);
  private static final long MAX_CLOCK_SKEW_MILLIS = 5 * 60_000L;

  private final SqsSourceConfig config;
  private final Map<String, String> partition;
  private final boolean fifo;
  private final String[] keyPath;
  private final TopicTemplate topic;
  private final RecordTimestamps timestamps;
  private final SqsSourceConfig.TimestampSource timestampSource;
  private final boolean eventBridge;

  RecordFactory(SqsSourceConfig config, String queueUrl) {
    this.config = config;
    this.partition = Map.of("queue", queueUrl);
    this.fifo = queueUrl.endsWith(".fifo");
    this.keyPath = config.keyPath().isEmpty() ? null : config.keyPath().split("\\.");
    this.topic = new TopicTemplate(config.topic());
    this.timestamps = new RecordTimestamps(config.timestampWarnAgeMillis(), LOG);
    this.timestampSource = config.timestampSource();
    this.eventBridge = config.valueFormat() == SqsSourceConfig.ValueFormat.EVENTBRIDGE;
  }

  SourceRecord record(Message m, DecodedBody body) throws MalformedMessageException {
    String topic = topic(body);
    ConnectHeaders headers = headers(m, body.snsAttributes());
    if (eventBridge && body.json().path("time").isTextual()) {
      headers.addString(H_EVENTBRIDGE_TIME, body.json().get("time").asText());
    }
    return new SourceRecord(partition, Map.of(MESSAGE_ID, m.messageId()), topic, null,
        Schema.OPTIONAL_STRING_SCHEMA, key(m, body), body.schema(), body.value(),
        timestamps.check(timestamp(m, body), topic, "message " + m.messageId()), headers);
  }

  /**
   * The raw body of a message that could not be read, as a string (SQS bodies are always Unicode text: XML, JSON or
   * plain text of the characters SQS allows, so a converter writes it as it was sent), with headers saying why, for
   * the dead-letter topic. Its
   * timestamp is the producer's: a dead letter must outlive retention as long as any record (when SQS received the
   * message is in sqs.sent.timestamp).
   */
  SourceRecord deadLetter(Message m, String reason) {
    ConnectHeaders headers = headers(m, Map.of());
    headers.addString("cloudbridge.error.reason", reason);
    headers.addString("cloudbridge.error.queue", partition.get("queue"));
    return new SourceRecord(partition, Map.of(MESSAGE_ID, m.messageId()), config.deadLetterTopic(), null,
        Schema.OPTIONAL_STRING_SCHEMA, m.messageId(), Schema.STRING_SCHEMA, m.body(), null, headers);
  }

  private String topic(DecodedBody body) throws MalformedMessageException {
    if (topic.isFixed()) {
      return topic.toString();
    }
    if (body.json() == null || !body.json().isObject()) {
      throw new MalformedMessageException("topic template " + topic + " needs a JSON object body");
    }
    try {
      return topic.render(field -> {
        JsonNode v = body.json().get(field);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
      });
    } catch (TopicTemplate.MissingValueException e) {
      throw new MalformedMessageException("topic template field '" + e.placeholder() + "' is missing or not a value");
    }
  }

  private String key(Message m, DecodedBody body) {
    if (keyPath != null) {
      JsonNode node = body.json();
      for (String part : keyPath) {
        node = node == null ? null : node.get(part);
      }
      return node == null || node.isNull() ? null : node.isValueNode() ? node.asText() : node.toString();
    }
    return fifo ? m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID) : null;
  }

  /**
   * Null (the producer's time) by default. With event_time, the event's own time when it has one that is plausible:
   * not after the message was sent (plus clock skew); a far-future time would be refused by the broker
   * (log.message.timestamp.after.max.ms) and fail the task.
   */
  private Long timestamp(Message m, DecodedBody body) {
    if (timestampSource == SqsSourceConfig.TimestampSource.PRODUCE_TIME) {
      return null;
    }
    Long sent = sentTimestamp(m);
    if (timestampSource == SqsSourceConfig.TimestampSource.EVENT_TIME && body.json() != null
        && body.json().path("time").isTextual()) {
      try {
        long eventTime = OffsetDateTime.parse(body.json().get("time").asText()).toInstant().toEpochMilli();
        if (sent == null || eventTime <= sent + MAX_CLOCK_SKEW_MILLIS) {
          return eventTime;
        }
      } catch (DateTimeParseException notIso) {
        // fall back to when SQS received it
      }
    }
    return sent;
  }

  private static Long sentTimestamp(Message m) {
    String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
    return sent == null ? null : Long.parseLong(sent);
  }

  private static ConnectHeaders headers(Message m, Map<String, String> snsAttributes) {
    ConnectHeaders h = new ConnectHeaders();
    h.addString("sqs.message.id", m.messageId());
    Map<MessageSystemAttributeName, String> sys = m.attributes();
    if (sys.containsKey(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)) {
      h.addInt("sqs.receive.count", Integer.parseInt(sys.get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)));
    }
    if (sys.containsKey(MessageSystemAttributeName.SENT_TIMESTAMP)) {
      h.addLong("sqs.sent.timestamp", Long.parseLong(sys.get(MessageSystemAttributeName.SENT_TIMESTAMP)));
    }
    if (sys.containsKey(MessageSystemAttributeName.MESSAGE_GROUP_ID)) {
      h.addString("sqs.message.group.id", sys.get(MessageSystemAttributeName.MESSAGE_GROUP_ID));
    }
    if (sys.containsKey(MessageSystemAttributeName.SEQUENCE_NUMBER)) {
      h.addString("sqs.sequence.number", sys.get(MessageSystemAttributeName.SEQUENCE_NUMBER));
    }
    for (Map.Entry<String, MessageAttributeValue> a : m.messageAttributes().entrySet()) {
      MessageAttributeValue v = a.getValue();
      if (v.dataType().startsWith("Binary")) {
        h.addBytes(a.getKey(), v.binaryValue().asByteArray());
      } else {
        // String and Number (arbitrary precision in SQS) travel as text; the header name keeps the attribute's.
        h.addString(a.getKey(), v.stringValue());
      }
    }
    snsAttributes.forEach(h::addString);
    return h;
  }
}
