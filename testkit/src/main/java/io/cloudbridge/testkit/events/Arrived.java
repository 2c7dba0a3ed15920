package io.cloudbridge.testkit.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Asserts that a value that went through a pipeline (a Connect struct, a BigQuery row, a Parquet record as Java maps,
 * lists and scalars) holds what the JSON sent held: every field, at every depth, with arrays as arrays and numbers
 * equal as doubles. A null, an empty array or an object without values may arrive as null or empty (sources learn
 * no type from them; sinks leave out what has no fields). Names are matched as the sinks rewrite them when
 * {@code rewriteNames} is set (anything but ASCII letters, digits and {@code _} becomes {@code _}), else exactly.
 * A value that arrives as text where the JSON had a number, boolean, object or array must be that value's JSON (a
 * field learned as text takes later values so).
 */
public final class Arrived {

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();
  /** Numbers equal by value (1 and 1.0), everything else by equals. */
  private static final java.util.Comparator<JsonNode> SAME_NUMBERS = (a, b) -> a.isNumber() && b.isNumber()
      ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;

  private Arrived() {}

  public static void assertArrived(String path, JsonNode expected, Object actual, boolean rewriteNames) {
    Object value = actual instanceof Struct s ? toMap(s) : actual;
    if (expected == null || expected.isNull() || isEmpty(expected)) {
      assertThat(isEmpty(value)).as(path + " is empty, got " + value).isTrue();
      return;
    }
    if (!expected.isTextual() && value instanceof String text) {
      // a field learned as text takes later values as their JSON text (JsonSchemaLearner's rule): the same JSON
      JsonNode parsed;
      try {
        parsed = JSON.readTree(text);
      } catch (java.io.IOException e) {
        throw new AssertionError(path + ": expected " + expected + ", got text that is no JSON: " + text, e);
      }
      assertThat(expected.equals(SAME_NUMBERS, parsed)).as(path + ": expected " + expected + ", got " + text)
          .isTrue();
      return;
    }
    if (expected.isObject()) {
      assertThat(value).as(path).isInstanceOf(Map.class);
      Map<?, ?> map = (Map<?, ?>) value;
      expected.properties().forEach(f -> assertArrived(path + "." + f.getKey(), f.getValue(),
          map.get(rewriteNames ? f.getKey().replaceAll("[^A-Za-z0-9_]", "_") : f.getKey()), rewriteNames));
    } else if (expected.isArray()) {
      assertThat(value).as(path).isInstanceOf(List.class);
      List<?> list = (List<?>) value;
      assertThat(list).as(path).hasSize(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        assertArrived(path + "[" + i + "]", expected.get(i), list.get(i), rewriteNames);
      }
    } else if (expected.isNumber()) {
      assertThat(value).as(path).isInstanceOf(Number.class);
      assertThat(((Number) value).doubleValue()).as(path).isEqualTo(expected.doubleValue());
    } else if (expected.isBoolean()) {
      assertThat(value).as(path).isEqualTo(expected.booleanValue());
    } else {
      assertThat(value == null ? null : value.toString()).as(path).isEqualTo(expected.textValue());
    }
  }

  private static boolean isEmpty(JsonNode n) {
    if (n.isArray() && n.isEmpty()) {
      return true;
    }
    if (n.isObject()) {
      for (JsonNode v : n) {
        if (!(v.isNull() || isEmpty(v))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean isEmpty(Object v) {
    if (v == null) {
      return true;
    }
    if (v instanceof Collection<?> c) {
      return c.stream().allMatch(Arrived::isEmpty);
    }
    if (v instanceof Map<?, ?> m) {
      return m.values().stream().allMatch(Arrived::isEmpty);
    }
    return false;
  }

  /** A struct as maps and lists (nested structs too). */
  public static Map<String, Object> toMap(Struct s) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Field f : s.schema().fields()) {
      out.put(f.name(), plain(s.get(f)));
    }
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof Struct s) {
      return toMap(s);
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>();
      c.forEach(o -> out.add(plain(o)));
      return out;
    }
    return v;
  }
}
