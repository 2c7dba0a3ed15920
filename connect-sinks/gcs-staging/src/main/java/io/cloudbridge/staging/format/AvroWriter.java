package io.cloudbridge.staging.format;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * An Avro object container file of the records' values (or envelopes), with the schema of the first record and
 * the configured block codec. Blocks are written as they fill (Avro's sync interval, 64 KiB by default), so an
 * object holds at most one block in memory.
 */
final class AvroWriter implements RecordWriter<SinkRecord> {

  private final OutputStream out;
  private final CodecFactory codec;
  private final SchemaBound bound;
  private DataFileWriter<Object> file;

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
      file = new DataFileWriter<>(new GenericDatumWriter<>(bound.schema())).setCodec(codec);
      file.create(bound.schema(), new FilterOutputStream(out) {
        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
          flush(); // the object's stream is closed by its upload, not by Avro
        }
      });
      bound.bind(r);
    }
    file.append(datum);
  }

  @Override
  public void finish() throws IOException {
    if (file != null) {
      file.flush();
    }
    out.flush();
  }
}
