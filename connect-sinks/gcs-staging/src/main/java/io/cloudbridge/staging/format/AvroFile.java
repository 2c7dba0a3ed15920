package io.cloudbridge.staging.format;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;

/**
 * An Avro object container file of one schema written into an object's stream, with a block codec. Blocks are
 * written as they fill (Avro's sync interval, 64 KiB by default), so the file holds at most one block in memory.
 * Finishing flushes the last block; the stream stays open (the object's upload closes it).
 */
public final class AvroFile {

  private final OutputStream out;
  private final DataFileWriter<Object> file;

  public AvroFile(OutputStream out, Schema schema, CodecFactory codec) throws IOException {
    this.out = out;
    this.file = new DataFileWriter<>(new GenericDatumWriter<>(schema)).setCodec(codec);
    file.create(schema, new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush(); // the object's stream is closed by its upload, not by Avro
      }
    });
  }

  /** Appends a datum of the file's schema. */
  public void append(Object datum) throws IOException {
    file.append(datum);
  }

  public void finish() throws IOException {
    file.flush();
    out.flush();
  }
}
