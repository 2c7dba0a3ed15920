package io.cloudbridge.s3events;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What keeps one SQS notification from being deleted: its objects not yet read to the end, and their records not
 * yet acknowledged by Kafka. When the count reaches zero, {@code release} runs once.
 */
final class NotificationHold {

  private final String messageId;
  private final AtomicInteger outstanding = new AtomicInteger(1);
  private final Runnable release;

  NotificationHold(String messageId, Runnable release) {
    this.messageId = messageId;
    this.release = release;
  }

  String messageId() {
    return messageId;
  }

  /** One more thing to wait for: an object to read, or a record to be acknowledged. */
  void hold() {
    outstanding.incrementAndGet();
  }

  /** One thing less. */
  void done() {
    if (outstanding.decrementAndGet() == 0) {
      release.run();
    }
  }

  /** Every object of the notification was queued: from now on the count can reach zero. */
  void sealed() {
    done();
  }
}
