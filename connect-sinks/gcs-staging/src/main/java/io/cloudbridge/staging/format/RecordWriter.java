package io.cloudbridge.staging.format;

import java.io.IOException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Writes the records of one object in one format. A record that the format cannot encode fails with a
 * {@code DataException} before any of its bytes reach the object, so the object stays well-formed.
 */
public interface RecordWriter<T> {

  void write(T record) throws IOException;

  /**
   * False if the record cannot join this object because it holds one schema (Avro, Parquet) or one header (CSV)
   * and the record has another: it then goes to a new object. A record the format cannot take at all is accepted
   * here and refused by {@link #write}.
   */
  default boolean accepts(T record) {
    return true;
  }

  /** Bytes the writer holds that have not reached the stream yet (e.g. a Parquet row group). */
  default long bufferedBytes() {
    return 0;
  }

  /** Writes what ends the object (e.g. a closing bracket or a footer) and flushes; the stream stays open. */
  void finish() throws IOException;

  /** How errors name a record: {@code record topic/partition@offset}. */
  static String describe(SinkRecord r) {
    return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }

  /** A step of encoding one record. */
  interface Encoding<T> {
    T run() throws IOException;
  }

  /** Runs {@code encoding} for {@code r}; a value it cannot take fails with a {@code DataException} naming r. */
  static <T> T encode(SinkRecord r, Encoding<T> encoding) throws IOException {
    try {
      return encoding.run();
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    } catch (ClassCastException e) {
      throw new DataException(describe(r) + ": a value does not match its schema (" + e.getMessage() + ")", e);
    }
  }
}
