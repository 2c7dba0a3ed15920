package io.cloudbridge.staging.format;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter.Mode;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet file of Avro records of one schema (Parquet's Avro binding) written into an object's stream: a row
 * group is buffered in memory up to its size, then written; finishing writes the last group and the footer. Lists
 * are written in the 3-level structure BigQuery and Spark read. No Hadoop file system is used.
 */
public final class ParquetFile {

  private final OutputStream out;
  private final ParquetWriter<GenericRecord> file;
  /** Bytes Parquet has handed to the stream. */
  private long written;

  public ParquetFile(OutputStream out, Schema schema, CompressionCodecName codec, int rowGroupBytes)
      throws IOException {
    this.out = out;
    PlainParquetConfiguration conf = new PlainParquetConfiguration();
    conf.set(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, "false");
    this.file = AvroParquetWriter.<GenericRecord>builder(new StreamFile())
        .withConf(conf)
        .withSchema(schema)
        .withDataModel(GenericData.get())
        .withCompressionCodec(codec)
        .withRowGroupSize((long) rowGroupBytes)
        .withPageSize(Math.min(1 << 20, Math.max(64 * 1024, rowGroupBytes / 8)))
        .withWriteMode(Mode.CREATE)
        .build();
  }

  public void write(GenericRecord row) throws IOException {
    file.write(row);
  }

  /** Bytes buffered in the row group being filled, not yet in the stream. */
  public long bufferedBytes() {
    return Math.max(0, file.getDataSize() - written);
  }

  /** Writes the last row group and the footer; the stream stays open. */
  public void finish() throws IOException {
    file.close();
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
