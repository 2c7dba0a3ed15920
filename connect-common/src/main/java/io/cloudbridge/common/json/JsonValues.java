package io.cloudbridge.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * JSON to Connect values, with a schema inferred from the document itself: objects become structs (fields
 * sorted by name, all optional, so the same shape always gives the same schema), integers INT64, other
 * numbers FLOAT64, arrays of one element type ARRAY, and anything mixed or null a JSON string.
 */
public final class JsonValues {

  private JsonValues() {}

  /** A schemaless value: maps, lists, strings, longs, doubles, booleans, null. */
  public static Object schemaless(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> out = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> out.put(e.getKey(), schemaless(e.getValue())));
      return out;
    }
    if (node.isArray()) {
      List<Object> out = new ArrayList<>();
      node.forEach(n -> out.add(schemaless(n)));
      return out;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  public static Schema inferSchema(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Schema.OPTIONAL_STRING_SCHEMA;
    }
    if (node.isObject()) {
      SchemaBuilder b = SchemaBuilder.struct().optional();
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
      if (sorted.containsKey("")) {
        return Schema.OPTIONAL_STRING_SCHEMA; // Connect fields need a name: an object with a "" key stays JSON text
      }
      sorted.forEach((k, v) -> b.field(k, inferSchema(v)));
      return b.build();
    }
    if (node.isArray()) {
      Schema element = null;
      for (JsonNode n : node) {
        Schema s = inferSchema(n);
        if (element == null) {
          element = s;
        } else if (!element.equals(s)) {
          return Schema.OPTIONAL_STRING_SCHEMA; // mixed arrays stay JSON text
        }
      }
      return SchemaBuilder.array(element == null ? Schema.OPTIONAL_STRING_SCHEMA : element).optional().build();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return Schema.OPTIONAL_INT64_SCHEMA;
    }
    if (node.isNumber()) {
      return Schema.OPTIONAL_FLOAT64_SCHEMA;
    }
    if (node.isBoolean()) {
      return Schema.OPTIONAL_BOOLEAN_SCHEMA;
    }
    return Schema.OPTIONAL_STRING_SCHEMA;
  }

  /** The value of {@code node} for {@code schema} (as {@link #inferSchema} made it). */
  public static Object withSchema(JsonNode node, Schema schema) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    switch (schema.type()) {
      case STRUCT -> {
        Struct struct = new Struct(schema);
        for (var field : schema.fields()) {
          struct.put(field, withSchema(node.get(field.name()), field.schema()));
        }
        return struct;
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
          out.add(withSchema(it.next(), schema.valueSchema()));
        }
        return out;
      }
      case INT64 -> {
        return node.longValue();
      }
      case FLOAT64 -> {
        return node.doubleValue();
      }
      case BOOLEAN -> {
        return node.booleanValue();
      }
      default -> {
        return node.isValueNode() ? node.asText() : node.toString();
      }
    }
  }
}
