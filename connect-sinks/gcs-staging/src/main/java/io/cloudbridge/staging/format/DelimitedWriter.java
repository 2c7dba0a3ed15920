package io.cloudbridge.staging.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Records one after another with fixed bytes before the first, between two, and after the last: JSON lines,
 * a JSON array, delimited bytes. Each record is encoded into a buffer first, so one that fails leaves no trace.
 */
final class DelimitedWriter implements RecordWriter<SinkRecord> {

  private final OutputStream out;
  private final RecordEncoder encoder;
  private final byte[] between;
  private final byte[] end;
  private ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
  private boolean first = true;

  DelimitedWriter(OutputStream out, RecordEncoder encoder, byte[] start, byte[] between, byte[] end)
      throws IOException {
    this.out = out;
    this.encoder = encoder;
    this.between = between;
    this.end = end;
    out.write(start);
  }

  @Override
  public void write(SinkRecord record) throws IOException {
    buffer.reset();
    encoder.encode(record, buffer);
    if (!first) {
      out.write(between);
    }
    first = false;
    buffer.writeTo(out);
    if (buffer.size() > 1 << 20) {
      buffer = new ByteArrayOutputStream(1024); // one very large record must not keep its buffer for the object's life
    }
  }

  @Override
  public void finish() throws IOException {
    out.write(end);
    out.flush();
  }
}
