package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** What BigQuery accepts as a table schema, partitioning and clustering, and which schema changes it allows. */
final class SchemaRules {

  private static final Pattern COLUMN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,299}");
  private static final Set<String> TYPES = Set.of("STRING", "BYTES", "INT64", "FLOAT64", "BOOL", "TIMESTAMP", "DATE",
      "TIME", "DATETIME", "GEOGRAPHY", "NUMERIC", "BIGNUMERIC", "JSON", "STRUCT", "RANGE", "INTERVAL");
  private static final Set<String> CLUSTERABLE = Set.of("BIGNUMERIC", "BOOL", "DATE", "DATETIME", "GEOGRAPHY", "INT64",
      "NUMERIC", "RANGE", "STRING", "TIMESTAMP");
  private static final List<String> RESERVED_PREFIXES = List.of("_TABLE_", "_FILE_", "_PARTITION", "_ROW_TIMESTAMP",
      "__ROOT__", "_COLIDENTIFIER", "_CHANGE_SEQUENCE_NUMBER", "_CHANGE_TYPE", "_CHANGE_TIMESTAMP");

  private SchemaRules() {}

  static void checkNewTable(JsonNode table, List<Column> columns) {
    checkColumns(columns);
    JsonNode tp = table.path("timePartitioning");
    if (!tp.isMissingNode()) {
      String type = tp.path("type").asText("");
      if (!Set.of("DAY", "HOUR", "MONTH", "YEAR").contains(type)) {
        throw BigQueryError.invalid("Invalid time partitioning type: " + type);
      }
      if (tp.hasNonNull("field")) {
        Column c = Column.find(columns, tp.get("field").asText());
        if (c == null || c.repeated() || !Set.of("DATE", "TIMESTAMP", "DATETIME").contains(c.type())) {
          throw BigQueryError.invalid("The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: "
              + (c == null ? "missing" : c.type()) + ".");
        }
        if (c.type().equals("DATE") && type.equals("HOUR")) {
          throw BigQueryError.invalid("HOUR partitioning is not supported on DATE column " + c.name());
        }
      }
    }
    JsonNode rp = table.path("rangePartitioning");
    if (!rp.isMissingNode()) {
      Column c = Column.find(columns, rp.path("field").asText());
      if (c == null || !c.type().equals("INT64") || c.repeated()) {
        throw BigQueryError.invalid("Range partitioning needs a top-level INTEGER column");
      }
    }
    JsonNode clustering = table.path("clustering").path("fields");
    if (clustering.size() > 4) {
      throw BigQueryError.invalid("Too many clustering fields: " + clustering.size() + ", only 4 are allowed");
    }
    for (JsonNode f : clustering) {
      Column c = Column.find(columns, f.asText());
      if (c == null || c.repeated() || !CLUSTERABLE.contains(c.type())) {
        throw BigQueryError.invalid("The field '" + f.asText() + "' cannot be used for clustering");
      }
    }
    JsonNode pk = table.path("tableConstraints").path("primaryKey").path("columns");
    if (pk.size() > 16) {
      throw BigQueryError.invalid("A primary key can have at most 16 columns");
    }
    for (JsonNode k : pk) {
      if (Column.find(columns, k.asText()) == null) {
        throw BigQueryError.invalid("Primary key column " + k.asText() + " is not in the table schema");
      }
    }
  }

  private static void checkColumns(List<Column> columns) {
    for (Column c : columns) {
      if (!COLUMN_NAME.matcher(c.name()).matches()) {
        throw BigQueryError.invalid("Invalid field name \"" + c.name() + "\". Fields must contain only letters, numbers,"
            + " and underscores, start with a letter or underscore, and be at most 300 characters long.");
      }
      for (String prefix : RESERVED_PREFIXES) {
        if (c.name().toUpperCase().startsWith(prefix)) {
          throw BigQueryError.invalid("Invalid field name \"" + c.name() + "\". Field names must not begin with a reserved prefix: " + prefix);
        }
      }
      if (!TYPES.contains(c.type())) {
        throw BigQueryError.invalid("Invalid value for type: " + c.type() + " is not a valid value");
      }
      if (c.type().equals("STRUCT")) {
        if (c.fields().isEmpty()) {
          throw BigQueryError.invalid("Field " + c.name() + " is type RECORD but has no schema");
        }
        checkColumns(c.fields());
      }
    }
    for (int i = 0; i < columns.size(); i++) {
      for (int j = i + 1; j < columns.size(); j++) {
        if (columns.get(i).name().equalsIgnoreCase(columns.get(j).name())) {
          throw BigQueryError.invalid("Duplicate column names: '" + columns.get(j).name() + "'");
        }
      }
    }
  }

  /** Throws BigQuery's 400 when {@code next} is not an allowed evolution of {@code current}. */
  static void checkEvolution(String tableName, List<Column> current, List<Column> next) {
    checkColumns(next);
    String prefix = "Provided Schema does not match Table " + tableName + ". ";
    for (Column old : current) {
      Column now = Column.find(next, old.name());
      if (now == null) {
        throw BigQueryError.invalid(prefix + "Field " + old.name() + " is missing in new schema");
      }
      if (!now.type().equals(old.type())) {
        throw BigQueryError.invalid(prefix + "Field " + old.name() + " has changed type from " + old.type() + " to " + now.type());
      }
      boolean relaxed = old.required() && now.mode().equals("NULLABLE");
      if (!now.mode().equals(old.mode()) && !relaxed) {
        throw BigQueryError.invalid(prefix + "Field " + old.name() + " has changed mode from " + old.mode() + " to " + now.mode());
      }
      if (old.type().equals("STRUCT")) {
        checkEvolution(tableName, old.fields(), now.fields());
      }
    }
    for (Column added : next) {
      if (Column.find(current, added.name()) == null && added.required()) {
        throw BigQueryError.invalid(prefix + "Cannot add required fields to an existing schema. (field: " + added.name() + ")");
      }
    }
  }
}
