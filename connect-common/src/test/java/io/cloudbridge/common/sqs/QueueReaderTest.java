package io.cloudbridge.common.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.testkit.aws.SqsServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class QueueReaderTest {

  /**
   * Connect gives a stopping task 5 s (task.shutdown.graceful.timeout.ms); a long poll lasts up to
   * sqs.wait.time.seconds. Closing must not wait for it, and what it brings back afterwards is made visible again at
   * once instead of after the visibility timeout.
   */
  @Test
  void closeDoesNotWaitForALongPollAndReleasesWhatItReceivesLate() throws Exception {
    try (SqsServer server = SqsServer.start(); SqsClient sqs = server.client()) {
      String url = server.createQueue("long-poll", Map.of());
      SqsQueueConfig.Settings settings = new SqsQueueConfig.Settings(url, "long-poll", 20, 10, 1, 600, 100, 60_000);
      QueueReader reader = new QueueReader(sqs, url, settings, new InFlightMessages(100), new Counter(),
          new io.cloudbridge.common.retry.ServiceWait(60_000));
      reader.start();
      assertThat(reader.take(10, Duration.ofSeconds(1))).as("nothing to receive: the receiver waits in a long poll")
          .isEmpty();

      long start = System.nanoTime();
      reader.close();
      long closeMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(closeMillis).as("close with a 20 s long poll in flight").isLessThan(3_000);

      sqs.sendMessage(r -> r.queueUrl(url).messageBody("late"));
      await("the late message visible again long before its 600 s visibility timeout")
          .atMost(Duration.ofSeconds(30)).until(() -> count(sqs, url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) == 1
              && count(sqs, url, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE) == 0);
      assertThat(sqs.receiveMessage(r -> r.queueUrl(url)).messages()).singleElement()
          .satisfies(m -> assertThat(m.body()).isEqualTo("late"));
    }
  }

  private static long count(SqsClient sqs, String url, QueueAttributeName name) {
    return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(name)).attributes().get(name));
  }
}
