package io.cloudbridge.s3events;

import java.io.IOException;

/** The object's compression or container format is damaged: nothing after this point can be read. */
final class CorruptObjectException extends IOException {
  private static final long serialVersionUID = 1L;

  CorruptObjectException(String message) {
    super(message);
  }

  CorruptObjectException(String message, Throwable cause) {
    super(message, cause);
  }
}
