package io.cloudbridge.smt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * A field inside a record's key or value: names separated by dots, a dot inside a name written {@code \.} (and a
 * backslash {@code \\}); the empty path is the whole key or value. Reads and replaces in structs (a replacement
 * makes a new schema, cached per input schema and replacement schema) and in maps.
 */
public final class FieldPath {

  /** What {@link #get} returns when a name on the path is not there (as opposed to there and null). */
  public static final Object MISSING = new Object() {
    @Override
    public String toString() {
      return "(missing)";
    }
  };

  private final String text;
  private final List<String> names;
  private final Map<List<Schema>, Schema> replaced = new java.util.concurrent.ConcurrentHashMap<>();

  private FieldPath(String text, List<String> names) {
    this.text = text;
    this.names = names;
  }

  public static FieldPath parse(String text) {
    List<String> names = new ArrayList<>();
    if (text.isEmpty()) {
      return new FieldPath(text, names);
    }
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        name.append(text.charAt(++i));
      } else if (c == '.') {
        names.add(name.toString());
        name.setLength(0);
      } else {
        name.append(c);
      }
    }
    names.add(name.toString());
    if (names.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("field path '" + text + "' has an empty name (use \\. for a dot in a name)");
    }
    return new FieldPath(text, List.copyOf(names));
  }

  /** The path a setting names; a bad one fails as that setting's ConfigException. */
  static FieldPath of(org.apache.kafka.common.config.AbstractConfig config, String setting) {
    try {
      return parse(config.getString(setting));
    } catch (IllegalArgumentException e) {
      throw new org.apache.kafka.common.config.ConfigException(setting, config.getString(setting), e.getMessage());
    }
  }

  public boolean isRoot() {
    return names.isEmpty();
  }

  @Override
  public String toString() {
    return text.isEmpty() ? "(the whole value)" : text;
  }

  /** The value at the path in {@code root} (a struct, a map or, for the root path, anything); or {@link #MISSING}. */
  public Object get(Object root) {
    Object at = root;
    for (String name : names) {
      if (at instanceof Struct s) {
        Field f = s.schema().field(name);
        if (f == null) {
          return MISSING;
        }
        at = s.get(f);
      } else if (at instanceof Map<?, ?> m) {
        if (!m.containsKey(name)) {
          return MISSING;
        }
        at = m.get(name);
      } else {
        return MISSING; // null or a scalar on the way
      }
    }
    return at;
  }

  /** The schema at the path in {@code schema}, or null when the path is not in it. */
  public Schema schemaIn(Schema schema) {
    Schema at = schema;
    for (String name : names) {
      if (at == null || at.type() != Schema.Type.STRUCT || at.field(name) == null) {
        return null;
      }
      at = at.field(name).schema();
    }
    return at;
  }

  /**
   * {@code root} with the value at the path replaced by {@code value}: a struct gets a schema in which that field has
   * {@code valueSchema}; a map a copy with the new entry. The path must be there.
   */
  public Object replace(Object root, Object value, Schema valueSchema) {
    return replace(root, 0, value, valueSchema);
  }

  private Object replace(Object at, int depth, Object value, Schema valueSchema) {
    if (depth == names.size()) {
      return value;
    }
    String name = names.get(depth);
    if (at instanceof Struct s) {
      Object child = replace(s.get(name), depth + 1, value, valueSchema);
      Schema childSchema = depth + 1 == names.size() ? valueSchema
          : child instanceof Struct cs ? cs.schema() : s.schema().field(name).schema();
      Schema outSchema = withField(s.schema(), name, childSchema);
      Struct out = new Struct(outSchema);
      for (Field f : outSchema.fields()) {
        out.put(f, f.name().equals(name) ? child : s.get(f.name()));
      }
      return out;
    }
    if (at instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>(m);
      out.put(name, replace(m.get(name), depth + 1, value, valueSchema));
      return out;
    }
    throw new DataException("field path " + text + ": no struct or map at " + String.join(".", names.subList(0, depth)));
  }

  /** {@code struct} with field {@code name}'s schema replaced (cached: the same inputs give the same schema). */
  private Schema withField(Schema struct, String name, Schema fieldSchema) {
    if (struct.field(name).schema().equals(fieldSchema)) {
      return struct;
    }
    if (replaced.size() > 1_000) {
      replaced.clear(); // bounded: as many shapes as a stream of inferred schemas can bring
    }
    return replaced.computeIfAbsent(java.util.Arrays.asList(struct, fieldSchema), k -> {
      SchemaBuilder b = SchemaBuilder.struct().name(struct.name()).version(struct.version()).doc(struct.doc());
      if (struct.isOptional()) {
        b.optional();
      }
      for (Field f : struct.fields()) {
        b.field(f.name(), f.name().equals(name) ? fieldSchema : f.schema());
      }
      return b.build();
    });
  }
}
