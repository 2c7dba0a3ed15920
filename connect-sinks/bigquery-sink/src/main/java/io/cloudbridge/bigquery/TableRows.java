package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.TableId;
import com.google.protobuf.ByteString;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.util.IdentityHashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The rows of one table as records become them: an encoder per record schema, built once, and the first time a
 * schema is seen the table made to take it (created, or columns added and relaxed). Shared by every writer of the
 * table in a task.
 */
final class TableRows {

  private final TableId table;
  private final Tables tables;
  private final Runnable schemaUpdates;
  private final Map<Schema, RowEncoder> encoders = new IdentityHashMap<>();

  TableRows(TableId table, Tables tables, Runnable schemaUpdates) {
    this.table = table;
    this.tables = tables;
    this.schemaUpdates = schemaUpdates;
  }

  TableId table() {
    return table;
  }

  String name() {
    return Tables.name(table);
  }

  /** The encoder for the record's value; a value the table's rows cannot take fails with a DataException. */
  RowEncoder encoder(SinkRecord r) {
    if (!(r.value() instanceof Struct)) {
      throw new DataException(describe(r) + ": the value is " + (r.value() == null ? "null"
          : "a " + r.value().getClass().getSimpleName()) + ", not a struct with a schema (use a converter with"
          + " schemas, e.g. JsonConverter with schemas.enable=true or an Avro converter)");
    }
    try {
      return encoder(r.valueSchema());
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  /** The record's row in the encoder's layout; a value its column cannot hold fails naming record and column. */
  static ByteString encode(RowEncoder encoder, SinkRecord r) {
    try {
      return encoder.encode((Struct) r.value());
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
  }

  private RowEncoder encoder(Schema schema) {
    RowEncoder e = encoders.get(schema);
    if (e == null) {
      try {
        e = RowEncoder.forSchema(schema);
      } catch (DataException bad) {
        throw new DataException("table " + name() + ": " + bad.getMessage(), bad);
      }
      if (tables.reconcile(table, e.tableSchema())) {
        schemaUpdates.run();
      }
      encoders.put(schema, e);
    }
    return e;
  }

  static String describe(SinkRecord r) {
    return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }
}
