package io.cloudbridge.gcs.format;

import java.io.IOException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Writes the records of one object in one format. A record that the format cannot encode fails with a
 * {@code DataException} before any of its bytes reach the object, so the object stays well-formed.
 */
public interface RecordWriter {

  void write(SinkRecord record) throws IOException;

  /** Writes what ends the object (e.g. a closing bracket) and flushes; the stream stays open. */
  void finish() throws IOException;

  /** How errors name a record: {@code record topic/partition@offset}. */
  static String describe(SinkRecord r) {
    return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }
}
