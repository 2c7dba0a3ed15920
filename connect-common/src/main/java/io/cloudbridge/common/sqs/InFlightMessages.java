package io.cloudbridge.common.sqs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Messages a task holds: received and not yet deleted or released. Bounded by {@code max.in.flight}: a receiver
 * takes permits before asking SQS for messages, and a permit comes back only when its message leaves.
 */
public final class InFlightMessages {

  /** One held message: its current receipt handle and when its visibility was last set. */
  public static final class Held {
    public final String messageId;
    public volatile String receiptHandle;
    public volatile long visibleAgainAtNanos;
    public volatile boolean acknowledged;

    Held(String messageId, String receiptHandle, long visibleAgainAtNanos) {
      this.messageId = messageId;
      this.receiptHandle = receiptHandle;
      this.visibleAgainAtNanos = visibleAgainAtNanos;
    }
  }

  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private final Semaphore permits;

  public InFlightMessages(int max) {
    this.permits = new Semaphore(max);
  }

  /** Waits up to {@code timeoutMillis} for room for {@code n} messages; returns how many may be received. */
  public int reserve(int n, long timeoutMillis) throws InterruptedException {
    if (permits.tryAcquire(n, timeoutMillis, TimeUnit.MILLISECONDS)) {
      return n;
    }
    int some = Math.min(n, permits.availablePermits());
    return some > 0 && permits.tryAcquire(some) ? some : 0;
  }

  public void unreserve(int n) {
    if (n > 0) {
      permits.release(n);
    }
  }

  /**
   * Records a received message and returns true; for a message already held (SQS delivered it again) only
   * takes its new receipt handle, the one a delete needs now, and returns false.
   */
  public boolean add(String messageId, String receiptHandle, long visibleAgainAtNanos) {
    Held fresh = new Held(messageId, receiptHandle, visibleAgainAtNanos);
    Held existing = held.putIfAbsent(messageId, fresh);
    if (existing == null) {
      return true;
    }
    existing.receiptHandle = receiptHandle;
    existing.visibleAgainAtNanos = visibleAgainAtNanos;
    return false;
  }

  public Held get(String messageId) {
    return held.get(messageId);
  }

  /** The message left (deleted, released or left to the queue): its permit comes back. */
  public void remove(String messageId) {
    if (held.remove(messageId) != null) {
      permits.release();
    }
  }

  public int size() {
    return held.size();
  }

  public List<Held> snapshot() {
    return new ArrayList<>(held.values());
  }
}
