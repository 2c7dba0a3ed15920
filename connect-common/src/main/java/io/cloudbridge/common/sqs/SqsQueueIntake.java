package io.cloudbridge.common.sqs;

import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.common.retry.ServiceWait;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A task's hold on an SQS queue: the client, the queue found and checked, concurrent receivers with visibility
 * renewal, the in-flight bound, and the deleter that removes a message once the task says it is done with it. Its
 * metrics are named after what the messages are to the connector ({@code <noun>-received-total},
 * {@code <noun>-deleted-total}, {@code <noun>-in-flight}, {@code receive-latency-ms}).
 */
public final class SqsQueueIntake implements AutoCloseable {

  private final SqsClient sqs;
  private final String queueUrl;
  private final QueueReader reader;
  private final MessageDeleter deleter;

  /**
   * Finds the queue and starts receiving; {@code deleteThreads} delete threads; {@code outage} tracks SQS outages
   * (receives failing after the client's retries), waited out up to its budget. Throws a ConnectException naming
   * the queue when it is missing or cannot be read.
   */
  public SqsQueueIntake(AwsClients aws, SqsQueueConfig.Settings settings, TaskMetrics metrics, String noun,
      int deleteThreads, ServiceWait outage) {
    // Connections for the long polls, the deletes, and visibility changes.
    this.sqs = aws.configure(SqsClient.builder(), settings.receivers() + deleteThreads + 2).build();
    try {
      this.queueUrl = QueueLocator.resolveWaiting(sqs, settings, outage);
    } catch (RuntimeException e) {
      sqs.close();
      throw e;
    }
    InFlightMessages inFlight = new InFlightMessages(settings.maxInFlight());
    metrics.gauge(noun + "-in-flight", capitalized(noun) + " received and not yet deleted or released.",
        inFlight::size);
    this.reader = new QueueReader(sqs, queueUrl, settings, inFlight,
        metrics.counter(noun + "-received-total", capitalized(noun) + " received from SQS."), outage);
    metrics.gauge("receive-latency-ms", "Duration of the last ReceiveMessage call.", reader::lastReceiveMillis);
    this.deleter = new MessageDeleter(sqs, queueUrl, inFlight,
        metrics.counter(noun + "-deleted-total", capitalized(noun) + " deleted once the task was done with them."),
        deleteThreads);
    deleter.start();
    reader.start();
  }

  public String queueUrl() {
    return queueUrl;
  }

  /** Up to {@code max} received messages, waiting up to {@code wait} for the first. */
  public List<Message> take(int max, Duration wait) throws InterruptedException {
    return reader.take(max, wait);
  }

  /** The task is done with the message (its records are acknowledged): delete it. */
  public void done(String messageId) {
    deleter.acknowledged(messageId);
  }

  /** Gives the message up without deleting it: SQS delivers it again when its visibility runs out. */
  public void leave(String messageId) {
    reader.leave(messageId);
  }

  /**
   * Deletes what the task was done with, releases what it still held, and closes the client once a long poll still
   * in flight has ended (without waiting for it here).
   */
  @Override
  public void close() {
    deleter.close();
    reader.close();
    reader.afterReceivesEnd(sqs::close);
  }

  private static String capitalized(String noun) {
    return Character.toUpperCase(noun.charAt(0)) + noun.substring(1);
  }
}
