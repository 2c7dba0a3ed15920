package io.cloudbridge.staging.format;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter.Mode;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet file of the records' struct values (or envelopes), through Parquet's Avro binding, with the schema of
 * the first record. A row group is buffered in memory up to its configured size, then written to the stream;
 * finishing writes the last group and the footer.
 */
final class ParquetFileWriter implements RecordWriter<SinkRecord> {

  private final OutputStream out;
  private final CompressionCodecName codec;
  private final int rowGroupBytes;
  private final SchemaBound bound;
  private ParquetWriter<GenericRecord> file;
  /** Bytes Parquet has handed to the stream. */
  private long written;

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
      PlainParquetConfiguration conf = new PlainParquetConfiguration();
      conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false"); // 3-level lists, as BigQuery and Spark read them
      file = AvroParquetWriter.<GenericRecord>builder(new StreamFile())
          .withConf(conf)
          .withSchema(bound.schema())
          .withDataModel(GenericData.get())
          .withCompressionCodec(codec)
          .withRowGroupSize((long) rowGroupBytes)
          .withPageSize(Math.min(1 << 20, Math.max(64 * 1024, rowGroupBytes / 8)))
          .withWriteMode(Mode.CREATE)
          .build();
      bound.bind(r);
    }
    file.write(row);
  }

  @Override
  public long bufferedBytes() {
    return file == null ? 0 : Math.max(0, file.getDataSize() - written);
  }

  @Override
  public void finish() throws IOException {
    if (file != null) {
      file.close(); // writes the last row group and the footer; the stream stays open
    }
    out.flush();
  }

  /** The object's stream as a Parquet output file: Parquet tracks the position, closing only flushes. */
  private final class StreamFile implements OutputFile {
    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new Position();
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return new Position();
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }

    private final class Position extends PositionOutputStream {
      @Override
      public long getPos() {
        return written;
      }

      @Override
      public void write(int b) throws IOException {
        out.write(b);
        written++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        written += len;
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    }
  }
}
