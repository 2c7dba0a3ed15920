package io.cloudbridge.s3events;

import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/**
 * An Avro object container file, read as a stream block by block (any codec Avro has built in), each datum
 * converted to a Connect value with its schema by {@link AvroValues}.
 */
final class AvroReader implements RecordReader {

  private final InputStream in;
  private DataFileStream<Object> file;
  private AvroValues values;

  AvroReader(InputStream in) {
    this.in = in;
  }

  private DataFileStream<Object> file() throws IOException {
    if (file == null) {
      try {
        file = new DataFileStream<>(in, new GenericDatumReader<>());
      } catch (IOException | AvroRuntimeException e) {
        if (e instanceof S3ReadException s3) {
          throw s3;
        }
        throw new CorruptObjectException("not an Avro object container file: " + e.getMessage(), e);
      }
      values = new AvroValues(file.getSchema());
    }
    return file;
  }

  @Override
  public Parsed next() throws IOException {
    DataFileStream<Object> f = file();
    try {
      if (!f.hasNext()) {
        return null;
      }
      Object datum = f.next();
      return new Parsed(values.schema(), values.convert(datum), 0, -1);
    } catch (AvroRuntimeException e) {
      if (e.getCause() instanceof S3ReadException s3) {
        throw s3;
      }
      throw new CorruptObjectException("damaged Avro data: " + e.getMessage(), e);
    }
  }

  /** Datum values are decoded to be skipped; this reuses nothing, but keeps no more than one datum. */
  @Override
  public long skip(long n) throws IOException {
    long skipped = 0;
    DataFileStream<Object> f = file();
    try {
      Object reuse = null;
      while (skipped < n && f.hasNext()) {
        reuse = f.next(reuse instanceof GenericRecord ? reuse : null);
        skipped++;
      }
    } catch (AvroRuntimeException e) {
      throw new CorruptObjectException("damaged Avro data: " + e.getMessage(), e);
    }
    return skipped;
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      file.close();
    }
    in.close();
  }
}
