package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One load job's work when it runs: every file read (see {@link LoadFiles}), the files' schema held against the
 * table's under the job's schema update options, then all rows applied at once, or none (a failure names the file
 * and the error, as {@code status.errorResult} and {@code status.errors}).
 */
final class LoadRun {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The job failed: nothing was loaded. */
  static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ObjectNode errorResult;
    private final transient List<ObjectNode> details;

    Failed(String reason, String location, String message, List<ObjectNode> details) {
      super(message);
      this.errorResult = NODES.objectNode().put("reason", reason).put("message", message);
      if (location != null) {
        errorResult.put("location", location);
      }
      this.details = details;
    }

    ObjectNode errorResult() {
      return errorResult;
    }

    List<ObjectNode> details() {
      return details;
    }
  }

  private final TableStore store;
  private final Jobs.Objects gcs;
  private final String project;
  private final JsonNode load;
  private int files;
  private long bytes;
  private long rows;

  LoadRun(TableStore store, Jobs.Objects gcs, String project, JsonNode load) {
    this.store = store;
    this.gcs = gcs;
    this.project = project;
    this.load = load;
  }

  int files() {
    return files;
  }

  long bytes() {
    return bytes;
  }

  long rows() {
    return rows;
  }

  void execute() throws Failed {
    JsonNode dest = load.path("destinationTable");
    String dataset = dest.path("datasetId").asText();
    String tableId = dest.path("tableId").asText();
    String destProject = dest.path("projectId").asText(project);
    Table table;
    try {
      table = store.table(destProject, dataset, tableId);
    } catch (BigQueryError missing) {
      if ("CREATE_NEVER".equals(load.path("createDisposition").asText()) || !load.has("schema")) {
        throw new Failed("notFound", null, "Not found: Table " + destProject + ":" + dataset + "." + tableId, List.of());
      }
      ObjectNode resource = NODES.objectNode();
      resource.putObject("tableReference").put("projectId", destProject).put("datasetId", dataset)
          .put("tableId", tableId);
      resource.set("schema", load.path("schema").deepCopy());
      table = store.insertTable(destProject, dataset, resource);
    }
    String format = load.path("sourceFormat").asText("CSV");
    boolean logical = load.path("useAvroLogicalTypes").asBoolean(false);
    List<String> options = new ArrayList<>();
    load.path("schemaUpdateOptions").forEach(o -> options.add(o.asText()));
    List<LoadFiles.FileRows> read = new ArrayList<>();
    List<Column> declared = load.has("schema") ? Column.listFrom(load.path("schema").path("fields")) : null;
    for (JsonNode u : load.path("sourceUris")) {
      String uri = u.asText();
      int slash = uri.indexOf('/', 5);
      byte[] data = gcs == null ? null : gcs.read(uri.substring(5, slash), uri.substring(slash + 1));
      if (data == null) {
        throw new Failed("notFound", uri, "Not found: URI " + uri, List.of());
      }
      files++;
      bytes += data.length;
      try {
        read.add(switch (format) {
          case "AVRO" -> LoadFiles.avro(data, logical);
          case "PARQUET" -> LoadFiles.parquet(data);
          default -> LoadFiles.json(data, declared != null ? declared : currentColumns(table),
              load.path("ignoreUnknownValues").asBoolean(false));
        });
      } catch (LoadFiles.BadData bad) {
        throw invalid(uri, bad.getMessage());
      }
    }
    synchronized (store) {
      ArrayNode fields = table.resource.path("schema").path("fields").deepCopy();
      boolean changed = false;
      for (int i = 0; i < read.size(); i++) {
        String uri = load.path("sourceUris").get(i).asText();
        changed |= reconcile(table, fields, read.get(i).columns(), "", options, uri);
        for (Map<String, Object> row : read.get(i).rows()) {
          checkRequired(Column.listFrom(fields), row, "", uri);
        }
      }
      if ("WRITE_EMPTY".equals(load.path("writeDisposition").asText()) && !table.rows.isEmpty()) {
        throw new Failed("duplicate", null, "Already Exists: Table " + table.legacyName(), List.of());
      }
      if (changed) {
        store.loadedSchema(table, fields);
      }
      if ("WRITE_TRUNCATE".equals(load.path("writeDisposition").asText())) {
        table.rows.clear();
      }
      List<Column> columns = table.columns;
      List<Map<String, Object>> out = new ArrayList<>();
      for (LoadFiles.FileRows f : read) {
        for (Map<String, Object> row : f.rows()) {
          out.add(named(row, columns));
        }
      }
      store.append(table, out);
      rows = out.size();
    }
  }

  private List<Column> currentColumns(Table table) {
    synchronized (store) {
      return table.columns;
    }
  }

  private static Failed invalid(String uri, String message) {
    ObjectNode detail = NODES.objectNode().put("reason", "invalid").put("location", uri).put("message", message);
    return new Failed("invalid", uri, "Error while reading data, error message: Input contains errors; giving up."
        + " Please look into the errors[] collection for more details. File: " + uri, List.of(detail));
  }

  /**
   * Holds the file's columns against the table's ({@code fields}, changed in place when the options allow): true if
   * the table's schema changes.
   */
  private static boolean reconcile(Table table, ArrayNode fields, List<Column> file, String prefix,
      List<String> options, String uri) throws Failed {
    boolean changed = false;
    List<Column> current = Column.listFrom(fields);
    for (Column fc : file) {
      String path = prefix + fc.name();
      Column tc = Column.find(current, fc.name());
      if (tc == null) {
        if (!options.contains("ALLOW_FIELD_ADDITION")) {
          throw mismatch(table, uri, "Cannot add fields (field: " + path + ")");
        }
        if (fc.required()) {
          throw mismatch(table, uri, "Cannot add required fields to an existing schema. (field: " + path + ")");
        }
        fields.add(json(fc));
        changed = true;
        continue;
      }
      ObjectNode field = fieldNamed(fields, tc.name());
      if (!tc.type().equals(fc.type())) {
        throw mismatch(table, uri, "Field " + path + " has changed type from " + LoadFiles.legacy(tc.type())
            + " to " + LoadFiles.legacy(fc.type()));
      }
      if (tc.repeated() != fc.repeated()) {
        throw mismatch(table, uri, "Field " + path + " has changed mode from " + tc.mode() + " to " + fc.mode());
      }
      if (tc.required() && !fc.required()) {
        if (!options.contains("ALLOW_FIELD_RELAXATION")) {
          throw mismatch(table, uri, "Field " + path + " has changed mode from REQUIRED to NULLABLE");
        }
        field.put("mode", "NULLABLE");
        changed = true;
      }
      if (tc.type().equals("STRUCT")) {
        changed |= reconcile(table, (ArrayNode) field.withArray("fields"), fc.fields(), path + ".", options, uri);
      }
    }
    return changed;
  }

  private static void checkRequired(List<Column> columns, Map<String, Object> row, String prefix, String uri)
      throws Failed {
    for (Column c : columns) {
      Object v = null;
      boolean present = false;
      for (Map.Entry<String, Object> e : row.entrySet()) {
        if (e.getKey().equalsIgnoreCase(c.name())) {
          v = e.getValue();
          present = true;
        }
      }
      if (c.required() && v == null) {
        throw invalid(uri, "Error while reading data, error message: " + (present ? "Required field " + prefix
            + c.name() + " cannot be null" : "Missing required field: " + prefix + c.name() + "."));
      }
      if (v instanceof Map<?, ?> m && c.type().equals("STRUCT")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) m;
        checkRequired(c.fields(), nested, prefix + c.name() + ".", uri);
      }
    }
  }

  private static Failed mismatch(Table table, String uri, String detail) {
    return new Failed("invalid", uri, "Provided Schema does not match Table " + table.legacyName() + ". " + detail,
        List.of());
  }

  private static ObjectNode fieldNamed(ArrayNode fields, String name) {
    for (JsonNode f : fields) {
      if (f.path("name").asText().equalsIgnoreCase(name)) {
        return (ObjectNode) f;
      }
    }
    throw new IllegalStateException("no field " + name);
  }

  /** A column as the REST API spells it: legacy type names, as BigQuery returns them. */
  private static ObjectNode json(Column c) {
    ObjectNode f = NODES.objectNode().put("name", c.name()).put("type", LoadFiles.legacy(c.type()))
        .put("mode", c.repeated() ? "REPEATED" : "NULLABLE");
    if (!c.fields().isEmpty()) {
      ArrayNode nested = f.putArray("fields");
      c.fields().forEach(n -> nested.add(json(n).put("mode", n.mode())));
    }
    return f;
  }

  /** The row keyed by the table's column names (matched case-insensitively), nested records too; NULLs left out. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> named(Map<String, Object> row, List<Column> columns) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : row.entrySet()) {
      Column c = Column.find(columns, e.getKey());
      String name = c == null ? e.getKey() : c.name();
      Object v = e.getValue();
      if (v == null) {
        continue; // a NULL is an absent value, as the Storage Write path keeps rows
      }
      if (c != null && c.type().equals("STRUCT")) {
        if (v instanceof Map<?, ?> m) {
          v = named((Map<String, Object>) m, c.fields());
        } else if (v instanceof List<?> list) {
          List<Object> items = new ArrayList<>();
          list.forEach(i -> items.add(i instanceof Map<?, ?> m ? named((Map<String, Object>) m, c.fields()) : i));
          v = items;
        }
      }
      out.put(name, v);
    }
    return out;
  }
}
