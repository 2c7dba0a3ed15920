package io.cloudbridge.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.common.json.DeclaredJsonSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * The JSON Schemas a user declares for JSON values instead of having them learned: files and inline text, each one
 * schema or a JSON array of schemas (draft-04, e.g. exported from EventBridge's schema registry), chosen per EventBridge
 * event by the schema's {@code x-amazon-events-source} and {@code x-amazon-events-detail-type}, or one for the whole
 * connector (and so for its topic).
 */
public final class DeclaredSchemas {

  /** The names of the three settings. */
  public record Names(String files, String inline, String undeclared) {}

  /** The sources' names: value.json.schema.files, value.json.schema, value.json.schema.undeclared.fields. */
  public static final Names VALUE = new Names("value.json.schema.files", "value.json.schema",
      "value.json.schema.undeclared.fields");
  public static final String FILES = VALUE.files();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<DeclaredJsonSchema> schemas;
  private final Names names;
  private final Map<String, DeclaredJsonSchema> byEvent = new HashMap<>();

  private DeclaredSchemas(List<DeclaredJsonSchema> schemas, Names names) {
    this.names = names;
    this.schemas = List.copyOf(schemas);
    for (DeclaredJsonSchema s : schemas) {
      if (s.source() != null && s.detailType() != null) {
        byEvent.put(s.source() + "\u0000" + s.detailType(), s);
      }
    }
  }

  /** Defines the three settings in {@code def}; {@code selection} says how a schema is chosen for a value. */
  public static ConfigDef addTo(ConfigDef def, String group, int order, String selection) {
    return addTo(def, VALUE, group, order, selection);
  }

  /** As {@link #addTo(ConfigDef, String, int, String)}, with these names. */
  public static ConfigDef addTo(ConfigDef def, Names names, String group, int order, String selection) {
    return def
        .define(names.files(), Type.LIST, "", Importance.MEDIUM,
            "Files of JSON Schemas (draft-04, as EventBridge's schema registry exports them with ExportSchema, type"
                + " JSONSchemaDraft4), each one schema or a JSON array of schemas, on every worker. " + selection
                + " Values are converted to the schema: integer to INT64, number to FLOAT64, string with format"
                + " date-time to a Connect Timestamp (date: Date), object to a struct (required properties not"
                + " optional), array to an array; what has no single type stays JSON text. A value that does not fit"
                + " is malformed, with the field named (see the error policy). Empty: schemas are learned.",
            group, order, Width.LONG, "JSON Schema files")
        .define(names.inline(), Type.STRING, "", Importance.LOW,
            "As " + names.files() + ", the schema (or a JSON array of schemas) as text in the config.", group, order + 1,
            Width.LONG, "JSON Schema")
        .define(names.undeclared(), Type.STRING, "fail", EnumChoice.of(DeclaredJsonSchema.Undeclared.values()),
            Importance.LOW, "A key a declared schema does not list (JSON Schema allows it unless the object says"
                + " additionalProperties false): fail makes the value malformed, naming the key, so nothing is"
                + " dropped unseen; ignore leaves it out of the record.", group, order + 2, Width.SHORT,
            "Undeclared fields");
  }

  /** The schemas {@code config} declares (none when both settings are empty). */
  public static DeclaredSchemas from(AbstractConfig config) {
    return from(config, VALUE);
  }

  /** As {@link #from(AbstractConfig)}, with these names. */
  public static DeclaredSchemas from(AbstractConfig config, Names names) {
    DeclaredJsonSchema.Undeclared undeclared = EnumChoice.parse(DeclaredJsonSchema.Undeclared.class,
        config.getString(names.undeclared()));
    List<DeclaredJsonSchema> out = new ArrayList<>();
    for (String file : config.getList(names.files())) {
      JsonNode doc;
      try {
        doc = JSON.readTree(Files.readString(Path.of(file)));
      } catch (IOException e) {
        throw new ConfigException(names.files(), file, "cannot read a JSON Schema from it: " + e.getMessage());
      }
      add(out, doc, file, undeclared, names.files());
    }
    String inline = config.getString(names.inline());
    if (!inline.isBlank()) {
      try {
        add(out, JSON.readTree(inline), "inline", undeclared, names.inline());
      } catch (IOException e) {
        throw new ConfigException(names.inline(), "(schema text)", "is no JSON: " + e.getMessage());
      }
    }
    return new DeclaredSchemas(out, names);
  }

  private static void add(List<DeclaredJsonSchema> out, JsonNode doc, String origin,
      DeclaredJsonSchema.Undeclared undeclared, String setting) {
    List<JsonNode> docs = new ArrayList<>();
    if (doc.isArray()) {
      doc.forEach(docs::add);
    } else {
      docs.add(doc);
    }
    for (int i = 0; i < docs.size(); i++) {
      try {
        out.add(DeclaredJsonSchema.parse(docs.get(i), doc.isArray() ? origin + "[" + i + "]" : origin, undeclared));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(setting, origin, e.getMessage());
      }
    }
  }

  public boolean isEmpty() {
    return schemas.isEmpty();
  }

  /** The schemas declared. */
  public List<DeclaredJsonSchema> all() {
    return schemas;
  }

  /** The schema declared for EventBridge events of this source and detail-type, or null. */
  public DeclaredJsonSchema forEvent(String source, String detailType) {
    return byEvent.get(source + "\u0000" + detailType);
  }

  /**
   * The one schema for every value, or null when none is declared.
   *
   * @throws ConfigException when several are, since nothing chooses between them here
   */
  public DeclaredJsonSchema single() {
    if (schemas.size() > 1) {
      throw new ConfigException(names.files(), schemas.size() + " schemas", "one JSON Schema applies to every value here;"
          + " declare one");
    }
    return schemas.isEmpty() ? null : schemas.get(0);
  }

  /**
   * Checks that every schema names the EventBridge source and detail-type it is for.
   *
   * @throws ConfigException naming a schema that does not
   */
  public DeclaredSchemas requireEvents() {
    for (DeclaredJsonSchema s : schemas) {
      if (s.source() == null || s.detailType() == null) {
        throw new ConfigException(names.files(), s.origin(), "an EventBridge event schema names its event with"
            + " x-amazon-events-source and x-amazon-events-detail-type (as the registry exports it); this one does"
            + " not");
      }
      if (s.property("detail") == null) {
        throw new ConfigException(names.files(), s.origin(), "an EventBridge event schema declares the property detail");
      }
    }
    return this;
  }
}
