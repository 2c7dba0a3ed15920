package io.cloudbridge.staging.format;

import java.util.List;

/** What an object holds, one Kafka record after another. */
public enum Format {
  JSONL, JSON_ARRAY, CSV, AVRO, PARQUET, BYTES;

  /** Avro and Parquet hold one schema per object; CSV one header. */
  public boolean hasSchema() {
    return this == CSV || this == AVRO || this == PARQUET;
  }

  /** The compressions this format takes: whole-object for text, the file's own codec for Avro and Parquet. */
  public List<Compression> compressions() {
    return switch (this) {
      case AVRO -> List.of(Compression.NONE, Compression.DEFLATE, Compression.SNAPPY, Compression.ZSTD);
      case PARQUET -> List.of(Compression.NONE, Compression.SNAPPY, Compression.ZSTD, Compression.GZIP);
      default -> List.of(Compression.NONE, Compression.GZIP, Compression.ZSTD, Compression.SNAPPY);
    };
  }
}
