package io.cloudbridge.common.sqs;

import io.cloudbridge.common.metrics.Counter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;

/**
 * Deletes messages whose records Kafka acknowledged, ten per DeleteMessageBatch, on threads of their own so
 * the acknowledgement callback never waits on SQS; as many delete threads as receivers, so deleting keeps
 * pace with receiving. A message is deleted with its latest receipt handle; failed deletes are retried.
 */
public final class MessageDeleter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MessageDeleter.class);
  /** Entries per DeleteMessageBatch: the most SQS takes. */
  private static final int BATCH = 10;
  /** How long a partly filled batch waits for more acknowledgements before it is sent anyway. */
  private static final long LINGER_MS = 20;

  private final SqsClient sqs;
  private final String queueUrl;
  private final InFlightMessages inFlight;
  private final Counter deleted;
  private final LinkedBlockingQueue<String> acknowledged = new LinkedBlockingQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Object filling = new Object();
  private volatile boolean running = true;

  public MessageDeleter(SqsClient sqs, String queueUrl, InFlightMessages inFlight, Counter deleted, int parallelism) {
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.inFlight = inFlight;
    this.deleted = deleted;
    for (int i = 0; i < parallelism; i++) {
      Thread t = new Thread(this::run, "cloudbridge-sqs-deleter-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  public void start() {
    threads.forEach(Thread::start);
  }

  /** Kafka acknowledged the record of this message: it may now be deleted. */
  public void acknowledged(String messageId) {
    InFlightMessages.Held h = inFlight.get(messageId);
    if (h != null) {
      h.acknowledged = true;
      acknowledged.add(messageId);
    }
  }

  public int pending() {
    return acknowledged.size();
  }

  private void run() {
    while (running || !acknowledged.isEmpty()) {
      try {
        List<String> batch = nextBatch();
        if (!batch.isEmpty()) {
          deleteBatch(batch);
        }
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      } catch (RuntimeException e) {
        log.warn("DeleteMessageBatch on {} failed; retrying", queueUrl, e);
        pause();
      }
    }
  }

  /**
   * The next up-to-ten acknowledged messages. One thread at a time fills a batch, waiting up to {@link #LINGER_MS}
   * for it to fill, so that under load each DeleteMessageBatch carries ten entries, as a hand-written loop's would,
   * rather than the same acknowledgements spread thinly over every delete thread.
   */
  private List<String> nextBatch() throws InterruptedException {
    List<String> batch = new ArrayList<>(BATCH);
    synchronized (filling) {
      String first = acknowledged.poll(100, TimeUnit.MILLISECONDS);
      if (first == null) {
        return batch;
      }
      batch.add(first);
      acknowledged.drainTo(batch, BATCH - 1);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MS);
      while (batch.size() < BATCH && running) {
        long left = deadline - System.nanoTime();
        String more = left > 0 ? acknowledged.poll(left, TimeUnit.NANOSECONDS) : null;
        if (more == null) {
          break;
        }
        batch.add(more);
        acknowledged.drainTo(batch, BATCH - batch.size());
      }
    }
    return batch;
  }

  private void deleteBatch(List<String> ids) {
    List<InFlightMessages.Held> batch = new ArrayList<>();
    for (String id : ids) {
      InFlightMessages.Held h = inFlight.get(id);
      if (h != null) {
        batch.add(h);
      }
    }
    if (batch.isEmpty()) {
      return;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
          .receiptHandle(batch.get(i).receiptHandle).build());
    }
    try {
      var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
      for (var ok : response.successful()) {
        inFlight.remove(batch.get(Integer.parseInt(ok.id())).messageId);
        deleted.increment();
      }
      for (var failed : response.failed()) {
        InFlightMessages.Held h = batch.get(Integer.parseInt(failed.id()));
        if ("ReceiptHandleIsInvalid".equals(failed.code())) {
          // The handle is gone (the message was received again elsewhere); SQS will deliver it again.
          log.warn("Message {} on {} could not be deleted ({}); it will be delivered again", h.messageId, queueUrl,
              failed.message());
          inFlight.remove(h.messageId);
        } else {
          log.warn("Deleting message {} on {} failed: {} {}; retrying", h.messageId, queueUrl, failed.code(),
              failed.message());
          acknowledged.add(h.messageId);
        }
      }
    } catch (RuntimeException e) {
      batch.forEach(h -> acknowledged.add(h.messageId));
      throw e;
    }
  }

  /** Deletes what was acknowledged so far (for up to 30 s), then stops. */
  @Override
  public void close() {
    running = false;
    try {
      for (Thread t : threads) {
        t.join(30_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!acknowledged.isEmpty()) {
      log.warn("{} acknowledged messages on {} were not deleted before stop; SQS will deliver them again",
          acknowledged.size(), queueUrl);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
