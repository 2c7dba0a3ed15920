package io.cloudbridge.s3events;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines ('\n', with a '\r' before it dropped) with a fixed read buffer and a line
 * buffer of at most {@code maxLineBytes}. Counts lines and the bytes consumed, so that a reader of an
 * uncompressed object knows the position after each line.
 */
final class LineReader {

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private byte[] line = new byte[1024];
  private int length;
  private boolean tooLong;
  private long position;
  private long lineNumber;

  LineReader(InputStream in, long startPosition, long startLine, int maxLineBytes) {
    this.in = in;
    this.position = startPosition;
    this.lineNumber = startLine;
    this.maxLineBytes = maxLineBytes;
  }

  /** Reads the next line; false at the end of the stream. */
  boolean next() throws IOException {
    length = 0;
    tooLong = false;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        limit = in.read(buffer, 0, buffer.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          if (any) {
            lineNumber++;
          }
          return any;
        }
      }
      any = true;
      int start = pos;
      while (pos < limit && buffer[pos] != '\n') {
        pos++;
      }
      append(start, pos - start);
      if (pos < limit) {
        pos++; // the '\n'
        position += pos - start;
        lineNumber++;
        if (length > 0 && line[length - 1] == '\r' && !tooLong) {
          length--;
        }
        return true;
      }
      position += pos - start;
    }
  }

  private void append(int from, int n) {
    if (tooLong || n == 0) {
      return;
    }
    if (length + n > maxLineBytes) {
      tooLong = true;
      return;
    }
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, length + n)));
    }
    System.arraycopy(buffer, from, line, length, n);
    length += n;
  }

  /** The current line's bytes: valid up to {@link #length()}, until the next call to {@link #next()}. */
  byte[] bytes() {
    return line;
  }

  int length() {
    return length;
  }

  /** The current line was longer than the bound; its bytes were not kept. */
  boolean tooLong() {
    return tooLong;
  }

  /** Bytes consumed since the start of the object: the position just after the current line. */
  long position() {
    return position;
  }

  long lineNumber() {
    return lineNumber;
  }
}
