package io.cloudbridge.staging.format;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.file.CodecFactory;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * An Avro object container file of the records' values (or envelopes), with the schema of the first record and
 * the configured block codec ({@link AvroFile}).
 */
final class AvroWriter implements RecordWriter<SinkRecord> {

  private final OutputStream out;
  private final CodecFactory codec;
  private final SchemaBound bound;
  private AvroFile file;

  AvroWriter(OutputStream out, CodecFactory codec, boolean envelope) {
    this.out = out;
    this.codec = codec;
    this.bound = new SchemaBound(envelope, "avro", false);
  }

  @Override
  public boolean accepts(SinkRecord r) {
    return bound.accepts(r);
  }

  @Override
  public void write(SinkRecord r) throws IOException {
    Object datum = bound.datum(r);
    if (file == null) {
      file = new AvroFile(out, bound.schema(), codec);
      bound.bind(r);
    }
    file.append(datum);
  }

  @Override
  public void finish() throws IOException {
    if (file != null) {
      file.finish();
    }
    out.flush();
  }
}
