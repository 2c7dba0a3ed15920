package io.cloudbridge.s3events;

import java.io.IOException;

/**
 * Reading the object's bytes from S3 failed (the connection broke, a timeout): nothing is wrong with the object,
 * and reading it again from where it stopped should work.
 */
final class S3ReadException extends IOException {
  private static final long serialVersionUID = 1L;

  S3ReadException(IOException cause) {
    super(cause.getMessage(), cause);
  }
}
