package io.cloudbridge.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class JsonSchemaLearnerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonSchemaLearner learner = new JsonSchemaLearner();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Struct learnAndConvert(String stream, String text) {
    JsonNode node = json(text);
    return (Struct) JsonSchemaLearner.value(node, learner.learn(stream, node));
  }

  @Test
  void lineItemsMixingIntegralAndFractionalPricesAreOneArrayOfOneStruct() {
    Struct order = learnAndConvert("orders", "{\"lines\":[{\"sku\":\"A-1\",\"qty\":2,\"unitPrice\":5000.5},"
        + "{\"sku\":\"B-2\",\"qty\":1,\"unitPrice\":999,\"note\":\"gift\"},null]}");
    Schema line = order.schema().field("lines").schema().valueSchema();
    assertThat(line.type()).isEqualTo(Schema.Type.STRUCT);
    assertThat(line.fields()).extracting(f -> f.name() + ":" + f.schema().type())
        .containsExactly("note:STRING", "qty:FLOAT64", "sku:STRING", "unitPrice:FLOAT64");
    List<Object> lines = order.getArray("lines");
    assertThat(((Struct) lines.get(0)).getFloat64("unitPrice")).isEqualTo(5000.5);
    assertThat(((Struct) lines.get(0)).getString("note")).isNull();
    assertThat(((Struct) lines.get(1)).getFloat64("unitPrice")).isEqualTo(999.0);
    assertThat(((Struct) lines.get(1)).getString("note")).isEqualTo("gift");
    assertThat(lines.get(2)).isNull();
  }

  @Test
  void aStreamsSchemaOnlyWidensAndStaysTheSameInstanceWhileRecordsFit() {
    Schema first = learner.learn("s", json("{\"amount\":5000,\"coupon\":null,\"tags\":[]}"));
    assertThat(first.fields()).extracting(f -> f.name()).containsExactly("amount");
    assertThat(learner.learn("s", json("{\"amount\":5000.5,\"tags\":[]}"))).isSameAs(first);
    Schema second = learner.learn("s", json("{\"amount\":1,\"coupon\":\"XMAS\"}"));
    assertThat(second.fields()).extracting(f -> f.name() + ":" + f.schema().type())
        .containsExactly("amount:FLOAT64", "coupon:STRING");
    Schema third = learner.learn("s", json("{\"tags\":[\"new\"]}"));
    assertThat(third.fields()).extracting(f -> f.name()).containsExactly("amount", "coupon", "tags");
    assertThat(learner.learn("s", json("{\"amount\":2,\"coupon\":null,\"tags\":null}"))).isSameAs(third);
    assertThat(learner.changes()).isEqualTo(2);
    // another stream learns on its own
    assertThat(learner.learn("other", json("{\"x\":true}")).fields()).extracting(f -> f.name()).containsExactly("x");
    assertThat(learner.changes()).isEqualTo(2);
  }

  @Test
  void textTakesAnyLaterValueAsTextButOtherTypesRefuseNamingTheField() {
    learnAndConvert("s", "{\"ref\":\"A-1\",\"detail\":{\"n\":1}}");
    Struct later = learnAndConvert("s", "{\"ref\":5000.5,\"detail\":{\"n\":2}}");
    assertThat(later.getString("ref")).isEqualTo("5000.5");
    assertThat(learnAndConvert("s", "{\"ref\":{\"a\":[1]}}").getString("ref")).isEqualTo("{\"a\":[1]}");
    assertThatThrownBy(() -> learner.learn("s", json("{\"detail\":{\"n\":\"two\"}}")))
        .isInstanceOf(DataException.class).hasMessageContaining("field detail.n was learned as FLOAT64")
        .hasMessageContaining("a STRING");
    assertThatThrownBy(() -> learner.learn("s", json("{\"detail\":[1]}")))
        .hasMessageContaining("field detail was learned as STRUCT but this record has an array");
  }

  @Test
  void aNewArrayOfMixedScalarsHoldsTextButAStructArrayWithAConflictIsRefused() {
    Struct v = learnAndConvert("s", "{\"mixed\":[1,\"a\",true]}");
    assertThat(v.getArray("mixed")).containsExactly("1", "a", "true");
    assertThatThrownBy(() -> learner.learn("t", json("{\"items\":[{\"a\":1},{\"a\":{\"b\":1}}]}")))
        .hasMessageContaining("field items[].a was learned as FLOAT64");
  }

  @Test
  void emptyKeysAndTopLevelNullsAndHugeIntegers() {
    assertThat(learnAndConvert("s", "{\"odd\":{\"\":1}}").getString("odd")).isEqualTo("{\"\":1}");
    assertThat(learner.learn("n", json("null"))).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    JsonNode huge = json("{\"id\":12345678901234567890}");
    assertThatThrownBy(() -> JsonSchemaLearner.value(huge, learner.learn("h", huge)))
        .isInstanceOf(DataException.class).hasMessageContaining("field id").hasMessageContaining("2^53");
    JsonNode exact = json("{\"id\":9007199254740992}");
    assertThat(((Struct) JsonSchemaLearner.value(exact, learner.learn("h", exact))).getFloat64("id"))
        .isEqualTo(9.007199254740992E15);
  }

  @Test
  void keysWithDashesDotsSpacesAndNonAsciiAreKeptAsTheyAre() {
    Struct v = learnAndConvert("s", "{\"detail-type\":\"x\",\"a.b\":1,\"first name\":\"Zoë\",\"größe\":2}");
    assertThat(v.schema().fields()).extracting(f -> f.name())
        .containsExactly("a.b", "detail-type", "first name", "größe");
    assertThat(v.getString("first name")).isEqualTo("Zoë");
  }
}
