package io.cloudbridge.s3events;

/** A record (line, row, element) the format cannot read; the rest of the object can still be read. */
final class BadRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient byte[] raw;
  private final long line;
  private final long positionAfter;

  BadRecordException(String reason, byte[] raw, long line, long positionAfter) {
    super(reason);
    this.raw = raw;
    this.line = line;
    this.positionAfter = positionAfter;
  }

  /** The record's bytes as read, or null when they were too long to keep. */
  byte[] raw() {
    return raw;
  }

  long line() {
    return line;
  }

  long positionAfter() {
    return positionAfter;
  }
}
