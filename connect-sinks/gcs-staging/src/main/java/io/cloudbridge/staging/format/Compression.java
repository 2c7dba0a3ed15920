package io.cloudbridge.staging.format;

/**
 * For text formats the compression of the whole object (the extension follows it); for Avro and Parquet the
 * codec of their blocks or pages (deflate for Avro only, gzip for text and Parquet only).
 */
public enum Compression { NONE, GZIP, ZSTD, SNAPPY, DEFLATE }
