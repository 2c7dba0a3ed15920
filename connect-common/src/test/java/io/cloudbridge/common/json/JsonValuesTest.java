package io.cloudbridge.common.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void schemalessValuesAreMapsListsLongsDoublesBooleansAndNulls() throws Exception {
    Object v = JsonValues.schemaless(JSON.readTree("{\"a\":{\"\":[1,2]},\"b\":{\"c\":1.5,\"d\":[true,null]},"
        + "\"e\":[1,\"x\"],\"f\":\"Zoë\"}"));
    assertThat(v).isEqualTo(Map.of("a", Map.of("", java.util.List.of(1L, 2L)), "b", Map.of("c", 1.5, "d",
        Arrays.asList(true, null)), "e", java.util.List.of(1L, "x"), "f", "Zoë"));
  }
}
