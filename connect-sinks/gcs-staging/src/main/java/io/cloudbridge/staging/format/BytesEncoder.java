package io.cloudbridge.staging.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/** The value's bytes as they are (a String as UTF-8), delimited as configured. */
final class BytesEncoder implements RecordEncoder {

  private final BytesSeparator separator;

  BytesEncoder(BytesSeparator separator) {
    this.separator = separator;
  }

  @Override
  public void encode(SinkRecord r, ByteArrayOutputStream into) {
    byte[] bytes;
    if (r.value() instanceof byte[] b) {
      bytes = b;
    } else if (r.value() instanceof ByteBuffer b) {
      bytes = new byte[b.remaining()];
      b.duplicate().get(bytes);
    } else if (r.value() instanceof String s) {
      bytes = s.getBytes(StandardCharsets.UTF_8);
    } else {
      throw new DataException(RecordWriter.describe(r) + ": format bytes needs a byte[] or String value (use the"
          + " ByteArrayConverter), not " + (r.value() == null ? "null" : r.value().getClass().getSimpleName()));
    }
    if (separator == BytesSeparator.NEWLINE && indexOf(bytes, (byte) '\n') >= 0) {
      throw new DataException(RecordWriter.describe(r) + ": the value holds a newline, which format.bytes.separator"
          + "=newline would split into two; use length_prefixed");
    }
    if (separator == BytesSeparator.LENGTH_PREFIXED) {
      into.write(bytes.length >>> 24);
      into.write(bytes.length >>> 16);
      into.write(bytes.length >>> 8);
      into.write(bytes.length);
    }
    into.writeBytes(bytes);
    if (separator == BytesSeparator.NEWLINE) {
      into.write('\n');
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
