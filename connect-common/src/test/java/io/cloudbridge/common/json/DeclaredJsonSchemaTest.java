package io.cloudbridge.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** Draft-04 schemas in the form EventBridge's schema registry exports, and documents converted to them. */
class DeclaredJsonSchemaTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static DeclaredJsonSchema orders(DeclaredJsonSchema.Undeclared undeclared) throws Exception {
    try (var in = DeclaredJsonSchemaTest.class.getResourceAsStream("order-placed.schema.json")) {
      return DeclaredJsonSchema.parse(JSON.readTree(in), "order-placed.schema.json", undeclared);
    }
  }

  private static final String DETAIL = "{\"orderId\":\"o-1\",\"placedAt\":\"2026-11-30T09:15:00.250+01:00\","
      + "\"deliveryDay\":\"2026-12-02\",\"coupon\":null,\"total\":5000,"
      + "\"customer\":{\"id\":\"c-1\",\"prénom\":\"Zoë\",\"e-mail.verified\":true},"
      + "\"lines\":[{\"sku\":\"A-1\",\"qty\":2,\"unitPrice\":5000.5},{\"sku\":\"B-2\",\"qty\":1.0,\"unitPrice\":999}],"
      + "\"metadata\":{\"channel\":\"app\",\"ab\":[1,2]}}";

  @Test
  void anExportedEventSchemaBecomesAConnectSchemaAndItsDetailConvertsExactly() throws Exception {
    DeclaredJsonSchema event = orders(DeclaredJsonSchema.Undeclared.FAIL);
    assertThat(event.source()).isEqualTo("com.example.shop");
    assertThat(event.detailType()).isEqualTo("Order Placed");
    assertThat(event.schema().field("time").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
    DeclaredJsonSchema detail = event.property("detail");
    Schema s = detail.schema();
    assertThat(s.name()).isEqualTo("OrderPlaced");
    assertThat(s.fields()).extracting(f -> f.name()).containsExactly("orderId", "placedAt", "deliveryDay", "coupon",
        "total", "customer", "lines", "metadata");
    assertThat(s.field("orderId").schema().isOptional()).isFalse();
    assertThat(s.field("coupon").schema().isOptional()).isTrue();
    assertThat(s.field("lines").schema().valueSchema().field("qty").schema().type()).isEqualTo(Schema.Type.INT64);
    assertThat(s.field("deliveryDay").schema().name()).isEqualTo(org.apache.kafka.connect.data.Date.LOGICAL_NAME);

    Struct v = (Struct) detail.value(JSON.readTree(DETAIL));
    v.validate();
    assertThat(v.get("placedAt")).isEqualTo(Date.from(Instant.parse("2026-11-30T08:15:00.250Z")));
    assertThat(v.get("deliveryDay")).isEqualTo(Date.from(Instant.parse("2026-12-02T00:00:00Z")));
    assertThat(v.get("coupon")).isNull();
    assertThat(v.getFloat64("total")).isEqualTo(5000.0);
    assertThat(v.getStruct("customer").getString("prénom")).isEqualTo("Zoë");
    assertThat(v.getStruct("customer").getBoolean("e-mail.verified")).isTrue();
    List<Object> lines = v.getArray("lines");
    assertThat(((Struct) lines.get(1)).getInt64("qty")).isEqualTo(1L); // 1.0 is an integer
    assertThat(((Struct) lines.get(0)).getFloat64("unitPrice")).isEqualTo(5000.5);
    assertThat(((Struct) lines.get(1)).get("discount")).isNull();
    // what the schema leaves open stays whole, as JSON text
    assertThat(v.getString("metadata")).isEqualTo("{\"channel\":\"app\",\"ab\":[1,2]}");
  }

  @Test
  void aDocumentThatDoesNotFitFailsNamingTheField() throws Exception {
    DeclaredJsonSchema detail = orders(DeclaredJsonSchema.Undeclared.FAIL).property("detail");
    assertMisfit(detail, DETAIL.replace("\"qty\":2,", "\"qty\":2.5,"), "field lines[0].qty", "integer");
    assertMisfit(detail, DETAIL.replace("\"qty\":2,", "\"qty\":\"2\","), "field lines[0].qty", "a string");
    assertMisfit(detail, DETAIL.replace("\"orderId\":\"o-1\",", ""), "field orderId", "missing");
    assertMisfit(detail, DETAIL.replace("\"orderId\":\"o-1\"", "\"orderId\":null"), "field orderId", "null");
    assertMisfit(detail, DETAIL.replace("2026-11-30T09:15:00.250+01:00", "yesterday"), "field placedAt",
        "date-time");
    assertMisfit(detail, DETAIL.replace("\"total\":5000", "\"total\":{\"amount\":5000}"), "field total",
        "an object");
    assertMisfit(detail, DETAIL.replace("\"id\":\"c-1\"", "\"id\":\"c-1\",\"tier\":\"gold\""),
        "field customer.tier", "not declared");
    // undeclared keys ignored when the connector is so configured (and the schema does not close the object)
    DeclaredJsonSchema lenient = orders(DeclaredJsonSchema.Undeclared.IGNORE).property("detail");
    Struct v = (Struct) lenient.value(JSON.readTree(DETAIL.replace("\"id\":\"c-1\"", "\"id\":\"c-1\",\"tier\":1")));
    assertThat(v.getStruct("customer").schema().field("tier")).isNull();
  }

  private static void assertMisfit(DeclaredJsonSchema s, String json, String field, String why) throws Exception {
    JsonNode node = JSON.readTree(json);
    assertThatThrownBy(() -> s.value(node)).isInstanceOf(DataException.class).hasMessageContaining(field)
        .hasMessageContaining(why);
  }

  @Test
  void schemasThatHaveNoConnectSchemaAreRefusedSayingWhere() {
    assertThatThrownBy(() -> DeclaredJsonSchema.parse(JSON.readTree("{\"type\":\"object\",\"properties\":{\"a\":"
        + "{\"$ref\":\"#/definitions/A\"}},\"definitions\":{\"A\":{\"type\":\"object\",\"properties\":{\"next\":"
        + "{\"$ref\":\"#/definitions/A\"}}}}}"), "tree.json", DeclaredJsonSchema.Undeclared.FAIL))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tree.json").hasMessageContaining("a.next")
        .hasMessageContaining("refers to itself");
    assertThatThrownBy(() -> DeclaredJsonSchema.parse(JSON.readTree("{\"properties\":{\"a\":{\"$ref\":"
        + "\"https://example.com/a.json\"}}}"), "remote.json", DeclaredJsonSchema.Undeclared.FAIL))
        .hasMessageContaining("field a").hasMessageContaining("#/definitions/Name");
    assertThatThrownBy(() -> DeclaredJsonSchema.parse(JSON.readTree("{\"properties\":{\"a\":{\"type\":\"decimal\"}}}"),
        "odd.json", DeclaredJsonSchema.Undeclared.FAIL)).hasMessageContaining("type decimal");
    assertThatThrownBy(() -> DeclaredJsonSchema.parse(JSON.readTree("[1]"), "array.json",
        DeclaredJsonSchema.Undeclared.FAIL)).hasMessageContaining("JSON object");
  }
}
