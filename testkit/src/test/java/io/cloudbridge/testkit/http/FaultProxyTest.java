package io.cloudbridge.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The fault proxy seen through the real AWS SDK: requests pass unchanged (signatures hold), faults look like AWS's. */
class FaultProxyTest {

  @Test
  void sqsCallsPassThroughAndInjectedFailuresAreAwsErrorsTheSdkRetries() {
    try (SqsServer server = SqsServer.start(); FaultProxy proxy = FaultProxy.to(server.endpoint().uri());
         SqsClient sqs = client(server, proxy)) {
      String url = server.createQueue("proxied", Map.of());
      proxy.faults().failNext(1, "POST", "/", 500).dropConnectionNext(1, "POST", "/");
      sqs.sendMessage(b -> b.queueUrl(url).messageBody("through the proxy"));
      assertThat(proxy.faults().injected()).isEqualTo(2);
      assertThat(sqs.receiveMessage(b -> b.queueUrl(url)).messages()).singleElement()
          .satisfies(m -> assertThat(m.body()).isEqualTo("through the proxy"));

      proxy.faults().failNext(3, "POST", "/", 503);
      assertThatThrownBy(() -> sqs.getQueueUrl(b -> b.queueName("proxied"))).isInstanceOfSatisfying(
          SqsException.class, e -> assertThat(e.statusCode()).isEqualTo(503));
    }
  }

  @Test
  void s3ReadsPassThroughWithTheirSignaturesAndInjectedFailuresAreS3Errors() {
    try (S3Server server = S3Server.inMemory(); FaultProxy proxy = FaultProxy.to(server.endpoint().uri());
         S3Client direct = server.client();
         S3Client s3 = S3Client.builder().endpointOverride(proxy.uri()).region(server.endpoint().region())
             .credentialsProvider(server.endpoint().credentials())
             .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
             .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
             .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
      direct.createBucket(b -> b.bucket("proxied-bucket"));
      S3Server.put(direct, b -> b.bucket("proxied-bucket").key("k"), "object".getBytes(StandardCharsets.UTF_8));
      proxy.faults().failNext(1, "GET", "/proxied-bucket/k", 503).dropConnectionNext(1, "GET", "/proxied-bucket/k");
      assertThat(s3.getObjectAsBytes(b -> b.bucket("proxied-bucket").key("k")).asUtf8String()).isEqualTo("object");
      assertThat(proxy.faults().injected()).isEqualTo(2);

      proxy.faults().failNext(3, "GET", "/proxied-bucket/k", 500);
      assertThatThrownBy(() -> s3.getObjectAsBytes(b -> b.bucket("proxied-bucket").key("k"))).isInstanceOfSatisfying(
          S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InternalError"));
    }
  }

  @Test
  void aReplyLostAfterTheServiceAppliedTheCallMakesTheSdksRetryDoItAgain() {
    try (SqsServer server = SqsServer.start(); FaultProxy proxy = FaultProxy.to(server.endpoint().uri());
         SqsClient sqs = client(server, proxy); SqsClient direct = server.client()) {
      String url = server.createQueue("twice", Map.of());
      // a send applied, its reply lost: the SDK's retry sends it again — two messages, as with real SQS
      proxy.faults().applyThenDropNext(1, "POST", "/");
      sqs.sendMessage(b -> b.queueUrl(url).messageBody("once?"));
      assertThat(proxy.faults().injected()).isEqualTo(1);
      assertThat(server.messagesLeft(url)).isEqualTo(2);
      // a delete applied, its reply replaced by a 503: the message is gone, and the SDK's retry deletes a deleted
      // message, which ElasticMQ answers ReceiptHandleIsInvalid (what real SQS answers here is not documented; a
      // consumer must treat this answer to a retried delete as "already deleted")
      var received = direct.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(1)).messages().get(0);
      proxy.faults().applyThenFailNext(1, "POST", "/", 503);
      assertThatThrownBy(() -> sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(received.receiptHandle())))
          .isInstanceOf(software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException.class);
      assertThat(proxy.faults().injected()).isEqualTo(2);
      assertThat(server.messagesLeft(url)).isEqualTo(1);
    }
  }

  private static SqsClient client(SqsServer server, FaultProxy proxy) {
    return SqsClient.builder().endpointOverride(proxy.uri()).region(server.endpoint().region())
        .credentialsProvider(server.endpoint().credentials())
        .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
        .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
  }
}
