package io.cloudbridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class BodyDecoderTest {

  /** A custom-bus event as EventBridge delivers it to an SQS target, with nested detail and unicode. */
  static final String ORDER_PLACED = """
      {"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":"Order Placed",
       "source":"com.example.shop","account":"111122223333","time":"2026-11-22T10:15:30Z","region":"eu-west-1",
       "resources":["arn:aws:events:eu-west-1:111122223333:event-bus/shop"],
       "detail":{"orderId":"o-1","tenantId":"t-9","total":12.5,"items":[{"sku":"s1","qty":2}],"note":"grüße ✓",
                 "gift":false,"coupon":null}}""";

  /** An AWS service event (S3 via EventBridge). */
  static final String S3_OBJECT_CREATED = """
      {"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103","detail-type":"Object Created","source":"aws.s3",
       "account":"111122223333","time":"2021-11-12T00:00:00Z","region":"ca-central-1",
       "resources":["arn:aws:s3:::example-bucket"],
       "detail":{"version":"0","bucket":{"name":"example-bucket"},"object":{"key":"example-key","size":5,
       "etag":"b1946ac92492d2347c6235b4d2611184","version-id":"IYV3p45BT0ac8hjHg1houSdS1a.Mro8e",
       "sequencer":"617f08299329d189"},"request-id":"N4N7GDK58NMKJ12R","requester":"123456789012",
       "source-ip-address":"1.2.3.4","reason":"PutObject"}}""";

  private static BodyDecoder decoder(SqsSourceConfig.ValueFormat format, boolean schemas) {
    return new BodyDecoder(format, schemas, false, false, false);
  }

  @Test
  void eventBridgeEnvelopeBecomesAStructWithStructuredDetail() throws Exception {
    DecodedBody body = decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true).decode(ORDER_PLACED);

    Struct v = (Struct) body.value();
    assertThat(v.getString("id")).isEqualTo("6a7e8feb-b491-4cf7-a9f1-bf3703467718");
    assertThat(v.getString("detail_type")).isEqualTo("Order Placed");
    assertThat(v.getString("source")).isEqualTo("com.example.shop");
    assertThat(v.getArray("resources")).containsExactly("arn:aws:events:eu-west-1:111122223333:event-bus/shop");
    Struct detail = v.getStruct("detail");
    assertThat(detail.getString("note")).isEqualTo("grüße ✓");
    assertThat(detail.getFloat64("total")).isEqualTo(12.5);
    assertThat(detail.getBoolean("gift")).isFalse();
    assertThat(detail.schema().field("coupon")).as("a null fixes no type").isNull();
    assertThat(((Struct) detail.getArray("items").get(0)).getFloat64("qty")).isEqualTo(2.0);
    assertThat(v.getString("replay_name")).isNull();
    v.validate();
  }

  @Test
  void anArchiveReplaysReplayNameIsKeptWithAndWithoutSchemas() throws Exception {
    String replayed = ORDER_PLACED.replaceFirst("\\{", "{\"replay-name\":\"shop-2026-11-30\",");
    Struct v = (Struct) decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true).decode(replayed).value();
    assertThat(v.getString("replay_name")).isEqualTo("shop-2026-11-30");
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, false)
        .decode(replayed).value();
    assertThat(map).containsEntry("replay_name", "shop-2026-11-30").doesNotContainKey("replay-name");
  }

  @Test
  void aStreamOfDriftingEventsKeepsOneWideningSchemaPerSourceAndDetailType() throws Exception {
    BodyDecoder d = decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true);
    Struct first = (Struct) d.decode(ORDER_PLACED).value();
    // the next order: the coupon filled in, an integral total, a line item with an optional field
    Struct second = (Struct) d.decode(ORDER_PLACED.replace("\"total\":12.5", "\"total\":5000")
        .replace("\"coupon\":null", "\"coupon\":\"XMAS\"")
        .replace("{\"sku\":\"s1\",\"qty\":2}", "{\"sku\":\"s1\",\"qty\":2},{\"sku\":\"s2\",\"qty\":1,"
            + "\"unitPrice\":999.5}")).value();
    Struct third = (Struct) d.decode(ORDER_PLACED).value();
    assertThat(second.getStruct("detail").getFloat64("total")).isEqualTo(5000.0);
    assertThat(second.getStruct("detail").getString("coupon")).isEqualTo("XMAS");
    assertThat(((Struct) second.getStruct("detail").getArray("items").get(1)).getFloat64("unitPrice"))
        .isEqualTo(999.5);
    assertThat(third.schema()).as("the widened schema stays").isSameAs(second.schema());
    assertThat(third.getStruct("detail").getString("coupon")).isNull();
    assertThat(first.schema().field("detail").schema().fields()).extracting(f -> f.name())
        .isSubsetOf(second.schema().field("detail").schema().fields().stream().map(f -> f.name()).toList());
    assertThat(d.schemaChanges()).isEqualTo(1);
    // another detail-type is a stream of its own
    assertThat(((Struct) d.decode(S3_OBJECT_CREATED).value()).getStruct("detail").getStruct("object")
        .getFloat64("size")).isEqualTo(5.0);
    assertThat(d.schemaChanges()).isEqualTo(1);
    // a value that fits neither its learned type nor text is a malformed message naming the field
    assertThatThrownBy(() -> d.decode(ORDER_PLACED.replace("\"total\":12.5", "\"total\":{\"amount\":1}")))
        .isInstanceOf(MalformedMessageException.class).hasMessageContaining("field total was learned as FLOAT64");
  }

  @Test
  void sameEventShapeGivesTheSameSchema() throws Exception {
    BodyDecoder d = decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true);
    Schema a = d.decode(S3_OBJECT_CREATED).schema();
    Schema b = d.decode(S3_OBJECT_CREATED.replace("example-key", "other-key")).schema();
    assertThat(a).isEqualTo(b);
    assertThat(((Struct) d.decode(S3_OBJECT_CREATED).value()).getStruct("detail").getStruct("object")
        .getString("version-id")).isEqualTo("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e");
  }

  @Test
  void detailCanStayJsonTextAndValuesCanBeSchemaless() throws Exception {
    Struct asText = (Struct) new BodyDecoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true, true, false, false)
        .decode(ORDER_PLACED).value();
    assertThat(asText.getString("detail")).contains("\"orderId\":\"o-1\"");

    DecodedBody schemaless = decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, false).decode(ORDER_PLACED);
    assertThat(schemaless.schema()).isNull();
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) schemaless.value();
    assertThat(map).containsEntry("detail_type", "Order Placed").doesNotContainKey("detail-type");
    @SuppressWarnings("unchecked")
    Map<String, Object> detail = (Map<String, Object>) map.get("detail");
    assertThat(detail).containsEntry("orderId", "o-1").containsEntry("total", 12.5).containsEntry("gift", false)
        .containsEntry("coupon", null).containsEntry("items", List.of(Map.of("sku", "s1", "qty", 2L)));
  }

  @Test
  void snsNotificationsAreUnwrappedKeepingTheirAttributes() throws Exception {
    String sns = "{\"Type\":\"Notification\",\"MessageId\":\"m-1\",\"TopicArn\":\"arn:aws:sns:eu-west-1:1:t\","
        + "\"Message\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(ORDER_PLACED) + ","
        + "\"Timestamp\":\"2026-11-22T10:15:31.000Z\",\"MessageAttributes\":{\"tenant\":{\"Type\":\"String\",\"Value\":\"t-9\"}}}";
    DecodedBody body = new BodyDecoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true, false, false, true).decode(sns);
    assertThat(((Struct) body.value()).getString("detail_type")).isEqualTo("Order Placed");
    assertThat(body.snsAttributes()).containsEntry("tenant", "t-9");
  }

  @Test
  void base64BodiesAreDecodedFirst() throws Exception {
    String encoded = Base64.getEncoder().encodeToString("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    DecodedBody body = new BodyDecoder(SqsSourceConfig.ValueFormat.JSON, true, false, true, false).decode(encoded);
    assertThat(((Struct) body.value()).getFloat64("a")).isEqualTo(1.0);

    assertThatThrownBy(() -> new BodyDecoder(SqsSourceConfig.ValueFormat.JSON, true, false, true, false).decode("%%%"))
        .isInstanceOf(MalformedMessageException.class).hasMessageContaining("base64");
  }

  @Test
  void stringAndBytesFormatsKeepTheBody() throws Exception {
    assertThat(decoder(SqsSourceConfig.ValueFormat.STRING, true).decode("plain text").value()).isEqualTo("plain text");
    assertThat((byte[]) decoder(SqsSourceConfig.ValueFormat.BYTES, true).decode("raw").value())
        .isEqualTo("raw".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void malformedBodiesSayWhatIsWrong() {
    BodyDecoder eb = decoder(SqsSourceConfig.ValueFormat.EVENTBRIDGE, true);
    assertThatThrownBy(() -> eb.decode("not json")).isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> eb.decode("{\"id\":\"1\",\"detail-type\":\"x\",\"time\":\"t\",\"detail\":{}}"))
        .hasMessage("EventBridge envelope field 'source' is missing");
    assertThatThrownBy(() -> eb.decode("[1,2]")).hasMessageContaining("must be a JSON object");
    assertThatThrownBy(() -> eb.decode(ORDER_PLACED.replace("\"detail\":{", "\"detail\":\"text\",\"x\":{")))
        .hasMessageContaining("'detail' is not a JSON object");
  }
}
