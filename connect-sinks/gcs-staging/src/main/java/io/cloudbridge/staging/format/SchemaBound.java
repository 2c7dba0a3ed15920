package io.cloudbridge.staging.format;

import java.io.IOException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The schema of an Avro or Parquet object: made from its first written record's value schema (and key schema
 * inside an envelope); records with other schemas belong to another object. Turns each record into the Avro datum
 * of that schema.
 */
final class SchemaBound {

  private final boolean envelope;
  private final String format;
  private final boolean structsOnly;
  private boolean bound;
  private Schema key;
  private Schema value;
  private ConnectAvro avro;
  private org.apache.avro.Schema schema;

  /** {@code format} names the format in errors; {@code structsOnly}: values (outside an envelope) must be structs. */
  SchemaBound(boolean envelope, String format, boolean structsOnly) {
    this.envelope = envelope;
    this.format = format;
    this.structsOnly = structsOnly;
  }

  boolean isBound() {
    return bound;
  }

  /** The object's schema: set by the first record {@link #datum} converted. */
  org.apache.avro.Schema schema() {
    return schema;
  }

  /** Fixes the object's schemas as the record's, once its datum is written. */
  void bind(SinkRecord r) {
    bound = true;
    key = r.keySchema();
    value = r.valueSchema();
  }

  boolean accepts(SinkRecord r) {
    if (!bound || r.valueSchema() == null) {
      return true; // a record without a schema is refused by the writer, not moved to a new object
    }
    return same(value, r.valueSchema()) && (!envelope || same(key, r.keySchema()));
  }

  private static boolean same(Schema a, Schema b) {
    return a == b || (a != null && a.equals(b));
  }

  /**
   * The record as an Avro datum (its value, or its envelope); before the object is bound this also works out the
   * schema. A record the format cannot take fails with a {@code DataException} naming it.
   */
  Object datum(SinkRecord r) throws IOException {
    return RecordWriter.encode(r, () -> {
      if (!bound) {
        Schema v = r.valueSchema();
        if (v == null) {
          throw new DataException(r.value() == null ? "a null value (a tombstone) has no schema to write"
              : "a value without a schema; " + format + " needs one (e.g. JsonConverter with schemas.enable=true,"
                  + " or an Avro converter), or use format jsonl");
        }
        if (structsOnly && !envelope && v.type() != Schema.Type.STRUCT) {
          throw new DataException(format + " rows need struct values, not " + v.type() + " (or use"
              + " format.output.envelope=envelope)");
        }
        if (structsOnly && !envelope && ConnectAvro.empty(v)) {
          throw new DataException(format + " rows need at least one field, and this value's struct has none (it"
              + " holds no data)");
        }
        avro = new ConnectAvro();
        schema = envelope ? avro.envelopeSchema(r.keySchema(), v) : avro.valueSchema(v);
      }
      return envelope ? avro.envelope(r, schema) : avro.value(r.valueSchema(), r.value(), schema);
    });
  }
}
