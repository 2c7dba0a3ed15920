package io.cloudbridge.staging;

import com.google.cloud.WriteChannel;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.staging.format.Encoding;
import io.cloudbridge.staging.format.RecordWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One object being written: a resumable upload that receives the encoded, compressed records a chunk at a time.
 * The object buffers what it has not sent yet, growing up to one chunk; a full chunk goes to an upload thread (see
 * {@link Uploads}), so an object of any size holds at most one chunk, and the task encodes while chunks are sent.
 * The upload asks GCS to create the object only if no object of that name exists; finishing it makes the object
 * appear whole, and abandoning it leaves nothing.
 */
public final class ObjectUpload<T> {

  /** GCS takes resumable upload chunks in multiples of this. */
  public static final int UNIT = 256 * 1024;
  private static final int FIRST_BUFFER = 16 * 1024;

  private final BlobInfo info;
  private final long startOffset;
  private final String groupKey;
  private final WriteChannel channel;
  private final Uploads uploads;
  private final int chunkBytes;
  private final Counting stored;
  private final OutputStream compressed;
  private final RecordWriter<T> writer;
  /** The last step of this object's upload; each chunk and the final close run after the one before. */
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
  private byte[] buffer;
  private int count;
  private boolean ended;
  /** A chunk was full before: the object is busy, so its next buffer starts at a chunk's size. */
  private boolean busy;
  private long lastOffset;
  private long records;

  /**
   * Starts the upload of {@code info} (only if no object of that name exists), its records encoded by {@code format}
   * and sent in chunks of {@code chunkBytes} (a multiple of {@link #UNIT}) by {@code uploads}; {@code startOffset}
   * and {@code groupKey} are kept for the caller.
   */
  public ObjectUpload(Storage storage, BlobInfo info, Encoding<T> format, int chunkBytes, long startOffset,
      String groupKey, Uploads uploads) throws IOException {
    this.info = info;
    this.startOffset = startOffset;
    this.groupKey = groupKey;
    this.uploads = uploads;
    this.chunkBytes = chunkBytes;
    this.channel = storage.writer(info, Storage.BlobWriteOption.doesNotExist());
    // The channel's own buffer is one unit, allocated only for a last piece smaller than that: the chunks written
    // to it are whole units, which it sends without copying.
    channel.setChunkSize(UNIT);
    this.stored = new Counting(new Chunks());
    this.compressed = format.compress(stored);
    this.writer = format.writer(compressed);
    uploads.opened(); // last: an object whose writer could not be made is not counted as open
  }

  /** Writes a record at Kafka offset {@code offset}. */
  public void write(T record, long offset) throws IOException {
    failIfBroken();
    writer.write(record);
    lastOffset = offset;
    records++;
  }

  /** False if the record needs another object (its schema differs from this one's). */
  public boolean accepts(T record) {
    return writer.accepts(record);
  }

  /** Bytes the format holds back before they reach the upload (a Parquet row group). */
  public long bufferedBytes() {
    return writer.bufferedBytes();
  }

  /** Memory this object's unsent buffer takes. */
  public long heldBytes() {
    return buffer == null ? 0 : buffer.length;
  }

  /**
   * Sends the whole units of what the object buffers now, to free memory before its chunk is full; false if it
   * holds less than a unit.
   */
  public boolean sendWholeUnits() {
    if (count < UNIT || ended) {
      return false;
    }
    int whole = count - count % UNIT;
    byte[] full = buffer;
    int rest = count - whole;
    buffer = null;
    count = 0;
    if (rest > 0) {
      allocate(Math.max(FIRST_BUFFER, rest));
      System.arraycopy(full, whole, buffer, 0, rest);
      count = rest;
    }
    send(full, whole);
    return true;
  }

  /** Ends the content and hands the upload's end to the upload threads, without waiting ({@link #finish} waits). */
  public void end() throws IOException {
    if (!ended) {
      writer.finish();
      compressed.close();
    }
  }

  /** True once every step handed to the upload threads is done (or one failed). */
  public boolean sent() {
    return tail.isDone();
  }

  /** Ends the content and finalizes the upload, waiting for it: the object exists once this returns. */
  public void finish() throws IOException {
    end();
    await();
  }

  /** Drops the object: its buffer is freed; chunks already handed over are sent, but the upload never completes. */
  public void abandon() {
    if (!ended) {
      ended = true;
      uploads.buffered(-heldBytes());
      uploads.closed();
      buffer = null;
    }
  }

  /** The 412 StorageException in {@code e}'s cause chain (e itself included), or null: the object exists already. */
  public static StorageException preconditionFailed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StorageException se && se.getCode() == 412) {
        return se;
      }
    }
    return null;
  }

  private void allocate(int size) {
    buffer = uploads.array(size);
    uploads.buffered(size);
  }

  private void send(byte[] bytes, int length) {
    uploads.buffered(-bytes.length);
    ByteBuffer chunk = ByteBuffer.wrap(bytes, 0, length);
    boolean whole = bytes.length == chunkBytes;
    tail = uploads.after(tail, bytes.length, () -> {
      while (chunk.hasRemaining()) {
        channel.write(chunk);
      }
      if (whole) {
        uploads.recycle(bytes);
      }
    });
  }

  /**
   * A failed chunk fails the object at the next record, not only when it ends; except a 412, which says the object
   * exists already (written by another writer of the same group): the records go nowhere until {@link #finish}
   * reports it, where the partition writer keeps the existing object.
   */
  private void failIfBroken() throws IOException {
    if (tail.isCompletedExceptionally()) {
      try {
        await();
      } catch (IOException | RuntimeException e) {
        if (preconditionFailed(e) == null) {
          throw e;
        }
      }
    }
  }

  private void await() throws IOException {
    try {
      tail.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IOException("Uploading gs://" + info.getBucket() + "/" + info.getName() + ": " + cause, cause);
    }
  }

  public String name() {
    return info.getName();
  }

  /** What the object was created with: name, content type and encoding, metadata. */
  public BlobInfo info() {
    return info;
  }

  /** The rendered name template the object's records share (as the caller gave it). */
  public String groupKey() {
    return groupKey;
  }

  public long startOffset() {
    return startOffset;
  }

  public long lastOffset() {
    return lastOffset;
  }

  public long records() {
    return records;
  }

  /** Bytes handed to the upload so far, as stored (compressed); the compressor may still hold some. */
  public long storedBytes() {
    return stored.count;
  }

  /** Collects the object's bytes into chunks and hands each full one to an upload thread. */
  private final class Chunks extends OutputStream {
    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      while (len > 0) {
        if (buffer == null) {
          allocate(busy ? chunkBytes : Math.min(chunkBytes, Math.max(FIRST_BUFFER, len)));
        } else if (count == buffer.length) {
          int size = Math.min(chunkBytes, Math.max(buffer.length * 2, count + len));
          byte[] grown = new byte[size];
          System.arraycopy(buffer, 0, grown, 0, count);
          uploads.buffered(size - buffer.length);
          buffer = grown;
        }
        int n = Math.min(len, buffer.length - count);
        System.arraycopy(b, off, buffer, count, n);
        count += n;
        off += n;
        len -= n;
        if (count == chunkBytes) {
          byte[] full = buffer;
          buffer = null;
          count = 0;
          busy = true;
          send(full, full.length);
        }
      }
    }

    @Override
    public void close() {
      if (ended) {
        return;
      }
      if (buffer != null) {
        byte[] last = buffer;
        int length = count;
        buffer = null;
        count = 0;
        send(last, length);
      }
      ended = true;
      uploads.closed();
      tail = uploads.after(tail, 0, channel::close);
    }
  }

  /** Counts what passes to the upload. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
