package io.cloudbridge.testkit.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

class SqsServerTest {

  private static SqsServer server;
  private static SqsClient sqs;

  @BeforeAll
  static void start() {
    server = SqsServer.start();
    sqs = server.client();
  }

  @AfterAll
  static void stop() {
    sqs.close();
    server.close();
  }

  @Test
  void deliversAMessageWithAttributesToTheRealSdkWhichChecksItsMd5s() {
    String url = server.createQueue("events", Map.of());
    sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"detail-type\":\"Order Placed\"}")
        .messageAttributes(Map.of("origin", MessageAttributeValue.builder().dataType("String").stringValue("shop").build())));

    Message received = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5).maxNumberOfMessages(10)
        .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages().get(0);

    assertThat(received.body()).isEqualTo("{\"detail-type\":\"Order Placed\"}");
    assertThat(received.messageAttributes().get("origin").stringValue()).isEqualTo("shop");
    assertThat(received.attributes()).containsKey(MessageSystemAttributeName.SENT_TIMESTAMP);
  }

  @Test
  void messageComesBackAfterItsVisibilityTimeoutUnlessDeleted() {
    String url = server.createQueue("redelivery", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "1"));
    sqs.sendMessage(b -> b.queueUrl(url).messageBody("again"));

    Message first = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5)).messages().get(0);
    Message second = sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(10)).messages().get(0);

    assertThat(second.messageId()).isEqualTo(first.messageId());
    assertThat(second.receiptHandle()).isNotEqualTo(first.receiptHandle());
    sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(second.receiptHandle()));
    assertThat(sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(2)).messages()).isEmpty();
  }

  @Test
  void fifoQueueKeepsOrderWithinAGroup() {
    String url = server.createQueue("orders.fifo", Map.of(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true"));
    for (int i = 0; i < 5; i++) {
      int n = i;
      sqs.sendMessage(b -> b.queueUrl(url).messageGroupId("customer-1").messageBody("order-" + n));
    }
    var bodies = new java.util.ArrayList<String>();
    while (bodies.size() < 5) {
      for (Message m : sqs.receiveMessage(b -> b.queueUrl(url).waitTimeSeconds(5).maxNumberOfMessages(10)).messages()) {
        bodies.add(m.body());
        sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
      }
    }
    assertThat(bodies).containsExactly("order-0", "order-1", "order-2", "order-3", "order-4");
  }

  @Test
  void unknownQueueIsTheSdksQueueDoesNotExist() {
    assertThatThrownBy(() -> sqs.getQueueUrl(b -> b.queueName("missing")))
        .isInstanceOf(QueueDoesNotExistException.class);
  }
}
