package io.cloudbridge.staging.format;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.avro.file.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.SnappyFramedOutputStream;

/**
 * The format and compression of the objects: their name extension, content type and encoding, and a writer for
 * each object. The sink knows formats only through this class.
 */
public final class OutputFormat implements Encoding<SinkRecord> {

  private static final byte[] NONE = new byte[0];
  private static final byte[] NEWLINE = {'\n'};

  private final Format format;
  private final Compression compression;
  private final boolean envelope;
  private final BytesSeparator separator;
  private final int rowGroupBytes;

  /**
   * {@code envelope}: each record's value with its key, headers and Kafka coordinates, rather than the value alone;
   * {@code separator}: how raw bytes are delimited (format BYTES); {@code rowGroupBytes}: Parquet's row group size.
   */
  public OutputFormat(Format format, Compression compression, boolean envelope, BytesSeparator separator,
      int rowGroupBytes) {
    this.format = format;
    this.compression = compression;
    this.envelope = envelope;
    this.separator = separator;
    this.rowGroupBytes = rowGroupBytes;
  }

  /** Avro and Parquet compress inside the file; text formats compress the whole object. */
  private boolean wholeObject() {
    return format != Format.AVRO && format != Format.PARQUET;
  }

  /** e.g. {@code .jsonl.gz} */
  public String extension() {
    String base = switch (format) {
      case JSONL -> ".jsonl";
      case JSON_ARRAY -> ".json";
      case CSV -> ".csv";
      case AVRO -> ".avro";
      case PARQUET -> ".parquet";
      case BYTES -> ".bin";
    };
    if (!wholeObject()) {
      return base;
    }
    return base + switch (compression) {
      case NONE -> "";
      case GZIP -> ".gz";
      case ZSTD -> ".zst";
      case SNAPPY -> ".snappy";
      case DEFLATE -> throw new IllegalStateException("deflate is for avro only");
    };
  }

  /** The content type of the (uncompressed) content; gzip is said by {@link #contentEncoding()} instead. */
  public String contentType() {
    if (wholeObject() && compression == Compression.ZSTD) {
      return "application/zstd";
    }
    if (wholeObject() && compression == Compression.SNAPPY) {
      return "application/x-snappy-framed";
    }
    return switch (format) {
      case JSONL -> "application/x-ndjson";
      case JSON_ARRAY -> "application/json";
      case CSV -> "text/csv";
      case AVRO -> "application/avro";
      case PARQUET -> "application/vnd.apache.parquet";
      case BYTES -> "application/octet-stream";
    };
  }

  /** {@code gzip} for gzip objects (GCS then serves them decompressed to clients that do not accept gzip). */
  public String contentEncoding() {
    return wholeObject() && compression == Compression.GZIP ? "gzip" : null;
  }

  /** Heap an open object's compressor and writer hold, beyond the upload chunk; an estimate for the memory budget. */
  public int overheadBytes() {
    return switch (format) {
      case PARQUET -> rowGroupBytes + 128 * 1024; // the row group, then the page being filled
      case AVRO -> 128 * 1024; // a block (sync interval 64 KiB) and its compressed copy
      default -> 64 * 1024;
    };
  }

  /** Wraps an object's stream in the compression; closing the result finishes the compressed stream. */
  @Override
  public OutputStream compress(OutputStream out) throws IOException {
    if (!wholeObject()) {
      return out;
    }
    return switch (compression) {
      case NONE, DEFLATE -> out;
      case GZIP -> new GZIPOutputStream(out, 16 * 1024);
      case ZSTD -> new ZstdOutputStream(out);
      case SNAPPY -> new SnappyFramedOutputStream(out);
    };
  }

  @Override
  public RecordWriter<SinkRecord> writer(OutputStream out) throws IOException {
    return switch (format) {
      case JSONL -> new DelimitedWriter(out, new JsonEncoder(envelope), NONE, NEWLINE, NEWLINE);
      case JSON_ARRAY -> new DelimitedWriter(out, new JsonEncoder(envelope), "[\n".getBytes(StandardCharsets.UTF_8),
          ",\n".getBytes(StandardCharsets.UTF_8), "\n]\n".getBytes(StandardCharsets.UTF_8));
      case CSV -> new CsvWriter(out, envelope);
      case AVRO -> new AvroWriter(out, switch (compression) {
        case DEFLATE -> CodecFactory.deflateCodec(CodecFactory.DEFAULT_DEFLATE_LEVEL);
        case SNAPPY -> CodecFactory.snappyCodec();
        case ZSTD -> CodecFactory.zstandardCodec(CodecFactory.DEFAULT_ZSTANDARD_LEVEL);
        default -> CodecFactory.nullCodec();
      }, envelope);
      case PARQUET -> new ParquetFileWriter(out, switch (compression) {
        case SNAPPY -> CompressionCodecName.SNAPPY;
        case ZSTD -> CompressionCodecName.ZSTD;
        case GZIP -> CompressionCodecName.GZIP;
        default -> CompressionCodecName.UNCOMPRESSED;
      }, rowGroupBytes, envelope);
      case BYTES -> new DelimitedWriter(out, new BytesEncoder(separator), NONE, NONE, NONE);
    };
  }
}
