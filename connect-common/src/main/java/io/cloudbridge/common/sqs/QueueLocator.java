package io.cloudbridge.common.sqs;

import io.cloudbridge.common.aws.AwsClients;
import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** Finds the configured queue and checks that it can be read, with an error a user can act on. */
public final class QueueLocator {

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
    } catch (SqsException e) {
      throw new QueueUnavailableException("SQS queue " + describe(config) + " cannot be read: "
          + e.awsErrorDetails().errorCode() + " " + e.awsErrorDetails().errorMessage(), e);
    }
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
