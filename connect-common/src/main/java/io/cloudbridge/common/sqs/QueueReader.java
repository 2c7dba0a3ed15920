package io.cloudbridge.common.sqs;

import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.retry.ServiceWait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Receives from one queue with several concurrent long polls, hands messages to the task, keeps every held
 * message invisible to other consumers until it is deleted, and releases what is held when the task stops.
 */
public final class QueueReader implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(QueueReader.class);

  private final SqsClient sqs;
  private final String queueUrl;
  private final SqsQueueConfig.Settings config;
  private final InFlightMessages inFlight;
  private final BlockingQueue<Message> received;
  private final ExecutorService receivers;
  private final ScheduledExecutorService keeper;
  private final Counter receivedCount;
  private final AtomicLong lastReceiveMillis = new AtomicLong();
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  /** Receives failing (SQS down, throttling, the network): since when, the backoff, the budget. */
  private final ServiceWait outage;
  private volatile boolean running = true;

  public QueueReader(SqsClient sqs, String queueUrl, SqsQueueConfig.Settings config, InFlightMessages inFlight,
      Counter receivedCount, ServiceWait outage) {
    this.outage = outage;
    this.sqs = sqs;
    this.queueUrl = queueUrl;
    this.config = config;
    this.inFlight = inFlight;
    this.receivedCount = receivedCount;
    this.received = new ArrayBlockingQueue<>(config.maxInFlight());
    this.receivers = Executors.newFixedThreadPool(config.receivers(), daemon("cloudbridge-sqs-receiver"));
    this.keeper = Executors.newSingleThreadScheduledExecutor(daemon("cloudbridge-sqs-visibility"));
  }

  public void start() {
    for (int i = 0; i < config.receivers(); i++) {
      receivers.execute(this::receiveLoop);
    }
    long period = Math.max(1, config.visibilitySeconds() / 3);
    keeper.scheduleWithFixedDelay(this::extendVisibility, period, period, TimeUnit.SECONDS);
  }

  /** Up to {@code max} received messages, waiting up to {@code wait} for the first. */
  public List<Message> take(int max, Duration wait) throws InterruptedException {
    RuntimeException f = failure.get();
    if (f != null) {
      throw f;
    }
    List<Message> out = new ArrayList<>();
    Message first = received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (first != null) {
      out.add(first);
      received.drainTo(out, max - 1);
    }
    return out;
  }

  public long lastReceiveMillis() {
    return lastReceiveMillis.get();
  }

  private void receiveLoop() {
    while (running) {
      int reserved = 0;
      try {
        reserved = inFlight.reserve(config.maxMessages(), 500);
        if (reserved == 0) {
          continue;
        }
        long start = System.nanoTime();
        int ask = reserved;
        ReceiveMessageResponse response = sqs.receiveMessage(r -> r.queueUrl(queueUrl)
            .maxNumberOfMessages(ask)
            .waitTimeSeconds(config.waitSeconds())
            .visibilityTimeout(config.visibilitySeconds())
            .messageSystemAttributeNames(MessageSystemAttributeName.ALL)
            .messageAttributeNames("All"));
        lastReceiveMillis.set((System.nanoTime() - start) / 1_000_000);
        if (outage.waiting()) {
          log.info("ReceiveMessage on {} answers again after {} ms", queueUrl,
              outage.waitedMs(System.currentTimeMillis()));
          outage.end(System.currentTimeMillis());
        }
        long visibleAgain = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.visibilitySeconds());
        synchronized (this) {
          if (!running) {
            releaseLate(response.messages());
            return;
          }
          for (Message m : response.messages()) {
            if (inFlight.add(m.messageId(), m.receiptHandle(), visibleAgain)) {
              reserved--;
              receivedCount.increment();
              received.put(m);
            }
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (running && !waitOut(e)) {
          return;
        }
      } finally {
        inFlight.unreserve(reserved);
      }
    }
  }

  /** Renews the visibility of held messages before it runs out, so SQS hands them to no one else. */
  private void extendVisibility() {
    long soon = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.visibilitySeconds()) / 2;
    List<InFlightMessages.Held> due = new ArrayList<>();
    for (InFlightMessages.Held h : inFlight.snapshot()) {
      if (h.visibleAgainAtNanos < soon) {
        due.add(h);
      }
    }
    try {
      changeVisibility(due, config.visibilitySeconds());
    } catch (RuntimeException e) {
      log.warn("Extending the visibility of {} messages on {} failed; will try again", due.size(), queueUrl, e);
    }
  }

  /** Sets the visibility of messages, 10 per call; returns how many SQS accepted. */
  public int changeVisibility(List<InFlightMessages.Held> messages, int seconds) {
    int ok = 0;
    long visibleAgain = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (int i = 0; i < messages.size(); i += 10) {
      List<InFlightMessages.Held> batch = messages.subList(i, Math.min(i + 10, messages.size()));
      List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
      for (int j = 0; j < batch.size(); j++) {
        entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(j))
            .receiptHandle(batch.get(j).receiptHandle).visibilityTimeout(seconds).build());
      }
      var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
      for (var success : response.successful()) {
        batch.get(Integer.parseInt(success.id())).visibleAgainAtNanos = visibleAgain;
        ok++;
      }
      for (var failed : response.failed()) {
        log.warn("Changing visibility of message {} on {} failed: {} {}",
            batch.get(Integer.parseInt(failed.id())).messageId, queueUrl, failed.code(), failed.message());
      }
    }
    return ok;
  }

  /** Gives up a message without deleting it: SQS delivers it again when its visibility runs out. */
  public void leave(String messageId) {
    inFlight.remove(messageId);
  }

  /**
   * Stops receiving and makes every held message that was not acknowledged visible again at once, so
   * another task takes it without waiting for the visibility timeout.
   */
  @Override
  public void close() {
    List<InFlightMessages.Held> unacknowledged = new ArrayList<>();
    // A receive in flight is neither waited for (a long poll can take wait.seconds, longer than Connect gives a task
    // to stop) nor interrupted (SQS would still hand messages to the abandoned poll, invisible until their timeout):
    // the receiving thread finishes it and releases what it brought back (releaseLate).
    synchronized (this) {
      running = false;
      receivers.shutdown();
      keeper.shutdownNow();
      for (InFlightMessages.Held h : inFlight.snapshot()) {
        if (!h.acknowledged) {
          unacknowledged.add(h);
        }
      }
    }
    try {
      int released = changeVisibility(unacknowledged, 0);
      log.info("Released {} unacknowledged messages of {} on stop", released, queueUrl);
    } catch (RuntimeException e) {
      log.warn("Releasing {} messages of {} failed; SQS will redeliver them after their visibility timeout",
          unacknowledged.size(), queueUrl, e);
    }
    unacknowledged.forEach(h -> inFlight.remove(h.messageId));
    received.clear();
  }

  /**
   * Runs {@code action} (closing the client) once the receives still in flight at close have ended, on a thread of
   * its own so that close returns at once.
   */
  public void afterReceivesEnd(Runnable action) {
    Thread t = new Thread(() -> {
      try {
        receivers.awaitTermination(config.waitSeconds() + 30L, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      action.run();
    }, "cloudbridge-sqs-close");
    t.setDaemon(true);
    t.start();
  }

  /** Messages a receive brought back after close: made visible again at once, or after their timeout if that fails. */
  private void releaseLate(List<Message> messages) {
    if (messages.isEmpty()) {
      return;
    }
    List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
          .receiptHandle(messages.get(i).receiptHandle()).visibilityTimeout(0).build());
    }
    try {
      for (int i = 0; i < entries.size(); i += 10) {
        List<ChangeMessageVisibilityBatchRequestEntry> batch = entries.subList(i, Math.min(i + 10, entries.size()));
        sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(batch));
      }
      log.info("Released {} messages of {} received while stopping", messages.size(), queueUrl);
    } catch (RuntimeException e) {
      log.info("{} messages of {} received while stopping are delivered again after their visibility timeout ({})",
          messages.size(), queueUrl, e.toString());
    }
  }

  /**
   * A receive failed after the client's retries: wait with backoff while the outage lasts, up to
   * {@value ServiceWait#OUTAGE_TIMEOUT}; past it, {@link #take} fails the task naming the last error. False when
   * the receiver is to stop.
   */
  private boolean waitOut(RuntimeException e) {
    long now = System.currentTimeMillis();
    if (outage.start(now, e)) {
      log.warn("ReceiveMessage on {} failed; trying again with backoff (1 s doubling to 30 s) for up to {} ms ({})",
          queueUrl, outage.budgetMs(), ServiceWait.OUTAGE_TIMEOUT, e);
    } else {
      log.warn("ReceiveMessage on {} still fails after {} ms: {}", queueUrl, outage.waitedMs(now), e.toString());
    }
    if (outage.expired(now)) {
      failure.compareAndSet(null, new ConnectException("SQS queue " + queueUrl + " did not answer ReceiveMessage"
          + " for " + outage.waitedMs(now) + " ms (" + ServiceWait.OUTAGE_TIMEOUT + "=" + outage.budgetMs()
          + "); last error: " + e.getMessage(), e));
      return false;
    }
    long until = System.currentTimeMillis() + outage.nextDelay();
    while (running && System.currentTimeMillis() < until) {
      pause(Math.min(200, Math.max(1, until - System.currentTimeMillis())));
    }
    return running;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
