package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class ObjectNamerTest {

  private static ObjectNamer namer(String template, Map<String, String> more) {
    Map<String, String> props = new HashMap<>(Map.of("gcs.bucket.name", "b", "file.name.template", template));
    props.putAll(more);
    return new ObjectNamer(new GcsSinkConfig(props), ".jsonl.gz");
  }

  private static final Schema VALUE = SchemaBuilder.struct().field("content_type", Schema.STRING_SCHEMA)
      .field("user", SchemaBuilder.struct().field("country", Schema.STRING_SCHEMA).build())
      .field("at", Schema.STRING_SCHEMA).build();

  private static SinkRecord record(long timestamp) {
    Struct v = new Struct(VALUE).put("content_type", "video/mp4")
        .put("user", new Struct(VALUE.field("user").schema()).put("country", "NZ")).put("at", "2026-11-22T23:30:00+13:00");
    ConnectHeaders h = new ConnectHeaders();
    h.addString("pk", "tenant-7");
    return new SinkRecord("actions", 12, Schema.STRING_SCHEMA, "k1", VALUE, v, 4711, timestamp,
        TimestampType.CREATE_TIME, h);
  }

  @Test
  void hiveStylePathsFromValueFieldsHeadersAndRecordTimeInTheAskedZone() {
    // 2026-11-22T23:30:00Z is already the 23rd in Auckland (UTC+13).
    long t = Instant.parse("2026-11-22T23:30:00Z").toEpochMilli();
    ObjectNamer n = namer("content_type={{value.content_type}}/country={{value.user.country}}/pk={{header.pk}}/"
        + "year={{timestamp:yyyy}}/month={{timestamp:MM}}/day={{timestamp:dd}}/hour={{timestamp:HH}}/"
        + "{{topic}}+{{partition:padding=true}}+{{start_offset:padding=true}}", Map.of("file.name.timezone",
        "Pacific/Auckland"));
    String key = n.groupKey(record(t), 0);
    assertThat(n.name(key, 4711)).isEqualTo("content_type=video_mp4/country=NZ/pk=tenant-7/year=2026/month=11/day=23/"
        + "hour=12/actions+0000000012+00000000000000004711.jsonl.gz");
    assertThat(namer("{{key}}/{{topic}}-{{partition}}-{{start_offset}}", Map.of()).name(
        namer("{{key}}/{{topic}}-{{partition}}-{{start_offset}}", Map.of()).groupKey(record(t), 0), 5))
        .isEqualTo("k1/actions-12-5.jsonl.gz");
  }

  @Test
  void timeFromAFieldOrTheWallClock() {
    ObjectNamer field = namer("dt={{timestamp:yyyy-MM-dd}}/{{topic}}/{{partition}}/{{start_offset}}",
        Map.of("file.name.timestamp.source", "field", "file.name.timestamp.field", "at"));
    assertThat(field.name(field.groupKey(record(0), 0), 1)).startsWith("dt=2026-11-22/");
    ObjectNamer wall = namer("dt={{timestamp:yyyy-MM-dd}}/{{topic}}/{{partition}}/{{start_offset}}",
        Map.of("file.name.timestamp.source", "wallclock"));
    assertThat(wall.groupKey(record(0), Instant.parse("2030-01-02T00:00:00Z").toEpochMilli()))
        .startsWith("dt=2030-01-02/");
  }

  @Test
  void aMissingFieldOrHeaderIsABadRecordNamingIt() {
    ObjectNamer n = namer("{{value.nope}}/{{topic}}/{{partition}}/{{start_offset}}", Map.of());
    assertThatThrownBy(() -> n.groupKey(record(0), 0)).isInstanceOf(DataException.class)
        .hasMessageContaining("actions/12@4711").hasMessageContaining("nope");
    ObjectNamer h = namer("{{header.tenant}}/{{topic}}/{{partition}}/{{start_offset}}", Map.of());
    assertThatThrownBy(() -> h.groupKey(record(0), 0)).isInstanceOf(DataException.class)
        .hasMessageContaining("header tenant");
  }

  @Test
  void templatesThatCouldGiveTwoObjectsOneNameAreRefused() {
    assertThatThrownBy(() -> ObjectNamer.check("{{topic}}/{{partition}}.jsonl")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("{{start_offset}}");
    assertThatThrownBy(() -> ObjectNamer.check("{{topic}}+{{start_offset}}")).hasMessageContaining("{{partition}}");
    assertThatThrownBy(() -> ObjectNamer.check("{{topic}}+{{partition}}+{{start_offset}}+{{end_offset:x}}"))
        .hasMessageContaining("only :padding=true");
    assertThatThrownBy(() -> ObjectNamer.check("{{topic}}+{{partition}}+{{end_offset}}"))
        .hasMessageContaining("{{start_offset}}");
    assertThatThrownBy(() -> ObjectNamer.check("{{topic}}+{{partition}}+{{start_offset}}/{{timestamp}}"))
        .hasMessageContaining("needs a pattern");
  }

  @Test
  void timePatternsThatCannotPrintTheSameEverywhereAreRefusedAtConfigTime() {
    // found by fuzzing: the JDK cannot print a week-based year wider than 10 letters
    assertThatThrownBy(() -> namer("{{topic}}/{{partition}}/{{timestamp:YYYYYYYYYYYYYYYYYyyyy--dd}}/{{start_offset}}",
        Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("file.name.template")
        .hasMessageContaining("'Y' is a week-based field");
    assertThatThrownBy(() -> namer("{{topic}}/{{partition}}/{{timestamp:yyyyyyyyyyyy}}/{{start_offset}}", Map.of()))
        .hasMessageContaining("12 'y' in a row");
  }

  @Test
  void aRecordTimeThePatternCannotPrintFailsTheRecordNotTheTask() {
    ObjectNamer n = namer("{{topic}}/{{partition}}/{{timestamp:ppppyyyy}}/{{start_offset}}", Map.of());
    assertThat(n.name(n.groupKey(record(Instant.parse("2026-11-22T23:30:00Z").toEpochMilli()), 0), 7))
        .isEqualTo("actions/12/2026/7.jsonl.gz");
    long year12000 = Instant.parse("+12000-01-01T00:00:00Z").toEpochMilli();
    assertThatThrownBy(() -> n.groupKey(record(year12000), 0)).isInstanceOf(DataException.class)
        .hasMessageContaining("actions/12@4711").hasMessageContaining("cannot be printed");
  }

  @Test
  void theEndOffsetIsRenderedOnceKnownAndAsAnUnderscoreBefore() {
    ObjectNamer n = namer("{{topic}}/{{partition}}/{{start_offset:padding=true}}-{{end_offset:padding=true}}", Map.of());
    assertThat(n.hasEndOffset()).isTrue();
    String key = n.groupKey(record(0), 0);
    assertThat(n.name(key, 4711, 4800)).isEqualTo("actions/12/00000000000000004711-00000000000000004800.jsonl.gz");
    assertThat(n.name(key, 4711)).isEqualTo("actions/12/00000000000000004711-_.jsonl.gz");
    assertThat(namer("{{topic}}/{{partition}}/{{start_offset}}", Map.of()).hasEndOffset()).isFalse();
  }
}
