package io.cloudbridge.gcs.format;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The schemas an Avro or Parquet object was opened with: its first written record's value schema (and key schema
 * inside an envelope). Records with other schemas belong to another object.
 */
final class SchemaBound {

  private final boolean envelope;
  private boolean bound;
  private Schema key;
  private Schema value;

  SchemaBound(boolean envelope) {
    this.envelope = envelope;
  }

  boolean isBound() {
    return bound;
  }

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
}
