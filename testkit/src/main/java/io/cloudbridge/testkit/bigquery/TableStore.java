package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Datasets, tables and their rows, shared by the REST tables API and the Storage Write service.
 * Row appends and CDC merges are applied under the store's lock, so a commit of several streams is atomic.
 */
final class TableStore {

  static final String CHANGE_TYPE = "_change_type";
  static final String CHANGE_SEQUENCE = "_change_sequence_number";

  private final Map<String, ObjectNode> datasets = new ConcurrentHashMap<>();
  private final Map<String, Table> tables = new ConcurrentHashMap<>();
  private final Clock clock;

  TableStore(Clock clock) {
    this.clock = clock;
  }

  long now() {
    return clock.millis();
  }

  synchronized ObjectNode insertDataset(String project, ObjectNode dataset) {
    String id = dataset.path("datasetReference").path("datasetId").asText("");
    if (id.isEmpty() || !id.matches("[A-Za-z0-9_]{1,1024}")) {
      throw BigQueryError.invalid("Invalid dataset ID \"" + id + "\". Dataset IDs must be alphanumeric (plus underscores).");
    }
    String key = project + "/" + id;
    if (datasets.containsKey(key)) {
      throw BigQueryError.duplicate("Already Exists: Dataset " + project + ":" + id);
    }
    dataset.put("kind", "bigquery#dataset");
    dataset.put("id", project + ":" + id);
    ((ObjectNode) dataset.path("datasetReference")).put("projectId", project);
    dataset.put("creationTime", Long.toString(now()));
    dataset.put("lastModifiedTime", Long.toString(now()));
    if (!dataset.has("location")) {
      dataset.put("location", "US");
    }
    dataset.put("etag", "d" + now());
    datasets.put(key, dataset);
    return dataset;
  }

  ObjectNode dataset(String project, String id) {
    ObjectNode d = datasets.get(project + "/" + id);
    if (d == null) {
      throw BigQueryError.notFound("Not found: Dataset " + project + ":" + id);
    }
    return d;
  }

  synchronized Table insertTable(String project, String dataset, ObjectNode resource) {
    ObjectNode ds = dataset(project, dataset);
    String id = resource.path("tableReference").path("tableId").asText("");
    if (id.isEmpty()) {
      throw BigQueryError.invalid("Required parameter is missing: tableReference.tableId");
    }
    String key = project + "/" + dataset + "/" + id;
    if (tables.containsKey(key)) {
      throw BigQueryError.duplicate("Already Exists: Table " + project + ":" + dataset + "." + id);
    }
    normalize(resource.path("schema").path("fields"));
    SchemaRules.checkNewTable(resource, Column.listFrom(resource.path("schema").path("fields")));
    countUpdate(key, partitioned(resource));
    long created = now();
    resource.put("kind", "bigquery#table");
    resource.put("id", project + ":" + dataset + "." + id);
    ObjectNode ref = (ObjectNode) resource.path("tableReference");
    ref.put("projectId", project);
    ref.put("datasetId", dataset);
    resource.put("type", "TABLE");
    resource.put("location", ds.path("location").asText("US"));
    resource.put("creationTime", Long.toString(created));
    resource.put("lastModifiedTime", Long.toString(created));
    resource.put("etag", "t" + created);
    Table table = new Table(project, dataset, id, resource, created);
    tables.put(key, table);
    return table;
  }

  Table table(String project, String dataset, String id) {
    Table t = tables.get(project + "/" + dataset + "/" + id);
    if (t == null) {
      dataset(project, dataset);
      throw BigQueryError.notFound("Not found: Table " + project + ":" + dataset + "." + id);
    }
    return t;
  }

  /** A table by its Storage API path {@code projects/p/datasets/d/tables/t}, or null. */
  Table tableByPath(String path) {
    String[] p = path.split("/");
    if (p.length < 6 || !p[0].equals("projects") || !p[2].equals("datasets") || !p[4].equals("tables")) {
      return null;
    }
    return tables.get(p[1] + "/" + p[3] + "/" + p[5]);
  }

  /** How long a schema change takes to reach Storage Write appends (see {@link Table#writeColumns}). */
  private volatile long schemaDelayMillis;

  void schemaPropagationDelay(java.time.Duration delay) {
    schemaDelayMillis = delay.toMillis();
  }

  /** Recent metadata updates per table (insert, patch, update), for the rate limit. */
  private final Map<String, java.util.ArrayDeque<Long>> updates = new java.util.HashMap<>();

  /**
   * BigQuery's table metadata update rate: at most 5 insert/patch/update operations per 10 s per table, 50 for a
   * partitioned table; beyond, 403 rateLimitExceeded "Exceeded rate limits: too many table update operations for this
   * table", a transient error to back off from (fact sheet C.1, from the BigQuery quotas page). The Java client does
   * not retry it (it retries 500, 502, 503 and 504 only).
   */
  private void countUpdate(String key, boolean partitioned) {
    long now = now();
    java.util.ArrayDeque<Long> recent = updates.computeIfAbsent(key, k -> new java.util.ArrayDeque<>());
    while (!recent.isEmpty() && recent.peekFirst() <= now - 10_000) {
      recent.pollFirst();
    }
    if (recent.size() >= (partitioned ? 50 : 5)) {
      throw new BigQueryError(403, "rateLimitExceeded", "Exceeded rate limits: too many table update operations for"
          + " this table. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas");
    }
    recent.addLast(now);
  }

  private static boolean partitioned(com.fasterxml.jackson.databind.JsonNode resource) {
    return resource.hasNonNull("timePartitioning") || resource.hasNonNull("rangePartitioning");
  }

  private long etagSequence;

  /**
   * tables.patch (only the given fields) or tables.update (the whole resource), under the schema rules. With
   * {@code ifMatch} (the request's {@code If-Match} header), a table whose etag differs is not changed: 412
   * {@code conditionNotMet}, as BigQuery answers HTTP preconditions (the error body's reason is unverified; the Java
   * client 2.57.1 sends no If-Match on tables.patch/update — checked in HttpBigQueryRpc — so a sink cannot rely on
   * etags there and relies instead on BigQuery refusing an update that drops a column, "Field … is missing in new
   * schema"). Every change gets a new etag, also two within one millisecond.
   */
  synchronized Table changeTable(String project, String dataset, String id, ObjectNode change, boolean replace,
      String ifMatch) {
    Table table = table(project, dataset, id);
    String etag = table.resource.path("etag").asText();
    if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.replace("\"", "").equals(etag)) {
      throw new BigQueryError(412, "conditionNotMet", "Precondition check failed.");
    }
    ObjectNode next = replace ? change.deepCopy() : table.resource.deepCopy();
    if (!replace) {
      change.fields().forEachRemaining(e -> next.set(e.getKey(), e.getValue()));
    }
    for (String outputOnly : List.of("kind", "id", "tableReference", "type", "location", "creationTime")) {
      next.set(outputOnly, table.resource.get(outputOnly));
    }
    if (next.has("schema")) {
      normalize(next.path("schema").path("fields"));
      SchemaRules.checkEvolution(table.legacyName(), table.columns, Column.listFrom(next.path("schema").path("fields")));
    }
    countUpdate(project + "/" + dataset + "/" + id, partitioned(table.resource));
    next.put("lastModifiedTime", Long.toString(now()));
    next.put("etag", "t" + now() + "-" + (++etagSequence));
    table.setResource(next);
    if (next.has("schema")) {
      table.writeSchemaVisibleAt(now() + schemaDelayMillis);
    }
    return table;
  }

  /** A load job's schema update options changed the table's columns ({@code fields}): a new etag, and the change
   * reaches Storage Write appends after the propagation delay, as any other. Not counted against the table update
   * rate (a load job is no metadata update operation). */
  synchronized void loadedSchema(Table table, com.fasterxml.jackson.databind.node.ArrayNode fields) {
    ObjectNode next = table.resource.deepCopy();
    next.with("schema").set("fields", fields);
    next.put("lastModifiedTime", Long.toString(now()));
    next.put("etag", "t" + now() + "-" + (++etagSequence));
    table.setResource(next);
    table.writeSchemaVisibleAt(now() + schemaDelayMillis);
  }

  synchronized void deleteTable(String project, String dataset, String id) {
    table(project, dataset, id);
    tables.remove(project + "/" + dataset + "/" + id);
  }

  /** Appends rows, applying {@code _change_type} UPSERT/DELETE by primary key as BigQuery CDC does. */
  synchronized void append(Table table, List<Map<String, Object>> rows) {
    List<String> key = table.primaryKey();
    for (Map<String, Object> row : rows) {
      Object changeType = row.get(CHANGE_TYPE);
      if (changeType == null || key.isEmpty()) {
        Map<String, Object> plain = new HashMap<>(row);
        plain.remove(CHANGE_TYPE);
        plain.remove(CHANGE_SEQUENCE);
        table.rows.add(plain);
        continue;
      }
      List<Object> keyValues = new ArrayList<>();
      key.forEach(k -> keyValues.add(row.get(columnName(table, k))));
      String sequence = (String) row.get(CHANGE_SEQUENCE);
      Table.CdcRow current = table.byKey.get(keyValues);
      if (current != null && sequence != null && current.sequence() != null
          && ChangeSequenceNumber.compare(sequence, current.sequence()) < 0) {
        continue; // an older change arriving late loses
      }
      Map<String, Object> stored = new HashMap<>(row);
      stored.remove(CHANGE_TYPE);
      stored.remove(CHANGE_SEQUENCE);
      if ("DELETE".equals(changeType)) {
        table.byKey.remove(keyValues);
        if (sequence != null) {
          table.deletedSequences.put(keyValues, sequence);
        }
      } else {
        String deletedAt = table.deletedSequences.get(keyValues);
        if (deletedAt != null && sequence != null && ChangeSequenceNumber.compare(sequence, deletedAt) < 0) {
          continue;
        }
        table.byKey.put(keyValues, new Table.CdcRow(stored, sequence));
      }
    }
  }

  private static String columnName(Table table, String name) {
    Column c = Column.find(table.columns, name);
    return c == null ? name : c.name();
  }

  /** The tables of a dataset, by id. */
  synchronized List<Table> tablesOf(String project, String dataset) {
    dataset(project, dataset);
    return tables.values().stream().filter(t -> t.project.equals(project) && t.dataset.equals(dataset))
        .sorted(java.util.Comparator.comparing(t -> t.id)).toList();
  }

  synchronized List<Map<String, Object>> rows(String project, String dataset, String id) {
    return table(project, dataset, id).visibleRows();
  }

  /** The REST API returns every field's mode explicitly, NULLABLE when the client left it out. */
  private static void normalize(JsonNode fields) {
    for (JsonNode f : fields) {
      if (!f.hasNonNull("mode")) {
        ((ObjectNode) f).put("mode", "NULLABLE");
      }
      normalize(f.path("fields"));
    }
  }
}
