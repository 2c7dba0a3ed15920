package io.cloudbridge.staging.format;

import java.io.IOException;
import java.io.OutputStream;

/** How an object's records of type {@code T} become its bytes: a writer, and the compression of what it writes. */
public interface Encoding<T> {

  /** Wraps an object's stream in the compression; closing the result finishes the compressed stream. */
  OutputStream compress(OutputStream out) throws IOException;

  RecordWriter<T> writer(OutputStream out) throws IOException;
}
