package io.cloudbridge.gcs.format;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * An Avro object container file of the records' values (or envelopes), with the schema of the first record and
 * the configured block codec. Blocks are written as they fill (Avro's sync interval, 64 KiB by default), so an
 * object holds at most one block in memory.
 */
final class AvroWriter implements RecordWriter {

  private final OutputStream out;
  private final CodecFactory codec;
  private final boolean envelope;
  private final SchemaBound bound;
  private ConnectAvro avro;
  private org.apache.avro.Schema schema;
  private DataFileWriter<Object> file;

  AvroWriter(OutputStream out, CodecFactory codec, boolean envelope) {
    this.out = out;
    this.codec = codec;
    this.envelope = envelope;
    this.bound = new SchemaBound(envelope);
  }

  @Override
  public boolean accepts(SinkRecord r) {
    return bound.accepts(r);
  }

  @Override
  public void write(SinkRecord r) throws IOException {
    Object datum;
    try {
      datum = datum(r);
    } catch (DataException e) {
      throw new DataException(RecordWriter.describe(r) + ": " + e.getMessage(), e);
    } catch (ClassCastException e) {
      throw new DataException(RecordWriter.describe(r) + ": a value does not match its schema (" + e.getMessage()
          + ")", e);
    }
    if (file == null) {
      file = new DataFileWriter<>(new GenericDatumWriter<>(schema)).setCodec(codec);
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
      bound.bind(r);
    }
    file.append(datum);
  }

  /** The record as an Avro datum; the first record also fixes the object's schema. */
  private Object datum(SinkRecord r) {
    if (!bound.isBound()) {
      if (r.valueSchema() == null) {
        throw new DataException(r.value() == null ? "a null value (a tombstone) has no schema to write"
            : "a value without a schema; avro needs one (e.g. JsonConverter with schemas.enable=true, or an Avro"
                + " converter), or use format jsonl");
      }
      avro = new ConnectAvro();
      schema = envelope ? avro.envelopeSchema(r.keySchema(), r.valueSchema()) : avro.valueSchema(r.valueSchema());
    }
    return envelope ? avro.envelope(r, schema) : avro.value(r.valueSchema(), r.value(), schema);
  }

  @Override
  public void finish() throws IOException {
    if (file != null) {
      file.flush();
    }
    out.flush();
  }
}
