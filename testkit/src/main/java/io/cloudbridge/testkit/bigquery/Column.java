package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One column of a table schema, read from the REST {@code TableFieldSchema} JSON. */
record Column(String name, String type, String mode, Long maxLength, List<Column> fields) {

  static List<Column> listFrom(JsonNode fieldsJson) {
    List<Column> out = new ArrayList<>();
    for (JsonNode f : fieldsJson) {
      out.add(new Column(f.path("name").asText(), standardType(f.path("type").asText()),
          f.path("mode").asText("NULLABLE").isEmpty() ? "NULLABLE" : f.path("mode").asText("NULLABLE").toUpperCase(Locale.ROOT),
          f.hasNonNull("maxLength") ? f.get("maxLength").asLong() : null, listFrom(f.path("fields"))));
    }
    return out;
  }

  /** Legacy and standard SQL spellings name the same types; compare on the standard one. */
  static String standardType(String type) {
    return switch (type.toUpperCase(Locale.ROOT)) {
      case "INTEGER" -> "INT64";
      case "FLOAT" -> "FLOAT64";
      case "BOOLEAN" -> "BOOL";
      case "RECORD" -> "STRUCT";
      default -> type.toUpperCase(Locale.ROOT);
    };
  }

  boolean required() {
    return mode.equals("REQUIRED");
  }

  boolean repeated() {
    return mode.equals("REPEATED");
  }

  static Column find(List<Column> columns, String name) {
    for (Column c : columns) {
      if (c.name.equalsIgnoreCase(name)) {
        return c;
      }
    }
    return null;
  }

  /** The Storage API's view of this column, with an explicit mode (the Java client rejects MODE_UNSPECIFIED). */
  TableFieldSchema toProto() {
    TableFieldSchema.Builder b = TableFieldSchema.newBuilder()
        .setName(name)
        .setType(protoType())
        .setMode(switch (mode) {
          case "REQUIRED" -> TableFieldSchema.Mode.REQUIRED;
          case "REPEATED" -> TableFieldSchema.Mode.REPEATED;
          default -> TableFieldSchema.Mode.NULLABLE;
        });
    if (maxLength != null) {
      b.setMaxLength(maxLength);
    }
    fields.forEach(f -> b.addFields(f.toProto()));
    return b.build();
  }

  private TableFieldSchema.Type protoType() {
    return switch (type) {
      case "INT64" -> TableFieldSchema.Type.INT64;
      case "FLOAT64" -> TableFieldSchema.Type.DOUBLE;
      case "BOOL" -> TableFieldSchema.Type.BOOL;
      case "STRUCT" -> TableFieldSchema.Type.STRUCT;
      default -> TableFieldSchema.Type.valueOf(type);
    };
  }
}
