package io.cloudbridge.common.sqs;

import io.cloudbridge.common.aws.AwsClients;
import java.util.Map;
import io.cloudbridge.common.retry.ServiceWait;
import org.apache.kafka.common.config.ConfigValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** Finds the configured queue and checks that it can be read, with an error a user can act on. */
public final class QueueLocator {

  private static final Logger log = LoggerFactory.getLogger(QueueLocator.class);

  private QueueLocator() {}

  /** The queue URL (looked up by name when only a name is set), after a GetQueueAttributes call succeeded. */
  public static String resolve(SqsClient sqs, SqsQueueConfig.Settings config) {
    String url = config.queueUrl();
    try {
      if (url.isEmpty()) {
        url = sqs.getQueueUrl(r -> r.queueName(config.queueName())).queueUrl();
      }
      String checked = url;
      sqs.getQueueAttributes(r -> r.queueUrl(checked).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT));
      return url;
    } catch (QueueDoesNotExistException e) {
      throw new QueueUnavailableException("SQS queue " + describe(config) + " does not exist", e);
    } catch (SdkClientException e) {
      throw new QueueUnavailableException("SQS queue " + describe(config) + " cannot be reached: " + e.getMessage(),
          e);
    } catch (SqsException e) {
      throw new QueueUnavailableException("SQS queue " + describe(config) + " cannot be read: "
          + e.awsErrorDetails().errorCode() + " " + e.awsErrorDetails().errorMessage(), e);
    }
  }

  /**
   * {@link #resolve}, waiting out an outage (the network, 5xx, throttling) with the backoff and budget of
   * {@code outage}; a missing or forbidden queue fails at once.
   */
  public static String resolveWaiting(SqsClient sqs, SqsQueueConfig.Settings config, ServiceWait outage) {
    while (true) {
      try {
        String url = resolve(sqs, config);
        outage.end(System.currentTimeMillis());
        return url;
      } catch (QueueUnavailableException e) {
        long now = System.currentTimeMillis();
        if (!isOutage(e.getCause())) {
          throw e;
        }
        outage.start(now, e);
        if (outage.expired(now)) {
          throw new QueueUnavailableException(e.getMessage() + " for " + outage.waitedMs(now) + " ms ("
              + ServiceWait.OUTAGE_TIMEOUT + "=" + outage.budgetMs() + ")", e.getCause());
        }
        log.warn("{}; trying again for up to {} ms ({})", e.getMessage(), outage.budgetMs(),
            ServiceWait.OUTAGE_TIMEOUT);
        try {
          Thread.sleep(outage.nextDelay());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /**
   * A failure an outage explains, worth waiting out: no answer (connection refused or reset, a timeout), a 5xx, a
   * 429 or a throttling error code. Not a missing queue or denied access.
   */
  public static boolean isOutage(Throwable t) {
    if (t instanceof AwsServiceException aws) {
      return aws.statusCode() >= 500 || aws.statusCode() == 429 || aws.isThrottlingException();
    }
    return t instanceof SdkClientException;
  }

  /**
   * For a connector's validate(): when the queue is missing or cannot be read, adds why to the queue setting the
   * user set (URL or name).
   */
  public static void addErrorIfUnreadable(Map<String, ConfigValue> values, AwsClients aws,
      SqsQueueConfig.Settings queue) {
    try (SqsClient sqs = aws.configure(SqsClient.builder(), 2).build()) {
      resolve(sqs, queue);
    } catch (RuntimeException e) {
      values.get(queue.queueUrl().isEmpty() ? SqsQueueConfig.QUEUE_NAME : SqsQueueConfig.QUEUE_URL)
          .addErrorMessage(e.getMessage());
    }
  }

  private static String describe(SqsQueueConfig.Settings config) {
    return config.describeQueue();
  }

  /** The queue is missing or forbidden. */
  public static final class QueueUnavailableException extends org.apache.kafka.connect.errors.ConnectException {
    private static final long serialVersionUID = 1L;

    QueueUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
