package io.cloudbridge.s3events;

import io.cloudbridge.common.metrics.Counter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 object as a Parquet {@link InputFile}: its length from HeadObject, its bytes from ranged GetObject calls.
 * Reading on from where the previous read stopped continues the same response stream; a seek elsewhere starts a
 * new ranged request, so the footer and each column chunk cost one request, and nothing but what Parquet asks
 * for is buffered.
 */
final class S3InputFile implements InputFile {

  /** A forward seek shorter than this reads and discards instead of starting a new request. */
  private static final long SKIP_LIMIT = 256 * 1024;

  private final S3Client s3;
  private final ObjectEvent event;
  private final Counter bytesRead;
  private final long length;

  /** Looks the object up (HeadObject); S3 errors surface as the SDK reports them, as for GetObject. */
  S3InputFile(S3Client s3, ObjectEvent event, Counter bytesRead) {
    this.s3 = s3;
    this.event = event;
    this.bytesRead = bytesRead;
    this.length = s3.headObject(r -> {
      r.bucket(event.bucket()).key(event.key());
      if (event.versionId() != null) {
        r.versionId(event.versionId());
      } else if (event.etag() != null) {
        r.ifMatch("\"" + event.etag() + "\"");
      }
    }).contentLength();
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public SeekableInputStream newStream() {
    return new Stream();
  }

  private final class Stream extends SeekableInputStream {
    private long pos;
    private InputStream in;
    private long inPos;

    private void ensureAt() throws IOException {
      if (in != null && pos > inPos && pos - inPos <= SKIP_LIMIT) {
        try {
          in.skipNBytes(pos - inPos);
          bytesRead.add(pos - inPos);
          inPos = pos;
        } catch (IOException | SdkException e) {
          closeCurrent(); // a new ranged request below
        }
      }
      if (in == null || inPos != pos) {
        closeCurrent();
        try {
          // From 0 too: a ranged request for the whole object is still the object.
          in = s3.getObject(ObjectOpener.request(event, pos).range("bytes=" + pos + "-").build());
        } catch (SdkException e) {
          throw new S3ReadException(new IOException("ranged GetObject of " + event.describe() + " at " + pos
              + " failed: " + e.getMessage(), e));
        }
        inPos = pos;
      }
    }

    @Override
    public long getPos() {
      return pos;
    }

    @Override
    public void seek(long newPos) {
      pos = newPos;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos >= length) {
        return -1;
      }
      ensureAt();
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException | SdkException e) {
        closeCurrent();
        throw new S3ReadException(e instanceof IOException io ? io : new IOException(e.getMessage(), e));
      }
      if (n > 0) {
        pos += n;
        inPos += n;
        bytesRead.add(n);
      }
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      int done = 0;
      while (done < len) {
        int n = read(bytes, start + done, len - done);
        if (n < 0) {
          throw new EOFException("end of " + event.describe() + " after " + pos + " bytes; " + (len - done)
              + " more expected");
        }
        done += n;
      }
    }

    @Override
    public int read(ByteBuffer buf) throws IOException {
      int want = buf.remaining();
      if (buf.hasArray()) {
        int n = read(buf.array(), buf.arrayOffset() + buf.position(), want);
        if (n > 0) {
          buf.position(buf.position() + n);
        }
        return n;
      }
      byte[] chunk = new byte[Math.min(want, 64 * 1024)];
      int n = read(chunk, 0, chunk.length);
      if (n > 0) {
        buf.put(chunk, 0, n);
      }
      return n;
    }

    @Override
    public void readFully(ByteBuffer buf) throws IOException {
      while (buf.hasRemaining()) {
        if (read(buf) < 0) {
          throw new EOFException("end of " + event.describe() + " after " + pos + " bytes");
        }
      }
    }

    private void closeCurrent() {
      if (in != null) {
        if (in instanceof software.amazon.awssdk.core.ResponseInputStream<?> r) {
          r.abort();
        }
        try {
          in.close();
        } catch (IOException ignored) {
          // aborted: nothing left to release
        }
        in = null;
      }
    }

    @Override
    public void close() {
      closeCurrent();
    }
  }
}
