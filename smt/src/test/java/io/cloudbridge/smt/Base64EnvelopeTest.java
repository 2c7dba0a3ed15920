package io.cloudbridge.smt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

class Base64EnvelopeTest {

  private static Base64Envelope<SinkRecord> value(Map<String, String> props) {
    Base64Envelope<SinkRecord> t = new Base64Envelope.Value<>();
    t.configure(props);
    return t;
  }

  private static SinkRecord record(Schema schema, Object value) {
    return new SinkRecord("events", 2, null, "k", schema, value, 17);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** A Pub/Sub push request body as Pub/Sub sends it (both id spellings, as the push docs show). */
  private static final String PUSH = "{\"message\":{\"attributes\":{\"origin\":\"checkout\",\"region\":\"eu\"},"
      + "\"data\":\"" + b64("{\"order\":{\"id\":42,\"total\":19.5},\"items\":[\"a\",\"b\"],\"paid\":true}") + "\","
      + "\"messageId\":\"2070443601311540\",\"message_id\":\"2070443601311540\","
      + "\"publishTime\":\"2021-02-26T19:13:55.749Z\",\"publish_time\":\"2021-02-26T19:13:55.749Z\"},"
      + "\"subscription\":\"projects/myproject/subscriptions/mysubscription\"}";

  @Test
  void pushBodiesOfOneTopicShareOneWideningSchemaWhateverTheirNumbersAndNulls() {
    Base64Envelope<SinkRecord> t = value(Map.of("envelope", "pubsub_push", "json.schema", "infer"));
    java.util.function.Function<String, String> push = json -> "{\"message\":{\"data\":\"" + b64(json)
        + "\",\"messageId\":\"1\"},\"subscription\":\"projects/p/subscriptions/s\"}";
    Struct first = (Struct) t.apply(record(null, push.apply("{\"lines\":[{\"sku\":\"A-1\",\"qty\":2,"
        + "\"unitPrice\":5000.5},{\"sku\":\"B-2\",\"qty\":1,\"unitPrice\":999}],\"coupon\":null}"))).value();
    assertThat(first.getArray("lines")).hasSize(2).allMatch(l -> l instanceof Struct);
    assertThat(((Struct) first.getArray("lines").get(1)).getFloat64("unitPrice")).isEqualTo(999.0);
    Struct second = (Struct) t.apply(record(null, push.apply("{\"lines\":[],\"coupon\":\"XMAS\"}"))).value();
    assertThat(second.getString("coupon")).isEqualTo("XMAS");
    assertThat(second.schema().field("lines").schema()).isEqualTo(first.schema().field("lines").schema());
    Struct third = (Struct) t.apply(record(null, push.apply("{\"lines\":[{\"sku\":\"C\",\"qty\":3,"
        + "\"unitPrice\":1}]}"))).value();
    assertThat(third.schema()).isSameAs(second.schema());
    assertThat(third.getString("coupon")).isNull();
  }

  @Test
  void theRealWorldCorpusAsPushBodiesKeepsEveryValueUnderOneSchemaThatOnlyWidens() throws Exception {
    Base64Envelope<SinkRecord> t = value(Map.of("envelope", "pubsub_push", "json.schema", "infer"));
    var corpus = io.cloudbridge.testkit.events.RealWorldEvents.corpus("push", 20);
    Schema previous = null;
    int changes = 0;
    long offset = 0;
    for (var e : corpus) {
      String body = "{\"message\":{\"data\":\"" + b64(e.json()) + "\",\"messageId\":\"" + e.id()
          + "\"},\"subscription\":\"projects/p/subscriptions/events\"}";
      Struct v = (Struct) t.apply(new SinkRecord("events", 0, null, null, null, body, offset++)).value();
      io.cloudbridge.testkit.events.Arrived.assertArrived(e.id(), e.envelope(), v, false);
      if (previous != null && v.schema() != previous) {
        assertWidens("", previous, v.schema());
        changes++;
      }
      previous = v.schema();
    }
    // one topic, one stream: its schema widened only when an event carried a field (or a type) new to it
    assertThat(changes).isPositive().isLessThan(corpus.size() / 4);
    assertThat(previous.field("detail").schema().field("lines").schema().type()).isEqualTo(Schema.Type.ARRAY);
  }

  @Test
  void aDeclaredSchemaConvertsEveryPayloadAndAMisfitFailsNamingTheField() {
    String schema = "{\"type\":\"object\",\"required\":[\"orderId\"],\"properties\":{\"orderId\":{\"type\":"
        + "\"string\"},\"placedAt\":{\"type\":\"string\",\"format\":\"date-time\"},\"qty\":{\"type\":"
        + "\"integer\"}}}";
    Base64Envelope<SinkRecord> t = value(Map.of("envelope", "pubsub_push", "json.schema", "declared",
        "json.schema.text", schema));
    java.util.function.Function<String, String> push = json -> "{\"message\":{\"data\":\"" + b64(json)
        + "\",\"messageId\":\"1\"},\"subscription\":\"projects/p/subscriptions/s\"}";
    Struct v = (Struct) t.apply(record(null, push.apply("{\"orderId\":\"o-1\",\"placedAt\":"
        + "\"2021-02-26T19:13:55.749Z\",\"qty\":3}"))).value();
    assertThat(v.getInt64("qty")).isEqualTo(3L);
    assertThat(v.get("placedAt")).isEqualTo(java.util.Date.from(java.time.Instant.parse("2021-02-26T19:13:55.749Z")));
    assertThatThrownBy(() -> t.apply(record(null, push.apply("{\"orderId\":\"o-2\",\"qty\":\"three\"}"))))
        .isInstanceOf(DataException.class).hasMessageContaining("field qty").hasMessageContaining("integer");
    assertThatThrownBy(() -> value(Map.of("json.schema", "declared"))).hasMessageContaining("json.schema.files");
    assertThatThrownBy(() -> value(Map.of("json.schema.text", schema))).hasMessageContaining("json.schema=declared");
  }

  /** {@code after} holds every field of {@code before} with the same type (structs widened the same way). */
  private static void assertWidens(String path, Schema before, Schema after) {
    assertThat(after.type()).as(path).isEqualTo(before.type());
    switch (before.type()) {
      case STRUCT -> before.fields().forEach(f -> {
        assertThat(after.field(f.name())).as(path + "." + f.name() + " kept").isNotNull();
        assertWidens(path + "." + f.name(), f.schema(), after.field(f.name()).schema());
      });
      case ARRAY -> assertWidens(path + "[]", before.valueSchema(), after.valueSchema());
      default -> { }
    }
  }

  @Test
  void aPubSubPushBodyBecomesItsDecodedMessageWithAttributesAndIdsAsHeaders() {
    SinkRecord out = value(Map.of("envelope", "pubsub_push")).apply(record(Schema.OPTIONAL_STRING_SCHEMA, PUSH));
    Struct v = (Struct) out.value();
    assertThat(v.getStruct("order").getFloat64("id")).isEqualTo(42.0);
    assertThat(v.getStruct("order").getFloat64("total")).isEqualTo(19.5);
    assertThat(v.getArray("items")).containsExactly("a", "b");
    assertThat(v.getBoolean("paid")).isTrue();
    assertThat(out.valueSchema().fields()).extracting(f -> f.name()).containsExactly("items", "order", "paid");
    assertThat(out.headers().lastWithName("origin").value()).isEqualTo("checkout");
    assertThat(out.headers().lastWithName("region").value()).isEqualTo("eu");
    assertThat(out.headers().lastWithName("pubsub.message_id").value()).isEqualTo("2070443601311540");
    assertThat(out.headers().lastWithName("pubsub.publish_time").value()).isEqualTo("2021-02-26T19:13:55.749Z");
    assertThat(out.headers().lastWithName("pubsub.subscription").value())
        .isEqualTo("projects/myproject/subscriptions/mysubscription");
    assertThat(out.kafkaOffset()).isEqualTo(17);
  }

  @Test
  void theSameShapeGetsTheSameSchemaObjectAndSchemalessBodiesStaySchemaless() {
    Base64Envelope<SinkRecord> t = value(Map.of("envelope", "pubsub_push"));
    Schema first = t.apply(record(Schema.OPTIONAL_STRING_SCHEMA, PUSH)).valueSchema();
    assertThat(t.apply(record(Schema.OPTIONAL_STRING_SCHEMA, PUSH)).valueSchema()).isSameAs(first);

    Map<String, Object> parsed = new HashMap<>();
    parsed.put("message", Map.of("data", b64("{\"n\":1}"), "attributes", Map.of("a", "1")));
    SinkRecord out = value(Map.of("envelope", "pubsub_push", "json.schema", "none")).apply(record(null, parsed));
    assertThat(out.valueSchema()).isNull();
    assertThat(out.value()).isEqualTo(Map.of("n", 1L));
    assertThat(out.headers().lastWithName("a").value()).isEqualTo("1");
  }

  @Test
  void stepFunctionsBase64EncodeOutputInANestedFieldIsDecodedInPlace() {
    Schema inner = SchemaBuilder.struct().field("raw.data", Schema.OPTIONAL_STRING_SCHEMA)
        .field("kept", Schema.INT32_SCHEMA).build();
    Schema outer = SchemaBuilder.struct().name("sfn.Output").field("execution", Schema.STRING_SCHEMA)
        .field("meta", inner).build();
    // States.Base64Encode of a JSON document (standard alphabet, padded)
    Struct value = new Struct(outer).put("execution", "arn:aws:states:eu-west-1:1:execution:m:e1")
        .put("meta", new Struct(inner).put("raw.data", b64("{\"status\":\"SUCCEEDED\",\"count\":3}")).put("kept", 7));
    SinkRecord out = value(Map.of("field", "meta.raw\\.data")).apply(record(outer, value));
    Struct meta = ((Struct) out.value()).getStruct("meta");
    assertThat(meta.getStruct("raw.data").getString("status")).isEqualTo("SUCCEEDED");
    assertThat(meta.getStruct("raw.data").getFloat64("count")).isEqualTo(3.0);
    assertThat(meta.getInt32("kept")).isEqualTo(7);
    assertThat(((Struct) out.value()).getString("execution")).endsWith(":e1");
    assertThat(out.valueSchema().name()).isEqualTo("sfn.Output");
  }

  @Test
  void urlSafeUnpaddedAndGzippedPayloadsDecode() throws Exception {
    String json = "{\"path\":\"/a?b=c&d=\\u00e9~\",\"n\":1}";
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    assertThat(urlSafe).doesNotEndWith("=");
    Struct v = (Struct) value(Map.of()).apply(record(Schema.STRING_SCHEMA, urlSafe)).value();
    assertThat(v.getString("path")).isEqualTo("/a?b=c&d=\u00e9~");

    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(zipped)) {
      z.write("plain text body".getBytes(StandardCharsets.UTF_8));
    }
    String gz = Base64.getEncoder().encodeToString(zipped.toByteArray());
    assertThat(value(Map.of("output", "string")).apply(record(Schema.STRING_SCHEMA, gz)).value())
        .isEqualTo("plain text body");
    assertThat((byte[]) value(Map.of("output", "bytes", "gzip", "never")).apply(record(Schema.STRING_SCHEMA, gz))
        .value()).isEqualTo(zipped.toByteArray());
  }

  @Test
  void invalidInputFailsNamingTheRecordOrPassesThroughWithAnErrorHeader() {
    SinkRecord bad = record(Schema.STRING_SCHEMA, "not*base64!");
    assertThatThrownBy(() -> value(Map.of()).apply(bad)).isInstanceOf(DataException.class)
        .hasMessageContaining("events/2@17").hasMessageContaining("not base64");
    SinkRecord notJson = record(Schema.STRING_SCHEMA, b64("{\"open\":"));
    assertThatThrownBy(() -> value(Map.of()).apply(notJson)).hasMessageContaining("not JSON");
    SinkRecord through = value(Map.of("on.error", "passthrough")).apply(bad);
    assertThat(through.value()).isEqualTo("not*base64!");
    assertThat(through.headers().lastWithName("cloudbridge.error").value().toString())
        .contains("events/2@17").contains("not base64");
    SinkRecord bomb = record(Schema.STRING_SCHEMA, b64("x".repeat(5000)));
    assertThatThrownBy(() -> value(Map.of("output", "string", "max.decoded.bytes", "1000")).apply(bomb))
        .hasMessageContaining("more than max.decoded.bytes");
  }

  @Test
  void tombstonesNullsAndMissingFieldsFollowTheirRules() {
    SinkRecord tombstone = record(null, null);
    assertThat(value(Map.of()).apply(tombstone)).isSameAs(tombstone);
    assertThatThrownBy(() -> value(Map.of("on.null", "fail")).apply(tombstone)).hasMessageContaining("null");

    Map<String, Object> noField = Map.of("other", "x");
    assertThatThrownBy(() -> value(Map.of("field", "payload")).apply(record(null, noField)))
        .hasMessageContaining("field payload is missing").hasMessageContaining("events/2@17");
    assertThat(value(Map.of("field", "payload", "on.missing", "passthrough")).apply(record(null, noField)).value())
        .isEqualTo(noField);
    Map<String, Object> nullField = new HashMap<>();
    nullField.put("payload", null);
    nullField.put("other", "x");
    assertThat(value(Map.of("field", "payload", "on.null", "null")).apply(record(null, nullField)).value())
        .isEqualTo(nullField);
  }

  @Test
  void theKeyVariantDecodesTheKeyAndSourceRecordsAreNamedWithoutOffset() {
    Base64Envelope<SourceRecord> t = new Base64Envelope.Key<>();
    t.configure(Map.of("output", "string"));
    SourceRecord r = new SourceRecord(Map.of(), Map.of(), "keys", 0, Schema.STRING_SCHEMA, b64("user-7"),
        Schema.STRING_SCHEMA, "v");
    SourceRecord out = t.apply(r);
    assertThat(out.key()).isEqualTo("user-7");
    assertThat(out.value()).isEqualTo("v");
    SourceRecord bad = new SourceRecord(Map.of(), Map.of(), "keys", 0, Schema.STRING_SCHEMA, "%%", null, "v");
    assertThatThrownBy(() -> t.apply(bad)).hasMessageStartingWith("record keys/0: ");
  }

  @Test
  void encodingWritesBase64OfTheValueOrAPubSubMessageBody() {
    Schema schema = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).field("tags",
        SchemaBuilder.array(Schema.STRING_SCHEMA).build()).build();
    Struct order = new Struct(schema).put("id", 7L).put("tags", List.of("x"));
    SinkRecord encoded = value(Map.of("mode", "encode")).apply(record(schema, order));
    assertThat(new String(Base64.getDecoder().decode((String) encoded.value()), StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":7,\"tags\":[\"x\"]}");

    SinkRecord withHeaders = record(schema, order);
    withHeaders.headers().addString("attr.origin", "shop").addString("other", "no");
    SinkRecord body = value(Map.of("mode", "encode", "envelope", "pubsub_message", "attributes.header.prefix",
        "attr.", "base64.alphabet", "url_safe", "base64.padding", "false")).apply(withHeaders);
    @SuppressWarnings("unchecked")
    Map<String, Object> message = (Map<String, Object>) body.value();
    assertThat(message.get("attributes")).isEqualTo(Map.of("origin", "shop"));
    // and back: the decoder reads its own output, URL-safe and unpadded
    SinkRecord back = value(Map.of("envelope", "custom", "envelope.payload.path", "data",
        "envelope.attributes.path", "attributes", "json.schema", "none")).apply(record(null, message));
    assertThat(back.value()).isEqualTo(Map.of("id", 7L, "tags", List.of("x")));
    assertThat(back.headers().lastWithName("origin").value()).isEqualTo("shop");
  }

  @Test
  void configurationsThatCannotWorkAreRefused() {
    assertThatThrownBy(() -> value(Map.of("envelope", "pubsub_message"))).hasMessageContaining("mode=encode");
    assertThatThrownBy(() -> value(Map.of("mode", "encode", "envelope", "pubsub_push")))
        .hasMessageContaining("mode=decode");
    assertThatThrownBy(() -> value(Map.of("field", "a..b"))).hasMessageContaining("empty name");
  }
}
