package io.cloudbridge.common.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void objectsBecomeStructsAndAnObjectWithAnEmptyKeyStaysJsonText() throws Exception {
    JsonNode node = JSON.readTree("{\"a\":{\"\":[1,2]},\"b\":{\"c\":1.5,\"d\":[true,false]},\"e\":[1,\"x\"]}");
    Schema schema = JsonValues.inferSchema(node);
    assertThat(schema.field("a").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    assertThat(schema.field("b").schema().field("c").schema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
    assertThat(schema.field("e").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    Struct value = (Struct) JsonValues.withSchema(node, schema);
    value.validate();
    assertThat(value.getString("a")).isEqualTo("{\"\":[1,2]}");
    assertThat(value.getStruct("b").getFloat64("c")).isEqualTo(1.5);
    assertThat(value.getStruct("b").getArray("d")).containsExactly(true, false);
    assertThat(value.getString("e")).isEqualTo("[1,\"x\"]");
  }
}
