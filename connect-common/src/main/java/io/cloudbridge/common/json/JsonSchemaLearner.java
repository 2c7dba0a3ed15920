package io.cloudbridge.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Learns one Connect schema per stream of JSON documents (e.g. per EventBridge source and detail-type) that only
 * ever widens, so that consecutive records of a stream carry the same schema or a compatible superset of it.
 *
 * <p>The rules, for documents without a declared schema:
 * <ul>
 *   <li>Every JSON number is FLOAT64: {@code 5000} and {@code 5000.5} in one field share one type from the start, so
 *       no field is ever retyped from integer to fractional (BigQuery cannot change a column's type in place). An
 *       integer FLOAT64 cannot hold exactly (beyond ±2^53) fails the record naming the field rather than being
 *       rounded.</li>
 *   <li>A null, or an empty array, fixes no type: such a field is left out of the schema (its value is null) until
 *       a value shows its type; then the field is added.</li>
 *   <li>Objects become structs whose fields are sorted by name and all optional; the objects in one array, and one
 *       field's objects across documents, share one struct: the union of their fields.</li>
 *   <li>A field once learned keeps its type: fields are added, never removed or retyped. A text field takes any
 *       later value as text (a number as its JSON text, an object or array as JSON); a value that fits neither the
 *       learned type nor text (e.g. an object where a number was learned) fails the record naming the field and
 *       both types. Only a brand-new array mixing scalar types (e.g. {@code [1, "a"]}) is learned as text
 *       elements.</li>
 *   <li>An object with an empty key, which a Connect field cannot be named, is text (its JSON).</li>
 * </ul>
 * Schemas are learned per task and kept for at most {@value #MAX_STREAMS} streams (the least recently used is
 * forgotten, then relearned); after a restart a stream is relearned from its next records, which gives a subset of
 * the fields learned before, never a conflicting type.
 *
 * <p>Not thread-safe: one per task (or per transform instance, synchronized by its caller).
 */
public final class JsonSchemaLearner {

  static final int MAX_STREAMS = 1_000;
  private static final double EXACT_LIMIT = 9_007_199_254_740_992d; // 2^53

  private final Map<String, Schema> streams = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Schema> eldest) {
      return size() > MAX_STREAMS;
    }
  };
  private volatile long changes; // written by the task's thread, read by metrics

  /**
   * The stream's schema widened by {@code node} as far as it needs (the same instance when the document fits).
   *
   * @throws DataException naming the field whose value fits neither its learned type nor text
   */
  public Schema learn(String stream, JsonNode node) {
    Schema current = streams.get(stream);
    Schema widened = widen(current, node, "");
    if (widened == null) {
      widened = node != null && node.isArray() ? SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build()
          : Schema.OPTIONAL_STRING_SCHEMA; // a top-level null or [] : nothing known yet
    }
    if (widened != current) {
      if (current != null) {
        changes++;
      }
      streams.put(stream, widened);
    }
    return widened;
  }

  /** How often a stream's learned schema widened (first sightings of a stream not counted). */
  public long changes() {
    return changes;
  }

  /**
   * The value of {@code node} for {@code schema}, which {@link #learn} returned for it (or a later widening).
   *
   * @throws DataException for an integer FLOAT64 cannot hold exactly
   */
  public static Object value(JsonNode node, Schema schema) {
    return value(node, schema, "");
  }

  private static Object value(JsonNode node, Schema schema, String path) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    switch (schema.type()) {
      case STRUCT -> {
        Struct struct = new Struct(schema);
        for (Field field : schema.fields()) {
          struct.put(field, value(node.get(field.name()), field.schema(), child(path, field.name())));
        }
        return struct;
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>(node.size());
        int i = 0;
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); i++) {
          out.add(value(it.next(), schema.valueSchema(), path + "[" + i + "]"));
        }
        return out;
      }
      case FLOAT64 -> {
        if (node.isIntegralNumber() && !(Math.abs(node.doubleValue()) <= EXACT_LIMIT)) {
          throw new DataException("the integer " + node.asText() + " in " + where(path) + " cannot be held exactly as"
              + " a FLOAT64 (JSON numbers beyond ±2^53 lose digits); send it as a string");
        }
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

  /** {@code current} (null: nothing known) widened by {@code node}; the same instance when nothing new was seen. */
  private static Schema widen(Schema current, JsonNode node, String path) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return current;
    }
    if (current != null && current.type() == Schema.Type.STRING) {
      return current; // text takes any value as text
    }
    if (node.isNumber()) {
      return scalar(current, Schema.OPTIONAL_FLOAT64_SCHEMA, path);
    }
    if (node.isBoolean()) {
      return scalar(current, Schema.OPTIONAL_BOOLEAN_SCHEMA, path);
    }
    if (node.isObject()) {
      return object(current, node, path);
    }
    if (node.isArray()) {
      return array(current, node, path);
    }
    return scalar(current, Schema.OPTIONAL_STRING_SCHEMA, path); // text, binary
  }

  private static Schema scalar(Schema current, Schema observed, String path) {
    if (current == null || current.type() == observed.type()) {
      return current == null ? observed : current;
    }
    throw conflict(current, observed.type(), path);
  }

  private static Schema object(Schema current, JsonNode node, String path) {
    if (current != null && current.type() != Schema.Type.STRUCT) {
      throw conflict(current, Schema.Type.STRUCT, path);
    }
    if (node.has("")) {
      if (current == null) {
        return Schema.OPTIONAL_STRING_SCHEMA; // a Connect field needs a name: the object is kept as its JSON text
      }
      throw new DataException(where(path) + " has a field with an empty name, which a struct field cannot have");
    }
    TreeMap<String, Schema> added = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Field known = current == null ? null : current.field(e.getKey());
      Schema before = known == null ? null : known.schema();
      Schema after = widen(before, e.getValue(), child(path, e.getKey()));
      if (after != before) {
        if (added == null) {
          added = new TreeMap<>();
        }
        added.put(e.getKey(), after);
      }
    }
    if (current != null && added == null) {
      return current;
    }
    TreeMap<String, Schema> fields = new TreeMap<>();
    if (current != null) {
      current.fields().forEach(f -> fields.put(f.name(), f.schema()));
    }
    if (added != null) {
      fields.putAll(added);
    }
    SchemaBuilder b = SchemaBuilder.struct().optional();
    fields.forEach(b::field);
    return b.build();
  }

  private static Schema array(Schema current, JsonNode node, String path) {
    if (current != null && current.type() != Schema.Type.ARRAY) {
      throw conflict(current, Schema.Type.ARRAY, path);
    }
    Schema before = current == null ? null : current.valueSchema();
    Schema element = before;
    String elements = path + "[]";
    for (JsonNode n : node) {
      try {
        element = widen(element, n, elements);
      } catch (DataException mixed) {
        if (current != null || n.isContainerNode() || element.type() == Schema.Type.STRUCT
            || element.type() == Schema.Type.ARRAY) {
          throw mixed;
        }
        element = Schema.OPTIONAL_STRING_SCHEMA; // a new array of mixed scalars: its elements as text
      }
    }
    if (element == before) {
      return current; // nothing new (or still no element seen: an empty array fixes no type)
    }
    return SchemaBuilder.array(element).optional().build();
  }

  private static DataException conflict(Schema current, Schema.Type observed, String path) {
    return new DataException(where(path) + " was learned as " + current.type() + " but this record has "
        + (observed == Schema.Type.STRUCT ? "an object" : observed == Schema.Type.ARRAY ? "an array"
        : observed == Schema.Type.FLOAT64 ? "a number" : "a " + observed) + " there; fields keep their type (a text"
        + " field takes anything as text), so the record does not fit this stream's schema");
  }

  private static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String where(String path) {
    return path.isEmpty() ? "the value" : "field " + path;
  }
}
