package io.cloudbridge.testkit.aws;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.elasticmq.rest.sqs.TheSQSRestServerBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.CreateQueueRequest;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.util.Map;

/**
 * A real SQS-compatible server (ElasticMQ) on loopback with a random port. Connectors reach it through
 * the real AWS SDK v2 with an endpoint override ({@link #endpoint()}).
 */
public final class SqsServer implements AutoCloseable {

  private final SQSRestServer server;
  private final AwsEndpoint endpoint;

  private SqsServer(SQSRestServer server, int port) {
    this.server = server;
    this.endpoint = AwsEndpoint.local(port);
  }

  public static SqsServer start() {
    return start(0);
  }

  /** Starts on the given port, or a free one for 0. */
  public static SqsServer start(int port) {
    TheSQSRestServerBuilder builder = SQSRestServerBuilder.withInterface("127.0.0.1");
    builder = port == 0 ? builder.withDynamicPort() : builder.withPort(port);
    SQSRestServer server = builder.start();
    int bound = server.waitUntilStarted().localAddress().getPort();
    return new SqsServer(server, bound);
  }

  public AwsEndpoint endpoint() {
    return endpoint;
  }

  /** A client of the real AWS SDK pointed at this server. The caller closes it. */
  public SqsClient client() {
    return SqsClient.builder()
        .endpointOverride(endpoint.uri())
        .region(endpoint.region())
        .credentialsProvider(endpoint.credentials())
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .build();
  }

  /** Creates a queue (FIFO when the name ends in .fifo) and returns its URL. */
  public String createQueue(String name, Map<QueueAttributeName, String> attributes) {
    try (SqsClient sqs = client()) {
      CreateQueueRequest.Builder request = CreateQueueRequest.builder().queueName(name).attributes(attributes);
      if (name.endsWith(".fifo")) {
        var withFifo = new java.util.HashMap<>(attributes);
        withFifo.putIfAbsent(QueueAttributeName.FIFO_QUEUE, "true");
        request.attributes(withFifo);
      }
      return sqs.createQueue(request.build()).queueUrl();
    }
  }

  /** Messages still in the queue, visible or in flight: 0 once everything was deleted. */
  public long messagesLeft(String queueUrl) {
    try (SqsClient sqs = client()) {
      Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
      return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
          + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }
  }

  /** The {@code aws.*} keys of a Cloudbridge connector that reaches this server. */
  public Map<String, String> connectorAwsConfig() {
    return Map.of(
        "aws.region", endpoint.region().id(),
        "aws.endpoint.override", endpoint.uri().toString(),
        "aws.credentials.provider", "static",
        "aws.access.key.id", endpoint.accessKeyId(),
        "aws.secret.access.key", endpoint.secretAccessKey());
  }

  @Override
  public void close() {
    server.stopAndWait();
  }
}
