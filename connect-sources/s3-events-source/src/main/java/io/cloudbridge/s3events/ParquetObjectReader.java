package io.cloudbridge.s3events;

import java.io.IOException;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.ParquetDecodingException;

/**
 * A Parquet file through Parquet's Avro binding: rows as Avro records, converted to Connect values with the
 * file's schema by {@link AvroValues}. Parquet reads a row group's column chunks at a time, so memory follows the
 * file's row-group size.
 */
final class ParquetObjectReader implements RecordReader {

  private final ParquetReader<GenericRecord> rows;
  private AvroValues values;

  ParquetObjectReader(InputFile file) throws IOException {
    try {
      this.rows = AvroParquetReader.<GenericRecord>builder(file, new PlainParquetConfiguration()).build();
    } catch (RuntimeException e) {
      throw new CorruptObjectException("not a Parquet file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw rethrow(e);
    }
  }

  @Override
  public Parsed next() throws IOException {
    GenericRecord row;
    try {
      row = rows.read();
    } catch (ParquetDecodingException | org.apache.avro.AvroRuntimeException e) {
      throw rethrow(e);
    } catch (IOException e) {
      throw rethrow(e);
    }
    if (row == null) {
      return null;
    }
    if (values == null) {
      values = new AvroValues(row.getSchema());
    }
    return new Parsed(values.schema(), values.convert(row), 0, -1);
  }

  /** A failed S3 read stays one (and is retried); anything else is damage in the file. */
  private static IOException rethrow(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof S3ReadException s3) {
        return s3;
      }
    }
    return e instanceof CorruptObjectException c ? c : new CorruptObjectException("damaged Parquet data: " + e, e);
  }

  @Override
  public void close() throws IOException {
    rows.close();
  }
}
