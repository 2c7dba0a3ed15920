package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.TableId;
import com.google.protobuf.ByteString;
import io.cloudbridge.bigquery.rows.ColumnNames;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The rows of one table as records become them: an encoder per record schema, built once against the table's
 * columns as they are then (a field goes into an existing column of a wider numeric type, or a JSON column, in that
 * column's type), and the first time a schema is seen the table made to take it (created, or columns added and
 * relaxed). Shared by every writer of the
 * table in a task.
 */
final class TableRows {

  private final TableId table;
  private final Tables tables;
  private final Runnable schemaUpdates;
  private final AddedColumns added;
  private final RowEncoder.DecimalType decimals;
  private final Set<String> jsonFields;
  private MapRows mapRows;
  private RowEncoder mapEncoder;
  private long columnsRead;
  private final Map<Schema, RowEncoder> encoders = new IdentityHashMap<>();
  private final Map<Schema, RowEncoder> changeEncoders = new IdentityHashMap<>();

  TableRows(TableId table, Tables tables, AddedColumns added, RowEncoder.DecimalType decimals,
      Set<String> jsonFields, Runnable schemaUpdates) {
    this.decimals = decimals;
    this.jsonFields = jsonFields;
    this.added = added;
    this.table = table;
    this.tables = tables;
    this.schemaUpdates = schemaUpdates;
  }

  TableId table() {
    return table;
  }

  Tables tables() {
    return tables;
  }

  String name() {
    return Tables.name(table);
  }

  /** A record's row and the encoder (the writer schema) it was made with. */
  record Row(RowEncoder encoder, ByteString bytes) {}

  /** The record's row; a value the table's rows cannot take fails with a DataException naming the record. */
  Row row(SinkRecord r) {
    if (r.value() instanceof Map<?, ?> map) {
      return mapRow(r, map);
    }
    RowEncoder e = encoder(r);
    return new Row(e, encode(e, r));
  }

  /** A record without a schema, against the table's columns (read once; again when a key is no column). */
  private Row mapRow(SinkRecord r, Map<?, ?> map) {
    try {
      if (mapRows == null) {
        loadColumns();
      }
      Struct row;
      try {
        row = mapRows.toStruct(map);
      } catch (DataException unknown) {
        if (System.currentTimeMillis() - columnsRead < 10_000) {
          throw unknown;
        }
        loadColumns(); // the table may have new columns
        row = mapRows.toStruct(map);
      }
      return new Row(mapEncoder, mapEncoder.encode(row, added.values(r)));
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  private void loadColumns() {
    com.google.cloud.bigquery.Schema columns = tables.columns(table);
    if (columns == null) {
      throw new DataException("table " + name() + " does not exist; records without a schema are written to"
          + " existing tables only (create it, or use a converter with schemas)");
    }
    Set<String> skip = new HashSet<>();
    added.extras().forEach(x -> skip.add(x.name().toLowerCase(Locale.ROOT)));
    mapRows = new MapRows(columns.getFields(), skip);
    mapEncoder = RowEncoder.forSchema(mapRows.schema(), added.extras(), RowEncoder.DecimalType.AUTO);
    if (tables.reconcile(table, mapEncoder.tableSchema(), List.of())) {
      schemaUpdates.run(); // the columns the sink adds
    }
    columnsRead = System.currentTimeMillis();
  }

  /** The encoder for the record's value; a value the table's rows cannot take fails with a DataException. */
  private RowEncoder encoder(SinkRecord r) {
    if (!(r.value() instanceof Struct)) {
      throw new DataException(describe(r) + ": the value is " + (r.value() == null ? "null"
          : "a " + r.value().getClass().getSimpleName()) + ", not a struct with a schema or a map (use a converter"
          + " with schemas, e.g. JsonConverter with schemas.enable=true or an Avro converter)");
    }
    try {
      return encoder(r.valueSchema());
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  /** The record's row in the encoder's layout; a value its column cannot hold fails naming record and column. */
  private ByteString encode(RowEncoder encoder, SinkRecord r) {
    try {
      return encoder.encode((Struct) r.value(), added.values(r));
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  private RowEncoder encoder(Schema schema) {
    RowEncoder e = encoders.get(schema);
    if (e == null) {
      try {
        e = RowEncoder.forSchema(schema, added.extras(), decimals, jsonFields, tables.columnTypes(table));
      } catch (DataException bad) {
        throw new DataException("table " + name() + ": " + bad.getMessage(), bad);
      }
      if (tables.reconcile(table, e.tableSchema(), List.of())) {
        schemaUpdates.run();
      }
      encoders.put(schema, e);
    }
    return e;
  }

  /**
   * The encoder for a change row of the record (cdc): the first time its schema is seen, the table is made to take
   * it, and created with the Kafka key's fields as its primary key. A delete that carries only the key is encoded
   * as it is, without changing the table.
   */
  RowEncoder changeEncoder(SinkRecord r, Struct row) {
    Schema schema = row.schema();
    RowEncoder e = changeEncoders.get(schema);
    if (e != null) {
      return e;
    }
    if (r.keySchema() == null || r.keySchema().type() != Schema.Type.STRUCT) {
      throw new DataException(describe(r) + ": cdc needs a struct key (the source table's primary key) to make"
          + " the table's primary key, not " + (r.keySchema() == null ? "a key without schema" : r.keySchema().type()));
    }
    try {
      e = RowEncoder.forChanges(schema, schema == r.keySchema() ? List.of() : added.extras(), decimals, jsonFields,
          tables.columnTypes(table));
    } catch (DataException bad) {
      throw new DataException(describe(r) + ": table " + name() + ": " + bad.getMessage(), bad);
    }
    if (schema != r.keySchema()) {
      List<String> key = new ArrayList<>();
      r.keySchema().fields().forEach(f -> key.add(ColumnNames.column(f.name())));
      if (tables.reconcile(table, e.tableSchema(), key)) {
        schemaUpdates.run();
      }
    }
    changeEncoders.put(schema, e);
    return e;
  }

  /** A change row of the record in the encoder's layout. */
  ByteString encodeChange(RowEncoder encoder, SinkRecord r, ChangeEvents.Change c) {
    try {
      return encoder.encode(c.row(), added.values(r), c.delete() ? "DELETE" : "UPSERT", c.sequence());
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  static String describe(SinkRecord r) {
    return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }
}
