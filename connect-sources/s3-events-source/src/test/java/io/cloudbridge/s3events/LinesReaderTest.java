package io.cloudbridge.s3events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinesReaderTest {

  private static LinesReader json(String text, long position, long line, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayInputStream in = new ByteArrayInputStream(bytes, (int) position, bytes.length - (int) position);
    return new LinesReader(in, true, null, true, position, line, max);
  }

  @Test
  void jsonLinesOfOneTaskShareOneWideningSchemaAndAMisfitIsABadRecordNamingTheField() throws Exception {
    io.cloudbridge.common.json.JsonValueSchemas learner = io.cloudbridge.common.json.JsonValueSchemas.learned();
    String first = "{\"status\":200,\"usr\":null,\"tags\":[]}\n{\"status\":200.5,\"usr\":{\"id\":\"u-1\"}}\n";
    LinesReader r = new LinesReader(new ByteArrayInputStream(first.getBytes(StandardCharsets.UTF_8)), true, learner,
        true, 0, 0, 1024);
    org.apache.kafka.connect.data.Struct a = (org.apache.kafka.connect.data.Struct) r.next().value();
    org.apache.kafka.connect.data.Struct b = (org.apache.kafka.connect.data.Struct) r.next().value();
    assertThat(a.getFloat64("status")).isEqualTo(200.0);
    assertThat(b.getFloat64("status")).isEqualTo(200.5);
    assertThat(b.getStruct("usr").getString("id")).isEqualTo("u-1");
    // the next object of the same task keeps the widened schema
    String next = "{\"status\":404}\n{\"status\":\"oops\"}\n";
    LinesReader r2 = new LinesReader(new ByteArrayInputStream(next.getBytes(StandardCharsets.UTF_8)), true, learner,
        true, 0, 0, 1024);
    RecordReader.Parsed c = r2.next();
    assertThat(c.schema()).isSameAs(b.schema());
    assertThatThrownBy(r2::next).isInstanceOf(BadRecordException.class)
        .hasMessageContaining("field status was learned as FLOAT64");
  }

  @Test
  void aDeclaredSchemaConvertsEveryLineAndAMisfitIsABadRecordNamingTheField() throws Exception {
    var declared = new S3EventsSourceConfig(Map.of("sqs.queue.url", "http://127.0.0.1:1/000000000000/q",
        "topic", "logs", "aws.region", "eu-west-1", "value.schemas.enable", "true",
        "value.json.schema", "{\"type\":\"object\",\"required\":[\"date\"],\"properties\":{"
            + "\"date\":{\"type\":\"string\",\"format\":\"date-time\"},\"status\":{\"type\":\"integer\"},"
            + "\"attributes\":{\"description\":\"anything\"}}}")).declaredSchemas();
    var schemas = new io.cloudbridge.common.json.JsonValueSchemas(Map.of(),
        declared.single());
    String text = "{\"date\":\"2026-11-22T04:05:06.000Z\",\"status\":200,\"attributes\":{\"a\":[1]}}\n"
        + "{\"date\":\"2026-11-22T04:05:07Z\",\"status\":\"200\"}\n";
    LinesReader r = new LinesReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), true, schemas,
        true, 0, 0, 1024);
    org.apache.kafka.connect.data.Struct a = (org.apache.kafka.connect.data.Struct) r.next().value();
    assertThat(a.get("date")).isEqualTo(java.util.Date.from(java.time.Instant.parse("2026-11-22T04:05:06Z")));
    assertThat(a.getInt64("status")).isEqualTo(200L);
    assertThat(a.getString("attributes")).isEqualTo("{\"a\":[1]}");
    assertThatThrownBy(r::next).isInstanceOf(BadRecordException.class).hasMessageContaining("field status")
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> new S3EventsSourceConfig(Map.of("sqs.queue.url", "http://127.0.0.1:1/000000000000/q",
        "topic", "logs", "aws.region", "eu-west-1", "format", "csv", "value.schemas.enable", "true",
        "value.json.schema", "{\"type\":\"object\"}"))).hasMessageContaining("jsonl or json_array");
  }

  @Test
  void linesCarryTheirNumberAndThePositionAfterThem() throws Exception {
    String text = "{\"a\":1}\r\n\n{\"a\":\"é\"}\n{\"a\":3}";
    LinesReader r = json(text, 0, 0, 1024);
    RecordReader.Parsed first = r.next();
    assertThat(first.value()).isEqualTo(Map.of("a", 1L));
    assertThat(first.line()).isEqualTo(1);
    assertThat(first.positionAfter()).isEqualTo(9);
    RecordReader.Parsed second = r.next();
    assertThat(second.value()).isEqualTo(Map.of("a", "é"));
    assertThat(second.line()).isEqualTo(3);
    assertThat(second.positionAfter()).isEqualTo(10 + "{\"a\":\"é\"}\n".getBytes(StandardCharsets.UTF_8).length);
    RecordReader.Parsed third = r.next();
    assertThat(third.value()).isEqualTo(Map.of("a", 3L));
    assertThat(third.positionAfter()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    assertThat(r.next()).isNull();

    // Resuming from the position after the second line reads the third, with its line number.
    LinesReader resumed = json(text, second.positionAfter(), 3, 1024);
    RecordReader.Parsed again = resumed.next();
    assertThat(again.value()).isEqualTo(Map.of("a", 3L));
    assertThat(again.line()).isEqualTo(4);
  }

  @Test
  void badAndOverlongLinesAreBadRecordsAndReadingGoesOn() throws Exception {
    LinesReader r = json("{oops\n" + "{\"x\":\"" + "y".repeat(2000) + "\"}\n{\"ok\":true}\n", 0, 0, 1024);
    assertThatThrownBy(r::next).isInstanceOf(BadRecordException.class).hasMessageContaining("not JSON")
        .satisfies(e -> assertThat(new String(((BadRecordException) e).raw(), StandardCharsets.UTF_8)).isEqualTo("{oops"));
    assertThatThrownBy(r::next).isInstanceOf(BadRecordException.class).hasMessageContaining("max.record.bytes")
        .satisfies(e -> assertThat(((BadRecordException) e).line()).isEqualTo(2));
    assertThat(r.next().value()).isEqualTo(Map.of("ok", true));
  }

  @Test
  void numbersBecomeLongsAndDoublesEvenBeyond64Bits() throws Exception {
    LinesReader r = json("{\"i\":7,\"f\":1.5,\"big\":123456789012345678901234567890,\"l\":[1,{\"x\":null}]}\n", 0, 0, 1024);
    Map<?, ?> v = (Map<?, ?>) r.next().value();
    assertThat(v.get("i")).isEqualTo(7L);
    assertThat(v.get("f")).isEqualTo(1.5);
    assertThat(v.get("big")).isEqualTo(1.2345678901234568E29);
    assertThat(v.get("l")).isEqualTo(java.util.Arrays.asList(1L, java.util.Collections.singletonMap("x", null)));
  }

  @Test
  void skippingCountsRecordsAsReadingDoes() throws Exception {
    String text = "{\"a\":1}\n\n{oops\n{\"a\":3}\n{\"a\":4}\n";
    LinesReader r = json(text, 0, 0, 1024);
    assertThat(r.skip(3)).isEqualTo(3);
    RecordReader.Parsed next = r.next();
    assertThat(next.value()).isEqualTo(Map.of("a", 4L));
    assertThat(next.line()).isEqualTo(5);
    assertThat(json(text, 0, 0, 1024).skip(10)).isEqualTo(4);
  }
}
