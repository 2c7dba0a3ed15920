package io.cloudbridge.staging;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A task's upload threads, and the memory its objects hold: the bytes buffered in open objects and the chunks
 * waiting for or being sent by an upload thread. The task thread encodes while the upload threads send; each
 * object's chunks go one after another, in order.
 */
public final class Uploads implements AutoCloseable {

  /** An upload step that may fail. */
  public interface Step {
    void run() throws IOException;
  }

  private final ExecutorService pool;
  private final AtomicLong buffered = new AtomicLong();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final Object drained = new Object();
  /** Full chunk arrays sent and kept for the next full chunk (a few; each is large, and G1 allocates such slowly). */
  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
  private final AtomicLong spareBytes = new AtomicLong();
  private final int keep;
  private final long spareLimit;

  /** {@code budget}: the task's memory budget; spare arrays take at most a quarter of it. */
  public Uploads(int threads, long budget, String name) {
    this.keep = threads + 1;
    this.spareLimit = budget / 4;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "cloudbridge-gcs-upload-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs {@code step} on an upload thread after {@code previous} (the object's last step), holding {@code bytes}
   * as in flight until it ends. A step after a failed one does not run; the failure is passed on.
   */
  public CompletableFuture<Void> after(CompletableFuture<Void> previous, long bytes, Step step) {
    inFlight.addAndGet(bytes);
    return previous.handleAsync((ok, failed) -> {
      try {
        if (failed != null) {
          throw failed instanceof CompletionException c ? c : new CompletionException(failed);
        }
        step.run();
        return null;
      } catch (IOException e) {
        throw new CompletionException(e);
      } finally {
        release(bytes);
      }
    }, pool);
  }

  private void release(long bytes) {
    inFlight.addAndGet(-bytes);
    synchronized (drained) {
      drained.notifyAll();
    }
  }

  /** Open objects' buffers grew ({@code delta} > 0) or were handed over or dropped. */
  public void buffered(long delta) {
    buffered.addAndGet(delta);
  }

  public void opened() {
    open.incrementAndGet();
  }

  public void closed() {
    open.decrementAndGet();
  }

  /** Objects opened and not yet ended or dropped. */
  public long openObjects() {
    return open.get();
  }

  public long inFlight() {
    return inFlight.get();
  }

  /** Everything held: buffers of open objects, chunks in flight, and spare chunk arrays. */
  public long held() {
    return buffered.get() + inFlight.get() + spareBytes.get();
  }

  /** An array of {@code size} bytes for an object's buffer: a spare one if there is one of that size. */
  public byte[] array(int size) {
    synchronized (spare) {
      byte[] b = spare.peek();
      if (b != null && b.length == size) {
        spare.pop();
        spareBytes.addAndGet(-size);
        return b;
      }
    }
    return new byte[size];
  }

  /** Keeps a sent chunk's array for reuse, if fewer than a few are kept. */
  public void recycle(byte[] chunk) {
    synchronized (spare) {
      if (spare.size() < keep && spareBytes.get() + chunk.length <= spareLimit) {
        spare.push(chunk);
        spareBytes.addAndGet(chunk.length);
      }
    }
  }

  /** Lets the spare arrays go (the memory budget is reached). */
  public void dropSpares() {
    synchronized (spare) {
      spare.clear();
      spareBytes.set(0);
    }
  }

  /** Waits until some chunk in flight is sent, at most {@code millis}. */
  public void awaitProgress(long millis) throws InterruptedException {
    long before = inFlight.get();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (drained) {
      while (inFlight.get() >= before && before > 0) {
        long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
        if (left <= 0) {
          return;
        }
        drained.wait(left);
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
