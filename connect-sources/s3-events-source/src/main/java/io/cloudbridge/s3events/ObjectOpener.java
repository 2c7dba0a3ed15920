package io.cloudbridge.s3events;

import io.cloudbridge.common.json.JsonValueSchemas;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.s3events.S3EventsSourceConfig.Compression;
import io.cloudbridge.s3events.S3EventsSourceConfig.Format;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.snappy.FramedSnappyCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Opens an object for reading: a streaming GetObject (from a byte position when the format can resume from one),
 * decompression, and the format's record reader. Bytes read from S3 are counted; a failure while reading them
 * surfaces as {@link S3ReadException}, so it is not mistaken for damaged data.
 */
final class ObjectOpener {

  private final S3Client s3;
  private final S3EventsSourceConfig config;
  private final Counter bytesRead;
  /**
   * The task's schemas of JSON records (jsonl, json_array): the declared one, else one widening learned schema for
   * all its objects; null: schemaless.
   */
  private final JsonValueSchemas schemas;

  ObjectOpener(S3Client s3, S3EventsSourceConfig config, Counter bytesRead) {
    this.s3 = s3;
    this.config = config;
    this.bytesRead = bytesRead;
    this.schemas = config.schemas() ? new JsonValueSchemas(java.util.Map.of(),
        config.declaredSchemas().single()) : null;
  }

  /** Whether records of this object can be resumed from a byte position (uncompressed lines). */
  boolean seekable(ObjectEvent event) {
    Format f = config.format();
    return (f == Format.JSONL || f == Format.TEXT) && suffixCompression(event.key()) == Compression.NONE
        && (config.compression() == Compression.AUTO || config.compression() == Compression.NONE);
  }

  /** How often the learned schema of JSON records widened (the schema-changes-total metric). */
  long schemaChanges() {
    return schemas == null ? 0 : schemas.changes();
  }

  /**
   * A reader of the object's records from {@code position} (0 for the start; only for {@link #seekable} objects),
   * where line {@code line} was the last one read. S3 errors (missing, forbidden, changed) are thrown as the SDK
   * reports them.
   */
  RecordReader open(ObjectEvent event, long position, long line) throws IOException {
    if (config.format() == Format.PARQUET) {
      // Parquet's footer is at the end: the file is read with ranged requests, not one stream.
      return new ParquetObjectReader(new S3InputFile(s3, event, bytesRead));
    }
    ResponseInputStream<GetObjectResponse> response = s3.getObject(request(event, position).build());
    InputStream raw = new Guarded(response, bytesRead);
    InputStream in;
    try {
      in = decompress(raw, compression(event.key(), response.response().contentEncoding()));
    } catch (IOException e) {
      raw.close();
      throw e instanceof S3ReadException ? e : new CorruptObjectException("cannot start decompressing: " + e, e);
    }
    int max = config.maxRecordBytes();
    return switch (config.format()) {
      case JSONL -> new LinesReader(in, true, schemas, seekable(event), position, line, max);
      case TEXT -> new LinesReader(in, false, null, seekable(event), position, line, max);
      case CSV -> new CsvReader(in, config.csvSeparator(), config.schemas(),
          config.csvTypes() == S3EventsSourceConfig.CsvTypes.INFERRED);
      case JSON_ARRAY -> new JsonArrayReader(in, schemas);
      case AVRO -> new AvroReader(in);
      case BYTES -> new BytesReader(in, max);
      case PARQUET -> throw new IllegalStateException("opened above");
    };
  }

  /**
   * A GetObject of the content the notification announced, from {@code position} on: the version on versioned
   * buckets, else If-Match on the etag, so content that replaced it since is refused (412), not read.
   */
  static GetObjectRequest.Builder request(ObjectEvent event, long position) {
    GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(event.bucket()).key(event.key());
    if (event.versionId() != null) {
      request.versionId(event.versionId());
    } else if (event.etag() != null) {
      request.ifMatch("\"" + event.etag() + "\"");
    }
    if (position > 0) {
      request.range("bytes=" + position + "-");
    }
    return request;
  }

  private Compression compression(String key, String contentEncoding) {
    if (config.compression() != Compression.AUTO) {
      return config.compression();
    }
    Compression bySuffix = suffixCompression(key);
    if (bySuffix != Compression.NONE || contentEncoding == null) {
      return bySuffix;
    }
    return switch (contentEncoding.trim().toLowerCase(Locale.ROOT)) {
      case "gzip", "x-gzip" -> Compression.GZIP;
      case "zstd" -> Compression.ZSTD;
      case "x-snappy-framed", "snappy" -> Compression.SNAPPY;
      default -> Compression.NONE;
    };
  }

  private Compression suffixCompression(String key) {
    if (config.compression() != Compression.AUTO) {
      return config.compression();
    }
    String k = key.toLowerCase(Locale.ROOT);
    if (k.endsWith(".gz") || k.endsWith(".gzip")) {
      return Compression.GZIP;
    }
    if (k.endsWith(".zst") || k.endsWith(".zstd")) {
      return Compression.ZSTD;
    }
    if (k.endsWith(".sz") || k.endsWith(".snappy")) {
      return Compression.SNAPPY;
    }
    return Compression.NONE;
  }

  static InputStream decompress(InputStream raw, Compression c) throws IOException {
    return switch (c) {
      case GZIP -> new GzipCompressorInputStream(new BufferedInputStream(raw, 64 * 1024), true);
      case ZSTD -> new BufferedInputStream(new ZstdCompressorInputStream(raw), 64 * 1024);
      case SNAPPY -> new FramedSnappyCompressorInputStream(new BufferedInputStream(raw, 64 * 1024));
      case AUTO, NONE -> raw;
    };
  }

  /** Counts bytes read from S3 and reports a failing read as {@link S3ReadException}. */
  private static final class Guarded extends FilterInputStream {
    private final Counter bytesRead;

    Guarded(InputStream in, Counter bytesRead) {
      super(in);
      this.bytesRead = bytesRead;
    }

    @Override
    public int read() throws IOException {
      int b = guarded(() -> super.read());
      if (b >= 0) {
        bytesRead.increment();
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      int n = guarded(() -> super.read(buffer, off, len));
      if (n > 0) {
        bytesRead.add(n);
      }
      return n;
    }

    private static int guarded(IoCall call) throws IOException {
      try {
        return call.run();
      } catch (IOException e) {
        throw new S3ReadException(e);
      } catch (RuntimeException e) {
        throw new S3ReadException(new IOException(e.getMessage(), e));
      }
    }

    @Override
    public void close() throws IOException {
      // Abort rather than drain: a half-read object may have gigabytes left.
      if (in instanceof ResponseInputStream<?> r) {
        r.abort();
      }
      super.close();
    }
  }

  private interface IoCall {
    int run() throws IOException;
  }
}
