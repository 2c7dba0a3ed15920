package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.PrimaryKey;
import com.google.cloud.bigquery.TableConstraints;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.TimePartitioning;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes sure a table exists: found, or created from the rows' schema with the configured partitioning. */
final class Tables {

  private static final Logger log = LoggerFactory.getLogger(Tables.class);

  private final BigQuery bigQuery;
  private final BigQuerySinkConfig config;

  /** Per table, the columns this task relaxed from REQUIRED to NULLABLE, and when. */
  private final Map<String, Map<String, Long>> relaxed = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether a row error may only mean that a relaxation of ours has not reached Storage Write yet: a schema change
   * takes minutes to (B.9), relaxations too, and until then rows that leave the column out are refused as missing a
   * required field. True when {@code message} names a column of {@code table} this task relaxed within the last
   * {@code withinMs}.
   */
  boolean awaitsRelaxation(String table, String message, long withinMs) {
    Map<String, Long> columns = relaxed.get(table);
    if (columns == null || message == null) {
      return false;
    }
    long now = System.currentTimeMillis();
    for (Map.Entry<String, Long> e : columns.entrySet()) {
      String leaf = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      if (now - e.getValue() <= withinMs && java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(leaf)
          + "\\b").matcher(message).find()) {
        return true;
      }
    }
    return false;
  }

  Tables(BigQuery bigQuery, BigQuerySinkConfig config) {
    this.bigQuery = bigQuery;
    this.config = config;
  }

  /**
   * Makes the table take rows of this schema: creates it if missing (and the config allows), else adds the
   * columns it lacks (NULLABLE, or REPEATED) and relaxes REQUIRED columns the rows leave out or make optional,
   * nested ones included; true if the table changed. A column whose type differs fails with a DataException naming
   * it.
   */
  boolean reconcile(TableId id, TableSchema rows, List<String> primaryKey) {
    long deadline = System.currentTimeMillis() + CHANGE_TIMEOUT_MS;
    long backoff = 500;
    while (true) {
      try {
        return reconcileOnce(id, rows, primaryKey);
      } catch (BigQueryException e) {
        if (!transientChange(e) || System.currentTimeMillis() + backoff > deadline) {
          throw new ConnectException("Cannot make table " + name(id) + " take the records' schema: "
              + e.getMessage(), e);
        }
        long wait = backoff / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
        log.info("Table {}: {} ({}); reading it again in {} ms", name(id), e.getMessage(), e.getReason(), wait);
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new ConnectException("Interrupted while changing table " + name(id), interrupted);
        }
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  /**
   * How long a table change is retried: the table metadata update rate limit (5 per 10 s per table, 50 when
   * partitioned) or a concurrent change by another task passes in seconds; this stays under Connect's
   * {@code max.poll.interval.ms} (5 minutes by default), past which the task would leave its consumer group.
   */
  static final long CHANGE_TIMEOUT_MS = 4 * 60_000L;

  /**
   * Errors of a table change that pass: the metadata update rate limit (403 rateLimitExceeded), another task
   * creating the table (409) or changing its schema meanwhile (400 "Field … is missing in new schema": the schema
   * sent was read before the other change), and server errors the client gave up on. Each is retried after reading
   * the table again and merging the records' columns into what it has now. Server errors and no answer, which the
   * client already retried ({@code bigquery.retry.*}), are an outage: the task waits those out
   * ({@code outage.timeout.ms}) without holding up its poll loop here.
   */
  static boolean transientChange(BigQueryException e) {
    String message = String.valueOf(e.getMessage());
    return e.getCode() == 403 && "rateLimitExceeded".equals(e.getReason())
        || e.getCode() == 409
        || e.getCode() == 400 && message.contains("is missing in new schema");
  }

  private boolean reconcileOnce(TableId id, TableSchema rows, List<String> primaryKey) {
    Table table = bigQuery.getTable(id);
    if (table == null) {
      create(id, rows, primaryKey);
      return false;
    }
    if (!primaryKey.isEmpty() && (table.getTableConstraints() == null
        || table.getTableConstraints().getPrimaryKey() == null)) {
      throw new ConnectException("Table " + name(id) + " has no primary key, which BigQuery change data capture"
          + " needs: create it with PRIMARY KEY (" + String.join(", ", primaryKey) + ") NOT ENFORCED, or let the"
          + " sink create it");
    }
    StandardTableDefinition definition = table.getDefinition();
    List<String> changes = new ArrayList<>();
    List<Field> merged = merge(definition.getSchema() == null ? List.of() : definition.getSchema().getFields(),
        fields(rows.getFieldsList()), "", changes);
    if (changes.isEmpty()) {
      return false;
    }
    try {
      table.toBuilder().setDefinition(definition.toBuilder().setSchema(Schema.of(merged)).build()).build().update();
    } catch (BigQueryException e) {
      if (transientChange(e)) {
        throw e; // read again and merged by reconcile
      }
      throw new ConnectException("Cannot change the schema of " + name(id) + " (" + String.join(", ", changes)
          + "): " + e.getMessage(), e);
    }
    log.info("Table {}: {}", name(id), String.join(", ", changes));
    long now = System.currentTimeMillis();
    for (String change : changes) {
      if (change.startsWith("relaxed ")) {
        String column = change.substring("relaxed ".length(), change.indexOf(" to NULLABLE"));
        relaxed.computeIfAbsent(name(id), t -> new java.util.concurrent.ConcurrentHashMap<>()).put(column, now);
      }
    }
    return true;
  }

  /** The table's columns made to take the wanted ones; {@code changes} says what changed. */
  private static List<Field> merge(List<Field> current, List<Field> wanted, String path, List<String> changes) {
    List<Field> out = new ArrayList<>();
    for (Field c : current) {
      Field w = find(wanted, c.getName());
      Field.Builder f = c.toBuilder();
      if (w == null) {
        if (c.getMode() == Field.Mode.REQUIRED) {
          f.setMode(Field.Mode.NULLABLE);
          changes.add("relaxed " + path + c.getName() + " to NULLABLE (records no longer carry it)");
        }
        out.add(f.build());
        continue;
      }
      if (c.getType().getStandardType() != w.getType().getStandardType()
          || (c.getMode() == Field.Mode.REPEATED) != (w.getMode() == Field.Mode.REPEATED)) {
        throw new org.apache.kafka.connect.errors.DataException("column " + path + c.getName() + " is "
            + describe(c) + " in the table, but the records make it " + describe(w));
      }
      if (c.getMode() == Field.Mode.REQUIRED && w.getMode() == Field.Mode.NULLABLE) {
        f.setMode(Field.Mode.NULLABLE);
        changes.add("relaxed " + path + c.getName() + " to NULLABLE");
      }
      if (c.getType().getStandardType() == StandardSQLTypeName.STRUCT) {
        f.setType(StandardSQLTypeName.STRUCT, FieldList.of(merge(c.getSubFields(), w.getSubFields(),
            path + c.getName() + ".", changes)));
      }
      out.add(f.build());
    }
    for (Field w : wanted) {
      if (find(current, w.getName()) == null) {
        Field added = w.getMode() == Field.Mode.REPEATED ? w : relaxed(w);
        out.add(added);
        changes.add("added " + path + w.getName() + " " + describe(added));
      }
    }
    return out;
  }

  /** A new column, and its nested ones, as NULLABLE: BigQuery adds no REQUIRED column to a table. */
  private static Field relaxed(Field w) {
    Field.Builder f = w.toBuilder().setMode(w.getMode() == Field.Mode.REPEATED ? Field.Mode.REPEATED
        : Field.Mode.NULLABLE);
    if (w.getSubFields() != null) {
      List<Field> subs = new ArrayList<>();
      w.getSubFields().forEach(sub -> subs.add(relaxed(sub)));
      f.setType(StandardSQLTypeName.STRUCT, FieldList.of(subs));
    }
    return f.build();
  }

  private static Field find(List<Field> fields, String name) {
    for (Field f : fields) {
      if (f.getName().equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  private static String describe(Field f) {
    return (f.getMode() == null ? "NULLABLE" : f.getMode().name()) + " " + f.getType().getStandardType();
  }

  private void create(TableId id, TableSchema rows, List<String> primaryKey) {
    if (!config.autoCreate()) {
      throw new ConnectException("Table " + name(id) + " does not exist and " + BigQuerySinkConfig.AUTO_CREATE
          + " is false");
    }
    StandardTableDefinition.Builder definition = StandardTableDefinition.newBuilder().setSchema(schema(rows));
    if (config.partitionType() != BigQuerySinkConfig.PartitionType.NONE) {
      TimePartitioning.Builder p = TimePartitioning.newBuilder(TimePartitioning.Type.valueOf(
          config.partitionType().name()));
      if (!config.partitionField().isEmpty()) {
        p.setField(config.partitionField());
      }
      definition.setTimePartitioning(p.build());
    }
    if (!config.clustering().isEmpty()) {
      definition.setClustering(Clustering.newBuilder().setFields(config.clustering()).build());
    }
    TableInfo.Builder info = TableInfo.newBuilder(id, definition.build());
    if (!primaryKey.isEmpty()) {
      info.setTableConstraints(TableConstraints.newBuilder()
          .setPrimaryKey(PrimaryKey.newBuilder().setColumns(primaryKey).build()).build());
    }
    try {
      bigQuery.create(info.build());
    } catch (BigQueryException e) {
      if (transientChange(e)) {
        throw e; // 409: another task created it meanwhile; reconcile reads it and adds what it lacks
      }
      throw new ConnectException("Cannot create table " + name(id) + ": " + e.getMessage(), e);
    }
    log.info("Created table {}{}", name(id), primaryKey.isEmpty() ? "" : " with primary key " + primaryKey);
    if (!primaryKey.isEmpty() && config.cdcMaxStalenessMinutes() > 0) {
      maxStaleness(id, config.cdcMaxStalenessMinutes());
    }
  }

  /**
   * Sets max_staleness, which the client's table model lacks, through its REST layer: a tables.patch with an
   * INTERVAL in BigQuery's canonical form ("Y-M D H:M:S").
   */
  private void maxStaleness(TableId id, int minutes) {
    com.google.api.services.bigquery.model.Table patch = new com.google.api.services.bigquery.model.Table()
        .setTableReference(new com.google.api.services.bigquery.model.TableReference().setProjectId(id.getProject())
            .setDatasetId(id.getDataset()).setTableId(id.getTable()))
        .setMaxStaleness("0-0 0 " + minutes / 60 + ":" + minutes % 60 + ":0");
    try {
      ((com.google.cloud.bigquery.spi.v2.BigQueryRpc) bigQuery.getOptions().getRpc()).patch(patch,
          java.util.Map.of());
    } catch (BigQueryException e) {
      throw new ConnectException("Cannot set max_staleness of " + name(id) + ": " + e.getMessage(), e);
    }
  }

  /** The table's columns, or null when it does not exist. */
  Schema columns(TableId id) {
    try {
      Table table = bigQuery.getTable(id);
      return table == null ? null : table.getDefinition().getSchema();
    } catch (BigQueryException e) {
      throw new ConnectException("Cannot read table " + name(id) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The types of the table's columns by lower-cased path ({@code detail.items.price}), nested ones included; empty
   * when the table does not exist.
   */
  java.util.Map<String, TableFieldSchema.Type> columnTypes(TableId id) {
    Schema columns = columns(id);
    java.util.Map<String, TableFieldSchema.Type> out = new java.util.HashMap<>();
    if (columns != null) {
      columnTypes(columns.getFields(), "", out);
    }
    return out;
  }

  private static void columnTypes(List<Field> fields, String path, java.util.Map<String, TableFieldSchema.Type> out) {
    for (Field f : fields) {
      String key = path + f.getName().toLowerCase(java.util.Locale.ROOT);
      StandardSQLTypeName t = f.getType().getStandardType();
      out.put(key, switch (t) {
        case INT64 -> TableFieldSchema.Type.INT64;
        case FLOAT64 -> TableFieldSchema.Type.DOUBLE;
        case NUMERIC -> TableFieldSchema.Type.NUMERIC;
        case BIGNUMERIC -> TableFieldSchema.Type.BIGNUMERIC;
        case BOOL -> TableFieldSchema.Type.BOOL;
        case STRING -> TableFieldSchema.Type.STRING;
        case BYTES -> TableFieldSchema.Type.BYTES;
        case TIMESTAMP -> TableFieldSchema.Type.TIMESTAMP;
        case DATE -> TableFieldSchema.Type.DATE;
        case TIME -> TableFieldSchema.Type.TIME;
        case DATETIME -> TableFieldSchema.Type.DATETIME;
        case JSON -> TableFieldSchema.Type.JSON;
        case STRUCT -> TableFieldSchema.Type.STRUCT;
        default -> TableFieldSchema.Type.TYPE_UNSPECIFIED;
      });
      if (t == StandardSQLTypeName.STRUCT && f.getSubFields() != null) {
        columnTypes(f.getSubFields(), key + ".", out);
      }
    }
  }

  static String name(TableId id) {
    return id.getProject() + "." + id.getDataset() + "." + id.getTable();
  }

  /** The Storage Write table schema as the REST API's. */
  static Schema schema(TableSchema rows) {
    return Schema.of(fields(rows.getFieldsList()));
  }

  private static List<Field> fields(List<TableFieldSchema> columns) {
    List<Field> out = new ArrayList<>();
    for (TableFieldSchema c : columns) {
      StandardSQLTypeName type = switch (c.getType()) {
        case STRING -> StandardSQLTypeName.STRING;
        case INT64 -> StandardSQLTypeName.INT64;
        case DOUBLE -> StandardSQLTypeName.FLOAT64;
        case BOOL -> StandardSQLTypeName.BOOL;
        case BYTES -> StandardSQLTypeName.BYTES;
        case TIMESTAMP -> StandardSQLTypeName.TIMESTAMP;
        case DATE -> StandardSQLTypeName.DATE;
        case TIME -> StandardSQLTypeName.TIME;
        case DATETIME -> StandardSQLTypeName.DATETIME;
        case NUMERIC -> StandardSQLTypeName.NUMERIC;
        case BIGNUMERIC -> StandardSQLTypeName.BIGNUMERIC;
        case JSON -> StandardSQLTypeName.JSON;
        case STRUCT -> StandardSQLTypeName.STRUCT;
        default -> throw new ConnectException("column " + c.getName() + ": type " + c.getType() + " is not mapped");
      };
      Field.Builder f = type == StandardSQLTypeName.STRUCT
          ? Field.newBuilder(c.getName(), type, FieldList.of(fields(c.getFieldsList())))
          : Field.newBuilder(c.getName(), type);
      f.setMode(switch (c.getMode()) {
        case REQUIRED -> Field.Mode.REQUIRED;
        case REPEATED -> Field.Mode.REPEATED;
        default -> Field.Mode.NULLABLE;
      });
      if (c.getPrecision() > 0) {
        f.setPrecision(c.getPrecision()).setScale(c.getScale());
      }
      out.add(f.build());
    }
    return out;
  }
}
