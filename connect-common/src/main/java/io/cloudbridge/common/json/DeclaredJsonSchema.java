package io.cloudbridge.common.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * A JSON Schema (draft-04, the form EventBridge's schema registry exports with {@code ExportSchema} type
 * {@code JSONSchemaDraft4}: {@code definitions} referenced by {@code $ref: "#/definitions/Name"}, the event's
 * {@code x-amazon-events-source} and {@code x-amazon-events-detail-type} at the top; see "Schema registry" in the
 * EventBridge user guide) as a Connect schema, and JSON documents converted to it.
 *
 * <p>Mapping: {@code object} → struct (fields in declaration order; those in {@code required} not optional, the
 * others optional); {@code array} → array of its {@code items}; {@code string} → STRING, with {@code format:
 * date-time} → Connect Timestamp (RFC 3339 text; a value with a zone offset is converted to UTC) and {@code format:
 * date} → Connect Date; {@code integer} → INT64; {@code number} → FLOAT64; {@code boolean} → BOOLEAN; a type list
 * with {@code "null"} ({@code ["string", "null"]}) → that type, optional. What has no single type (no {@code type},
 * {@code oneOf}/{@code anyOf}/{@code allOf}, a type list of several non-null types) → STRING holding the value's
 * JSON text, so nothing is lost. Constraints that are not about shape ({@code pattern}, {@code minimum},
 * {@code enum} …) are not checked.
 *
 * <p>A document fits when each value has its declared type: an integer is a JSON number without a fraction within 64
 * bits ({@code 5000} and {@code 5000.0} fit, {@code 5000.5} does not), a number any JSON number, a date-time text that
 * parses, a required field present and not null. Keys the schema does not declare fail the document too unless the
 * schema is built to ignore them ({@code undeclared = IGNORE}; then they are left out, which the caller documents).
 * A document that does not fit fails with a {@link DataException} naming the field.
 *
 * <p>Immutable and thread-safe.
 */
public final class DeclaredJsonSchema {

  /** What a key the schema does not declare does to a document. */
  public enum Undeclared { FAIL, IGNORE }

  private final Schema schema;
  private final Node root;
  private final String source;
  private final String detailType;
  private final String origin;

  /** How one schema node converts: its Connect schema, kind and children. */
  private record Node(Schema schema, Kind kind, Map<String, Node> fields, Node items, boolean closed) {}

  private enum Kind { STRUCT, ARRAY, STRING, DATE_TIME, DATE, INTEGER, NUMBER, BOOLEAN, JSON_TEXT }

  private DeclaredJsonSchema(Node root, String source, String detailType, String origin) {
    this.root = root;
    this.schema = root.schema();
    this.source = source;
    this.detailType = detailType;
    this.origin = origin;
  }

  /**
   * The schema {@code doc} declares ({@code origin} names it in messages: a file name or "inline").
   *
   * @throws IllegalArgumentException when it is no JSON Schema this can map (naming where)
   */
  public static DeclaredJsonSchema parse(JsonNode doc, String origin, Undeclared undeclared) {
    if (doc == null || !doc.isObject()) {
      throw new IllegalArgumentException(origin + ": a JSON Schema is a JSON object");
    }
    String name = doc.path("title").isTextual() ? doc.get("title").asText() : null;
    Node root = new Builder(doc, origin, undeclared).node(doc, "", new HashSet<>(), name, false);
    return new DeclaredJsonSchema(root, text(doc, "x-amazon-events-source"), text(doc, "x-amazon-events-detail-type"),
        origin);
  }

  private static String text(JsonNode doc, String field) {
    JsonNode v = doc.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  /** The Connect schema of documents of this schema. */
  public Schema schema() {
    return schema;
  }

  /** The EventBridge source the schema is for ({@code x-amazon-events-source}), or null. */
  public String source() {
    return source;
  }

  /** The EventBridge detail-type the schema is for ({@code x-amazon-events-detail-type}), or null. */
  public String detailType() {
    return detailType;
  }

  /** Where the schema came from (a file, or inline). */
  public String origin() {
    return origin;
  }

  /** The schema of one property of this object schema (e.g. an event's {@code detail}), or null. */
  public DeclaredJsonSchema property(String name) {
    Node n = root.fields() == null ? null : root.fields().get(name);
    return n == null ? null : new DeclaredJsonSchema(n, source, detailType, origin + " (" + name + ")");
  }

  /**
   * {@code node} converted to {@link #schema()}.
   *
   * @throws DataException naming the field that does not fit
   */
  public Object value(JsonNode node) {
    return convert(root, node, "");
  }

  private static Object convert(Node n, JsonNode v, String path) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      if (!n.schema().isOptional()) {
        throw new DataException(where(path) + " is required by the declared schema but " + (v == null
            || v.isMissingNode() ? "missing" : "null"));
      }
      return null;
    }
    switch (n.kind()) {
      case STRUCT -> {
        if (!v.isObject()) {
          throw misfit(path, "an object", v);
        }
        Struct s = new Struct(n.schema());
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (!n.fields().containsKey(e.getKey()) && n.closed()) {
            throw new DataException(where(path.isEmpty() ? e.getKey() : path + "." + e.getKey())
                + " is not declared in the schema");
          }
        }
        for (Map.Entry<String, Node> f : n.fields().entrySet()) {
          String p = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
          s.put(f.getKey(), convert(f.getValue(), v.get(f.getKey()), p));
        }
        return s;
      }
      case ARRAY -> {
        if (!v.isArray()) {
          throw misfit(path, "an array", v);
        }
        List<Object> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
          Object item = convert(n.items(), v.get(i), path + "[" + i + "]");
          out.add(item);
        }
        return out;
      }
      case STRING -> {
        if (!v.isTextual()) {
          throw misfit(path, "a string", v);
        }
        return v.asText();
      }
      case DATE_TIME -> {
        if (!v.isTextual()) {
          throw misfit(path, "a date-time string", v);
        }
        try {
          return java.util.Date.from(OffsetDateTime.parse(v.asText()).toInstant());
        } catch (DateTimeParseException | ArithmeticException e) {
          throw new DataException(where(path) + " is declared format date-time, but \"" + v.asText()
              + "\" is no RFC 3339 date-time");
        }
      }
      case DATE -> {
        if (!v.isTextual()) {
          throw misfit(path, "a date string", v);
        }
        try {
          return java.util.Date.from(LocalDate.parse(v.asText()).atStartOfDay().toInstant(ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
          throw new DataException(where(path) + " is declared format date, but \"" + v.asText() + "\" is no date");
        }
      }
      case INTEGER -> {
        if (!v.isNumber()) {
          throw misfit(path, "an integer", v);
        }
        try {
          return v.decimalValue().longValueExact();
        } catch (ArithmeticException e) {
          throw new DataException(where(path) + " is declared integer, but " + v + " is not an integer within 64"
              + " bits");
        }
      }
      case NUMBER -> {
        if (!v.isNumber()) {
          throw misfit(path, "a number", v);
        }
        return v.doubleValue();
      }
      case BOOLEAN -> {
        if (!v.isBoolean()) {
          throw misfit(path, "a boolean", v);
        }
        return v.booleanValue();
      }
      default -> {
        return v.isTextual() ? v.asText() : v.toString();
      }
    }
  }

  private static String where(String path) {
    return path.isEmpty() ? "the document" : "field " + path;
  }

  private static DataException misfit(String path, String wanted, JsonNode v) {
    String kind = v.isObject() ? "an object" : v.isArray() ? "an array" : v.isTextual() ? "a string"
        : v.isNumber() ? "a number" : v.isBoolean() ? "a boolean" : v.getNodeType().toString();
    String shown = v.isContainerNode() ? "" : " (" + (v.toString().length() > 40 ? v.toString().substring(0, 40) + "…"
        : v.toString()) + ")";
    return new DataException(where(path) + " is declared " + wanted.replaceFirst("^an? ", "") + ", but the value is "
        + kind + shown);
  }

  /** Walks the schema document once, resolving {@code $ref}s into its {@code definitions}. */
  private static final class Builder {
    private final JsonNode doc;
    private final String origin;
    private final Undeclared undeclared;

    Builder(JsonNode doc, String origin, Undeclared undeclared) {
      this.doc = doc;
      this.origin = origin;
      this.undeclared = undeclared;
    }

    Node node(JsonNode s, String path, Set<String> refs, String name, boolean optional) {
      JsonNode ref = s.get("$ref");
      if (ref != null) {
        String target = ref.asText();
        if (!target.startsWith("#/definitions/")) {
          throw new IllegalArgumentException(origin + ": " + where(path) + ": only references into the schema's"
              + " own definitions (#/definitions/Name) are supported, not " + target);
        }
        String def = target.substring("#/definitions/".length());
        JsonNode resolved = doc.path("definitions").get(def);
        if (resolved == null) {
          throw new IllegalArgumentException(origin + ": " + where(path) + ": " + target + " is not defined");
        }
        if (!refs.add(def)) {
          throw new IllegalArgumentException(origin + ": " + where(path) + ": " + target + " refers to itself;"
              + " recursive schemas have no Connect schema");
        }
        Node n = node(resolved, path, refs, def, optional);
        refs.remove(def);
        return n;
      }
      String type = null;
      JsonNode t = s.get("type");
      if (t != null && t.isTextual()) {
        type = t.asText();
      } else if (t != null && t.isArray()) {
        List<String> types = new ArrayList<>();
        t.forEach(x -> {
          if (!x.asText().equals("null")) {
            types.add(x.asText());
          }
        });
        optional = optional || types.size() < t.size();
        type = types.size() == 1 ? types.get(0) : null;
      } else if (t == null && s.has("properties")) {
        type = "object";
      }
      if (s.has("oneOf") || s.has("anyOf") || s.has("allOf")) {
        type = null;
      }
      if (type == null || type.equals("null")) {
        return scalar(SchemaBuilder.string(), Kind.JSON_TEXT, optional);
      }
      return switch (type) {
        case "object" -> struct(s, path, refs, name, optional);
        case "array" -> {
          JsonNode items = s.get("items");
          Node item = items == null || !items.isObject() ? scalar(SchemaBuilder.string(), Kind.JSON_TEXT, true)
              : node(items, path + "[]", refs, null, true);
          SchemaBuilder b = SchemaBuilder.array(item.schema());
          yield new Node((optional ? b.optional() : b).build(), Kind.ARRAY, null, item, false);
        }
        case "string" -> switch (s.path("format").asText()) {
          case "date-time" -> scalar(Timestamp.builder(), Kind.DATE_TIME, optional);
          case "date" -> scalar(Date.builder(), Kind.DATE, optional);
          default -> scalar(SchemaBuilder.string(), Kind.STRING, optional);
        };
        case "integer" -> scalar(SchemaBuilder.int64(), Kind.INTEGER, optional);
        case "number" -> scalar(SchemaBuilder.float64(), Kind.NUMBER, optional);
        case "boolean" -> scalar(SchemaBuilder.bool(), Kind.BOOLEAN, optional);
        default -> throw new IllegalArgumentException(origin + ": " + where(path) + ": type " + type
            + " is no JSON Schema type");
      };
    }

    private static Node scalar(SchemaBuilder b, Kind kind, boolean optional) {
      return new Node((optional ? b.optional() : b).build(), kind, null, null, false);
    }

    private Node struct(JsonNode s, String path, Set<String> refs, String name, boolean optional) {
      Set<String> required = new HashSet<>();
      s.path("required").forEach(r -> required.add(r.asText()));
      Map<String, Node> fields = new LinkedHashMap<>();
      SchemaBuilder b = SchemaBuilder.struct();
      if (name != null && name.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
        b.name(name);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = s.path("properties").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        if (p.getKey().isEmpty()) {
          throw new IllegalArgumentException(origin + ": " + where(path) + " declares a property with an empty name,"
              + " which no Connect field can have");
        }
        Node child = node(p.getValue(), path.isEmpty() ? p.getKey() : path + "." + p.getKey(), refs, null,
            !required.contains(p.getKey()));
        fields.put(p.getKey(), child);
        b.field(p.getKey(), child.schema());
      }
      boolean closed = undeclared == Undeclared.FAIL || s.path("additionalProperties").isBoolean()
          && !s.get("additionalProperties").asBoolean();
      return new Node((optional ? b.optional() : b).build(), Kind.STRUCT, fields, null, closed);
    }
  }

  @Override
  public String toString() {
    return "JSON Schema " + origin + (source == null ? "" : " for " + source + " / " + detailType);
  }
}
