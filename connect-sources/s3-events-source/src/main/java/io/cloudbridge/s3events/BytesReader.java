package io.cloudbridge.s3events;

import java.io.IOException;
import java.io.InputStream;
import org.apache.kafka.connect.data.Schema;

/** The whole object as one BYTES record, refused as a bad record when it is longer than max.record.bytes. */
final class BytesReader implements RecordReader {

  private final InputStream in;
  private final int maxBytes;
  private boolean done;

  BytesReader(InputStream in, int maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  @Override
  public Parsed next() throws IOException, BadRecordException {
    if (done) {
      return null;
    }
    done = true;
    byte[] bytes = in.readNBytes(maxBytes);
    if (in.read() >= 0) {
      throw new BadRecordException("object longer than max.record.bytes (" + maxBytes + ")", null, 0, -1);
    }
    return new Parsed(Schema.BYTES_SCHEMA, bytes, 0, -1);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
