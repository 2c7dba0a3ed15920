package io.cloudbridge.smt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class PartitionKeyTest {

  private static final Schema DEVICE = SchemaBuilder.struct().field("os.name", Schema.OPTIONAL_STRING_SCHEMA).build();
  private static final Schema EVENT = SchemaBuilder.struct().name("shop.Event")
      .field("content_type", Schema.OPTIONAL_STRING_SCHEMA)
      .field("user_id", Schema.STRING_SCHEMA)
      .field("at_s", Schema.OPTIONAL_INT64_SCHEMA)
      .field("at_text", Schema.OPTIONAL_STRING_SCHEMA)
      .field("device", DEVICE)
      .build();

  private static PartitionKey<SinkRecord> transform(Map<String, String> props) {
    PartitionKey<SinkRecord> t = new PartitionKey<>();
    t.configure(props);
    return t;
  }

  private static Struct event(String contentType, String user) {
    return new Struct(EVENT).put("content_type", contentType).put("user_id", user)
        .put("at_s", 1_795_346_100L).put("at_text", "2026-11-22 10:15")
        .put("device", new Struct(DEVICE).put("os.name", "iOS"));
  }

  private static SinkRecord record(Object value, long timestamp) {
    return new SinkRecord("events", 1, Schema.STRING_SCHEMA, "k", value instanceof Struct ? EVENT : null, value, 42,
        timestamp, org.apache.kafka.common.record.TimestampType.CREATE_TIME);
  }

  private static final String HIVE =
      "content_type=${value.content_type}/year=${time:yyyy}/month=${time:MM}/day=${time:dd}/hour=${time:HH}";

  @Test
  void aHivePathFromAValueFieldAndTheRecordTimeInATimeZoneGoesToAHeader() {
    PartitionKey<SinkRecord> t = transform(Map.of("template", HIVE, "timezone", "Asia/Kathmandu"));
    // 2026-11-22T18:14:59.999Z is 23:59:59.999 in Kathmandu (+05:45); a millisecond later it is the next day
    long before = Instant.parse("2026-11-22T18:14:59.999Z").toEpochMilli();
    SinkRecord a = t.apply(record(event("video", "u1"), before));
    SinkRecord b = t.apply(record(event("video", "u1"), before + 1));
    assertThat(a.headers().lastWithName("partition_key").value())
        .isEqualTo("content_type=video/year=2026/month=11/day=22/hour=23");
    assertThat(b.headers().lastWithName("partition_key").value())
        .isEqualTo("content_type=video/year=2026/month=11/day=23/hour=00");
    assertThat(a.value()).isSameAs(a.value());
    assertThat(a.key()).isEqualTo("k");
  }

  @Test
  void timestampsFromFieldsInSecondsOrTextAndNestedEscapedPaths() {
    SinkRecord r = record(event("image", "u2"), 0);
    assertThat(transform(Map.of("template", "${time:yyyy-MM-dd'T'HH:mm}", "timestamp.source", "field",
        "timestamp.field", "value.at_s", "timestamp.unit", "seconds")).apply(r).headers()
        .lastWithName("partition_key").value()).isEqualTo("2026-11-22T11:15");
    assertThat(transform(Map.of("template", "${time:HH}h ${value.device.os\\.name}", "timestamp.source", "field",
        "timestamp.field", "value.at_text", "timestamp.pattern", "yyyy-MM-dd HH:mm", "timezone", "Europe/Paris"))
        .apply(r).headers().lastWithName("partition_key").value()).isEqualTo("10h iOS");
  }

  @Test
  void theKeyGoesToTheRecordKeyAStructKeyOrAValueFieldAndTheTopicIsRouted() {
    SinkRecord r = record(event("text", "u3"), Instant.parse("2026-01-05T00:00:00Z").toEpochMilli());
    SinkRecord key = transform(Map.of("template", "${value.user_id}", "target", "key",
        "topic.template", "${topic}-${time:yyyy-MM}")).apply(r);
    assertThat(key.key()).isEqualTo("u3");
    assertThat(key.topic()).isEqualTo("events-2026-01");
    assertThat(key.kafkaOffset()).isEqualTo(42);

    SinkRecord structKey = transform(Map.of("template", "${value.user_id}", "target", "key_struct",
        "target.name", "user")).apply(r);
    assertThat(((Struct) structKey.key()).getString("user")).isEqualTo("u3");

    PartitionKey<SinkRecord> field = transform(Map.of("template", "dt=${time:yyyyMMdd}", "target", "value_field",
        "target.name", "dt"));
    SinkRecord withField = field.apply(r);
    assertThat(((Struct) withField.value()).getString("dt")).isEqualTo("dt=20260105");
    assertThat(((Struct) withField.value()).getString("user_id")).isEqualTo("u3");
    assertThat(withField.valueSchema().name()).isEqualTo("shop.Event");
    assertThat(field.apply(r).valueSchema()).isSameAs(withField.valueSchema());

    Map<String, Object> map = new HashMap<>(Map.of("user_id", "u4"));
    SinkRecord schemaless = field.apply(record(map, r.timestamp()));
    assertThat(schemaless.value()).isEqualTo(Map.of("user_id", "u4", "dt", "dt=20260105"));
  }

  @Test
  void bucketsAreStableAndSpread() {
    PartitionKey<SinkRecord> t = transform(Map.of("template", "${value.user_id}", "buckets", "8", "target", "key"));
    Set<Object> seen = new HashSet<>();
    for (int u = 0; u < 200; u++) {
      Object bucket = t.apply(record(event("x", "user-" + u), 0)).key();
      assertThat(t.apply(record(event("y", "user-" + u), 5)).key()).isEqualTo(bucket);
      assertThat(Integer.parseInt((String) bucket)).isBetween(0, 7);
      seen.add(bucket);
    }
    assertThat(seen).hasSize(8);
  }

  @Test
  void tombstonesNullsAndMissingFieldsFollowTheirRules() {
    SinkRecord tombstone = record(null, 0);
    assertThat(transform(Map.of("template", HIVE)).apply(tombstone)).isSameAs(tombstone);
    assertThat(transform(Map.of("template", "${key}/${topic}", "target", "header")).apply(tombstone).headers()
        .lastWithName("partition_key").value()).isEqualTo("k/events");
    Map<String, Object> noType = new HashMap<>(Map.of("user_id", "u9"));
    assertThatThrownBy(() -> transform(Map.of("template", HIVE)).apply(record(noType, 0)))
        .isInstanceOf(DataException.class).hasMessageContaining("events/1@42")
        .hasMessageContaining("value.content_type is missing");
    assertThat(transform(Map.of("template", HIVE, "on.missing", "passthrough")).apply(record(noType, 0)).headers()
        .lastWithName("partition_key")).isNull();
    SinkRecord nullType = record(event(null, "u5"), 0);
    assertThat(transform(Map.of("template", "ct=${value.content_type}")).apply(nullType).headers()
        .lastWithName("partition_key").value()).isEqualTo("ct=__HIVE_DEFAULT_PARTITION__");
    assertThatThrownBy(() -> transform(Map.of("template", "${value.device}")).apply(nullType))
        .hasMessageContaining("is a record");
    SourceRecord noTime = new SourceRecord(Map.of(), Map.of(), "src", 0, null, "v");
    PartitionKey<SourceRecord> t = new PartitionKey<>();
    t.configure(Map.of("template", "${time:yyyy}"));
    assertThatThrownBy(() -> t.apply(noTime)).hasMessageStartingWith("record src/0: ")
        .hasMessageContaining("no timestamp");
    // As a source connector's transform sees it: no Kafka partition yet, so the source's partition and offset.
    SourceRecord fromSqs = new SourceRecord(Map.of("queue", "https://sqs.eu-west-1.amazonaws.com/1/orders"),
        Map.of("message.id", "9f1c-77"), "orders", null, null, "v");
    assertThatThrownBy(() -> t.apply(fromSqs)).hasMessageStartingWith("record for topic orders from source partition"
        + " {queue=https://sqs.eu-west-1.amazonaws.com/1/orders} at source offset {message.id=9f1c-77}: ")
        .hasMessageNotContaining("null");
  }

  @Test
  void headersTopicAndPartitionAreReferencesToo() {
    SinkRecord r = record(event("a", "b"), 0);
    r.headers().addString("tenant", "acme");
    assertThat(transform(Map.of("template", "\\${tenant}=${header.tenant}/${topic}/${partition}")).apply(r)
        .headers().lastWithName("partition_key").value()).isEqualTo("${tenant}=acme/events/1");
  }

  @Test
  void aTimeThePatternCannotPrintFailsTheRecordNamingIt() {
    PartitionKey<SinkRecord> t = transform(Map.of("template", "${time:ppppyyyy}"));
    assertThat(t.apply(record(event("a", "b"), Instant.parse("2026-11-22T10:15:00Z").toEpochMilli())).headers()
        .lastWithName("partition_key").value()).isEqualTo("2026");
    long year12000 = Instant.parse("+12000-01-01T00:00:00Z").toEpochMilli();
    assertThatThrownBy(() -> t.apply(record(event("a", "b"), year12000))).isInstanceOf(DataException.class)
        .hasMessageContaining("events").hasMessageContaining("${time:ppppyyyy}");
  }

  @Test
  void templatesThatCannotWorkAreRefused() {
    assertThatThrownBy(() -> transform(Map.of("template", "${value.a"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("not closed");
    assertThatThrownBy(() -> transform(Map.of("template", "${nope}"))).hasMessageContaining("a reference is");
    assertThatThrownBy(() -> transform(Map.of("template", "${time:yyyy-qqqqqq}"))).hasMessageContaining("pattern");
    assertThatThrownBy(() -> transform(Map.of("template", "dt=${time:YYYYYYYYYYYYYYYYYyyyy--dd}")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'Y' is a week-based field");
    assertThatThrownBy(() -> transform(Map.of("template", "${time:ww}"))).hasMessageContaining("locale");
    assertThatThrownBy(() -> transform(Map.of("template", "${time:nnnnnnnnnnnnnnnnnnnnn}")))
        .hasMessageContaining("21 'n' in a row");
    assertThatThrownBy(() -> transform(Map.of("template", "x", "timezone", "Mars/Olympus")))
        .hasMessageContaining("time zone");
    assertThatThrownBy(() -> transform(Map.of("template", "x", "timestamp.source", "field")))
        .hasMessageContaining("needs the field");
  }
}
