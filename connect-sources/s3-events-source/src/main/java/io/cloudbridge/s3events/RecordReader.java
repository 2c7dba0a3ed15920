package io.cloudbridge.s3events;

import java.io.Closeable;
import java.io.IOException;
import org.apache.kafka.connect.data.Schema;

/**
 * Reads the records of one object, one at a time, from a stream of its (decompressed) bytes. Implementations
 * hold at most one record and a fixed buffer, never the object.
 */
interface RecordReader extends Closeable {

  /**
   * The next record, or null at the end of the object.
   *
   * @throws BadRecordException a record the format cannot read; the reader can go on to the next one
   * @throws IOException the stream broke or the object's container or compression is damaged
   */
  Parsed next() throws IOException, BadRecordException;

  /** Skips {@code n} records (bad ones count too), for resuming inside an object; returns how many it skipped. */
  default long skip(long n) throws IOException {
    long skipped = 0;
    while (skipped < n) {
      try {
        if (next() == null) {
          break;
        }
      } catch (BadRecordException e) {
        // counted like a good record: it was counted when first read
      }
      skipped++;
    }
    return skipped;
  }

  /**
   * One record's value, where it was (a 1-based line number, or 0 where lines mean nothing), and the byte position
   * just after it when the format can be resumed from there (else -1).
   */
  record Parsed(Schema schema, Object value, long line, long positionAfter) {}
}
