package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.common.config.TopicTemplate;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;

class RecordBuilderTest {

  private static final ObjectEvent EVENT = new ObjectEvent("exports-bucket", "exports/customers/2026 11 22.csv",
      null, "e1", 1L, "01", "ObjectCreated:Put", java.time.Instant.now().minusSeconds(60).toString(), true);

  private static RecordBuilder builder(String topic, String keySource, String keyField) {
    Map<String, String> props = new HashMap<>();
    props.put("sqs.queue.name", "q");
    props.put("topic", topic);
    props.put("key.source", keySource);
    props.put("key.field.path", keyField);
    return new RecordBuilder(new S3EventsSourceConfig(props));
  }

  @Test
  void topicTemplatesUseBucketKeyAndKeySegmentsAndStayLegal() {
    assertThat(builder("exports.${key.segment.1}", "none", "").topic(EVENT)).isEqualTo("exports.customers");
    assertThat(builder("${bucket}.${key}", "none", "").topic(EVENT))
        .isEqualTo("exports-bucket.exports_customers_2026_11_22.csv");
    assertThatThrownBy(() -> builder("x.${key.segment.7}", "none", "").topic(EVENT))
        .isInstanceOf(TopicTemplate.MissingValueException.class).hasMessageContaining("key.segment.7");
  }

  @Test
  void recordsAreKeyedAsConfiguredAndCarryTheirOrigin() {
    RecordReader.Parsed parsed = new RecordReader.Parsed(null, Map.of("attributes", Map.of("service", "checkout")),
        7, -1);
    ObjectRecord byField = builder("t", "field", "attributes.service")
        .record(null, EVENT, "t", Map.of(), Map.of(), 6, parsed);
    assertThat(byField.key()).isEqualTo("checkout");
    assertThat(byField.timestamp()).as("the producer's, by default").isNull();
    assertThat(byField.headers().lastWithName("s3.record.index").value()).isEqualTo(6L);
    assertThat(byField.headers().lastWithName("s3.line")).as("not among the default record.headers").isNull();
    assertThat(byField.headers().lastWithName("s3.key").value()).isEqualTo(EVENT.key());
    assertThat(builder("t", "object_key", "").record(null, EVENT, "t", Map.of(), Map.of(), 0,
        new RecordReader.Parsed(Schema.STRING_SCHEMA, "line", 1, -1)).key()).isEqualTo(EVENT.key());
    assertThat(builder("t", "none", "").record(null, EVENT, "t", Map.of(), Map.of(), 0, parsed).key()).isNull();
  }

  @Test
  void recordHeadersNameWhichProvenanceHeadersRecordsCarryButDeadLettersCarryAll() {
    Map<String, String> props = new HashMap<>(Map.of("sqs.queue.name", "q", "topic", "t", "errors.dead.letter.topic",
        "dlq", "record.headers", "key,record.index"));
    RecordBuilder few = new RecordBuilder(new S3EventsSourceConfig(props));
    RecordReader.Parsed parsed = new RecordReader.Parsed(Schema.STRING_SCHEMA, "line", 3, -1);
    ObjectRecord record = few.record(null, EVENT, "t", Map.of(), Map.of(), 2, parsed);
    assertThat(record.headers()).extracting(h -> h.key() + "=" + h.value())
        .containsExactly("s3.key=" + EVENT.key(), "s3.record.index=2");
    assertThat(few.deadLetter(null, EVENT, Map.of(), Map.of(), 2, 3, "bad-record", "why", new byte[0]).headers())
        .extracting(h -> h.key()).contains("s3.bucket", "s3.key", "s3.etag", "s3.record.index", "s3.line",
            "s3.event.time", "cloudbridge.error.reason");
    props.put("record.headers", "");
    assertThat(new RecordBuilder(new S3EventsSourceConfig(props)).record(null, EVENT, "t", Map.of(), Map.of(), 2,
        parsed).headers()).isEmpty();
    props.put("record.headers", "key,sequencer");
    assertThatThrownBy(() -> new S3EventsSourceConfig(props)).hasMessageContaining("record.headers");
  }

  @Test
  void theEventTimeIsTheTimestampOfRecordsAndDeadLettersOnlyWhenAskedFor() {
    Map<String, String> props = new HashMap<>(Map.of("sqs.queue.name", "q", "topic", "t", "errors.dead.letter.topic",
        "dlq"));
    RecordBuilder byDefault = new RecordBuilder(new S3EventsSourceConfig(props));
    RecordReader.Parsed parsed = new RecordReader.Parsed(Schema.STRING_SCHEMA, "line", 3, -1);
    assertThat(byDefault.deadLetter(null, EVENT, Map.of(), Map.of(), 2, 3, "bad-record", "why", new byte[0])
        .timestamp()).isNull();
    assertThat(byDefault.record(null, EVENT, "t", Map.of(), Map.of(), 2, parsed).headers()
        .lastWithName("s3.event.time").value()).isEqualTo(EVENT.eventTime());
    props.put("timestamp.source", "event_time");
    RecordBuilder byEventTime = new RecordBuilder(new S3EventsSourceConfig(props));
    long eventMillis = java.time.Instant.parse(EVENT.eventTime()).toEpochMilli();
    assertThat(byEventTime.record(null, EVENT, "t", Map.of(), Map.of(), 2, parsed).timestamp()).isEqualTo(eventMillis);
    assertThat(byEventTime.deadLetter(null, EVENT, Map.of(), Map.of(), 2, 3, "bad-record", "why", new byte[0])
        .timestamp()).isEqualTo(eventMillis);
  }

  @Test
  void anEventTimeFromTheFutureIsNotUsedAsTimestamp() {
    ObjectEvent skewed = new ObjectEvent("b", "k", null, null, null, null, "ObjectCreated:Put",
        java.time.Instant.now().plusSeconds(7200).toString(), true);
    assertThat(builder("t", "none", "").eventMillis(skewed)).isNull();
  }
}
