package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A table: its REST resource, its rows, and, when it declares a primary key, the CDC view of its rows
 * keyed by that key. Guarded by the owning {@link TableStore}.
 */
final class Table {

  final String project;
  final String dataset;
  final String id;
  ObjectNode resource;
  List<Column> columns;
  /** The primary key columns, empty when the table has none; derived from {@link #resource}. */
  private List<String> primaryKey;
  int schemaVersion;
  /**
   * The columns Storage Write appends see. A schema change reaches them only after the propagation delay (minutes in
   * production: "schema change detection is on the order of minutes", BigQuery's Storage Write best practices);
   * until then an append using a new column is refused as SCHEMA_MISMATCH_EXTRA_FIELDS, and `updated_schema` is
   * sent only once the change is visible.
   */
  private List<Column> writeColumns;
  private int writeVersion;
  private List<Column> nextWriteColumns;
  private long nextVisibleAt;
  final long createdMillis;
  final List<Map<String, Object>> rows = new ArrayList<>();
  /** For CDC tables: primary key values to the current row and the sequence number that put it there. */
  final Map<List<Object>, CdcRow> byKey = new LinkedHashMap<>();
  /** For CDC tables: the sequence number of the last DELETE per key, so an older UPSERT arriving later loses. */
  final Map<List<Object>, String> deletedSequences = new LinkedHashMap<>();

  record CdcRow(Map<String, Object> row, String sequence) {}

  Table(String project, String dataset, String id, ObjectNode resource, long createdMillis) {
    this.project = project;
    this.dataset = dataset;
    this.id = id;
    this.createdMillis = createdMillis;
    setResource(resource);
    this.writeColumns = columns;
    this.writeVersion = schemaVersion;
  }

  /** The current schema reaches Storage Write appends at {@code visibleAt} (now, or after the delay). */
  void writeSchemaVisibleAt(long visibleAt) {
    nextWriteColumns = columns;
    nextVisibleAt = visibleAt;
  }

  /** The columns Storage Write sees at {@code now}. */
  List<Column> writeColumns(long now) {
    if (nextWriteColumns != null && now >= nextVisibleAt) {
      writeColumns = nextWriteColumns;
      writeVersion++;
      nextWriteColumns = null;
    }
    return writeColumns;
  }

  /** Increases whenever a schema change becomes visible to Storage Write. */
  int writeSchemaVersion(long now) {
    writeColumns(now);
    return writeVersion;
  }

  TableSchema writeProtoSchema(long now) {
    TableSchema.Builder b = TableSchema.newBuilder();
    writeColumns(now).forEach(c -> b.addFields(c.toProto()));
    return b.build();
  }

  void setResource(ObjectNode resource) {
    this.resource = resource;
    this.columns = Column.listFrom(resource.path("schema").path("fields"));
    List<String> key = new ArrayList<>();
    for (JsonNode c : resource.path("tableConstraints").path("primaryKey").path("columns")) {
      key.add(c.asText());
    }
    this.primaryKey = List.copyOf(key);
    this.schemaVersion++;
  }

  String storagePath() {
    return "projects/" + project + "/datasets/" + dataset + "/tables/" + id;
  }

  String legacyName() {
    return project + ":" + dataset + "." + id;
  }

  List<String> primaryKey() {
    return primaryKey;
  }

  TableSchema protoSchema() {
    TableSchema.Builder b = TableSchema.newBuilder();
    columns.forEach(c -> b.addFields(c.toProto()));
    return b.build();
  }

  /** The rows a query would see now: for CDC tables, the latest row per key. */
  List<Map<String, Object>> visibleRows() {
    if (primaryKey().isEmpty()) {
      return List.copyOf(rows);
    }
    List<Map<String, Object>> out = new ArrayList<>(rows);
    byKey.values().forEach(r -> out.add(r.row()));
    return out;
  }
}
