package io.cloudbridge.staging.format;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * A Parquet file of the records' struct values (or envelopes), with the schema of the first record
 * ({@link ParquetFile}).
 */
final class ParquetFileWriter implements RecordWriter<SinkRecord> {

  private final OutputStream out;
  private final CompressionCodecName codec;
  private final int rowGroupBytes;
  private final SchemaBound bound;
  private ParquetFile file;

  ParquetFileWriter(OutputStream out, CompressionCodecName codec, int rowGroupBytes, boolean envelope) {
    this.out = out;
    this.codec = codec;
    this.rowGroupBytes = rowGroupBytes;
    this.bound = new SchemaBound(envelope, "parquet", true);
  }

  @Override
  public boolean accepts(SinkRecord r) {
    return bound.accepts(r);
  }

  @Override
  public void write(SinkRecord r) throws IOException {
    GenericRecord row = (GenericRecord) bound.datum(r);
    if (file == null) {
      file = new ParquetFile(out, bound.schema(), codec, rowGroupBytes);
      bound.bind(r);
    }
    file.write(row);
  }

  @Override
  public long bufferedBytes() {
    return file == null ? 0 : file.bufferedBytes();
  }

  @Override
  public void finish() throws IOException {
    if (file != null) {
      file.finish();
    }
    out.flush();
  }
}
