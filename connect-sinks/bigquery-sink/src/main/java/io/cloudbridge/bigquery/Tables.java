package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Clustering;
import com.google.cloud.bigquery.Field;
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
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes sure a table exists: found, or created from the rows' schema with the configured partitioning. */
final class Tables {

  private static final Logger log = LoggerFactory.getLogger(Tables.class);

  private final BigQuery bigQuery;
  private final BigQuerySinkConfig config;

  Tables(BigQuery bigQuery, BigQuerySinkConfig config) {
    this.bigQuery = bigQuery;
    this.config = config;
  }

  /** The table, created if missing and the config allows; fails naming the table otherwise. */
  void ensure(TableId id, TableSchema rows) {
    Table table;
    try {
      table = bigQuery.getTable(id);
    } catch (BigQueryException e) {
      throw new ConnectException("Cannot read table " + name(id) + ": " + e.getMessage(), e);
    }
    if (table != null) {
      return;
    }
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
    try {
      bigQuery.create(TableInfo.of(id, definition.build()));
      log.info("Created table {}", name(id));
    } catch (BigQueryException e) {
      if (e.getCode() != 409) {
        throw new ConnectException("Cannot create table " + name(id) + ": " + e.getMessage(), e);
      }
      // another task created it meanwhile
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
