package io.cloudbridge.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The SQS source in a real Connect worker, reading a real SQS-compatible server (ElasticMQ). */
class SqsSourceIT {

  private static final String CONNECTOR = "io.cloudbridge.sqs.SqsSourceConnector";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Events happened shortly before they were sent, as real ones do. */
  private static final java.time.Instant EVENT_TIME = java.time.Instant.now().minusSeconds(3600)
      .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  private static SqsServer sqsServer;
  private static SqsClient sqs;
  private static ConnectCluster connect;

  @BeforeAll
  static void start() {
    sqsServer = SqsServer.start();
    sqs = sqsServer.client();
    connect = ConnectCluster.builder().workers(1)
        .pluginPath(java.nio.file.Path.of(System.getProperty("cloudbridge.plugin.path")))
        .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("value.converter.schemas.enable", "false")
        // Time-based retention (7 days, the default) checked every half second, so that a test sees it act.
        .brokerProperty("log.retention.check.interval.ms", "500")
        .start();
  }

  @AfterAll
  static void stop() {
    connect.close();
    sqs.close();
    sqsServer.close();
  }

  private static Map<String, String> connectorConfig(String queueUrl, String topic) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CONNECTOR);
    c.put("tasks.max", "1");
    c.put("sqs.queue.url", queueUrl);
    c.put("sqs.wait.time.seconds", "1");
    c.put("topic", topic);
    c.putAll(sqsServer.connectorAwsConfig());
    return c;
  }

  private static String event(int i, String detailType) {
    return "{\"version\":\"0\",\"id\":\"evt-" + i + "\",\"detail-type\":\"" + detailType + "\",\"source\":\"com.example.shop\","
        + "\"account\":\"111122223333\",\"time\":\"" + EVENT_TIME.plusSeconds(i) + "\",\"region\":\"eu-west-1\","
        + "\"resources\":[],\"detail\":{\"orderId\":\"o-" + i + "\",\"tenantId\":\"t-" + (i % 3) + "\"}}";
  }

  private static long messagesLeft(String url) {
    return sqsServer.messagesLeft(url);
  }

  @Test
  void eventBridgeEventsArriveKeyedWithTimestampsAndHeadersAndTheQueueEndsEmpty() throws Exception {
    String url = sqsServer.createQueue("orders", Map.of());
    String topic = "orders-events";
    connect.createTopic(topic, 3);
    long sentAt = System.currentTimeMillis();
    for (int i = 0; i < 30; i += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      for (int j = i; j < i + 10; j++) {
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody(event(j, "Order Placed"))
            .messageAttributes(Map.of(
                "origin", MessageAttributeValue.builder().dataType("String").stringValue("checkout").build(),
                "attempt", MessageAttributeValue.builder().dataType("Number").stringValue("3").build(),
                "trace", MessageAttributeValue.builder().dataType("Binary")
                    .binaryValue(software.amazon.awssdk.core.SdkBytes.fromByteArray(new byte[] {1, 2, 3})).build()))
            .build());
      }
      sqs.sendMessageBatch(r -> r.queueUrl(url).entries(batch));
    }
    Map<String, String> config = connectorConfig(url, topic);
    config.put("key.path", "detail.tenantId");
    connect.configureConnector("orders", config);
    connect.awaitRunning("orders", 1, Duration.ofSeconds(60));

    Map<String, ConsumerRecord<byte[], byte[]>> byId = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : connect.consume(30, Duration.ofSeconds(60), topic)) {
      JsonNode value = JSON.readTree(r.value());
      byId.put(value.get("id").asText(), r);
    }
    assertThat(byId).hasSize(30);
    ConsumerRecord<byte[], byte[]> seven = byId.get("evt-7");
    JsonNode value = JSON.readTree(seven.value());
    assertThat(value.get("detail_type").asText()).isEqualTo("Order Placed");
    assertThat(value.at("/detail/orderId").asText()).isEqualTo("o-7");
    assertThat(new String(seven.key(), StandardCharsets.UTF_8)).isEqualTo("t-1");
    // The Kafka timestamp is the producer's, the event's own time is in the value and a header.
    assertThat(seven.timestamp()).isBetween(sentAt, System.currentTimeMillis());
    assertThat(value.get("time").asText()).isEqualTo(EVENT_TIME.plusSeconds(7).toString());
    assertThat(header(seven, "eventbridge.time")).isEqualTo(EVENT_TIME.plusSeconds(7).toString());
    assertThat(header(seven, "origin")).isEqualTo("checkout");
    assertThat(header(seven, "attempt")).isEqualTo("3");
    assertThat(header(seven, "sqs.message.id")).isNotBlank();
    // A Binary attribute is a BYTES header; the worker's default SimpleHeaderConverter writes bytes as base64.
    assertThat(java.util.Base64.getDecoder().decode(seven.headers().lastHeader("trace").value())).containsExactly(1, 2, 3);

    await("queue drained").atMost(Duration.ofSeconds(30)).until(() -> messagesLeft(url) == 0);
    await("plugin metrics published by the worker").atMost(Duration.ofSeconds(30))
        .until(() -> pluginMetric("orders", "messages-deleted-total") == 30);
    assertThat(pluginMetric("orders", "messages-received-total")).isEqualTo(30);
    assertThat(pluginMetric("orders", "records-acknowledged-total")).isEqualTo(30);
    assertThat(pluginMetric("orders", "messages-in-flight")).isZero();
    connect.deleteConnector("orders");
  }

  @Test
  void fifoQueueKeepsPerGroupOrderEndToEndKeyedByGroup() throws Exception {
    String url = sqsServer.createQueue("payments.fifo", Map.of(QueueAttributeName.CONTENT_BASED_DEDUPLICATION, "true"));
    String topic = "payments";
    connect.createTopic(topic, 3);
    for (int i = 0; i < 60; i++) {
      int n = i;
      sqs.sendMessage(r -> r.queueUrl(url).messageGroupId("account-" + (n % 4))
          .messageBody("{\"seq\":" + n + ",\"account\":\"account-" + (n % 4) + "\"}"));
    }
    Map<String, String> config = connectorConfig(url, topic);
    config.put("value.format", "json");
    config.put("sqs.receivers", "3");
    connect.configureConnector("payments", config);
    connect.awaitRunning("payments", 1, Duration.ofSeconds(60));

    Map<String, List<Long>> perGroup = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : connect.consume(60, Duration.ofSeconds(90), topic)) {
      JsonNode v = JSON.readTree(r.value());
      String group = new String(r.key(), StandardCharsets.UTF_8);
      assertThat(group).isEqualTo(v.get("account").asText());
      perGroup.computeIfAbsent(group + "@" + r.partition(), k -> new ArrayList<>()).add(v.get("seq").asLong());
    }
    assertThat(perGroup).hasSize(4);
    perGroup.values().forEach(seqs -> assertThat(seqs).hasSize(15).isSorted());
    connect.deleteConnector("payments");
  }

  /** A draft-04 schema as EventBridge's registry exports one (definitions, $ref, x-amazon-events-*). */
  private static final String ORDER_SCHEMA = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\","
      + "\"type\":\"object\",\"x-amazon-events-source\":\"com.example.shop\","
      + "\"x-amazon-events-detail-type\":\"Order Placed\",\"properties\":{\"detail\":{\"$ref\":"
      + "\"#/definitions/OrderPlaced\"},\"time\":{\"type\":\"string\",\"format\":\"date-time\"}},"
      + "\"definitions\":{\"OrderPlaced\":{\"type\":\"object\",\"required\":[\"orderId\"],\"properties\":{"
      + "\"orderId\":{\"type\":\"string\"},\"qty\":{\"type\":\"integer\"},\"placedAt\":{\"type\":\"string\","
      + "\"format\":\"date-time\"},\"total\":{\"type\":\"number\"}}}}}";

  private static String order(int i, String detail) {
    return "{\"version\":\"0\",\"id\":\"evt-" + i + "\",\"detail-type\":\"Order Placed\",\"source\":"
        + "\"com.example.shop\",\"account\":\"111122223333\",\"time\":\"" + EVENT_TIME.plusSeconds(i) + "\","
        + "\"region\":\"eu-west-1\",\"resources\":[],\"detail\":" + detail + "}";
  }

  @Test
  void aDeclaredJsonSchemaConvertsItsEventsAndAMisfitGoesToTheDeadLetterTopicNamingTheField(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("order-placed.json"), ORDER_SCHEMA);
    String url = sqsServer.createQueue("declared", Map.of());
    connect.createTopic("declared", 1);
    connect.createTopic("declared-dlq", 1);
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(order(1, "{\"orderId\":\"o-1\",\"qty\":2,"
        + "\"placedAt\":\"2026-11-30T09:15:00+01:00\",\"total\":5000}")));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(order(2, "{\"orderId\":\"o-2\",\"qty\":2.5}")));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(3, "Checkout Started"))); // no schema: learned
    Map<String, String> config = connectorConfig(url, "declared");
    config.put("value.json.schema.files", file.toString());
    config.put("malformed.policy", "dead_letter");
    config.put("malformed.dead.letter.topic", "declared-dlq");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "true");
    connect.configureConnector("declared", config);
    connect.awaitRunning("declared", 1, Duration.ofSeconds(60));

    Map<String, JsonNode> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : connect.consume(2, Duration.ofSeconds(60), "declared")) {
      JsonNode v = JSON.readTree(r.value());
      byId.put(v.path("payload").path("id").asText(), v);
    }
    JsonNode first = byId.get("evt-1");
    assertThat(first.at("/payload/detail/qty").isIntegralNumber()).isTrue();
    assertThat(first.at("/payload/detail/qty").asLong()).isEqualTo(2L);
    // date-time as a Connect Timestamp: epoch milliseconds with the logical type in the schema
    assertThat(first.at("/payload/detail/placedAt").asLong())
        .isEqualTo(java.time.Instant.parse("2026-11-30T08:15:00Z").toEpochMilli());
    assertThat(first.at("/schema").toString()).contains("org.apache.kafka.connect.data.Timestamp")
        .contains("\"field\":\"qty\"");
    assertThat(byId.get("evt-3").at("/payload/detail/orderId").asText()).isEqualTo("o-3");
    ConsumerRecord<byte[], byte[]> dead = connect.consume(1, Duration.ofSeconds(60), "declared-dlq").iterator().next();
    assertThat(header(dead, "cloudbridge.error.reason")).contains("field qty").contains("integer").contains("2.5");
    assertThat(JSON.readTree(dead.value()).at("/payload").asText()).contains("\"orderId\":\"o-2\"");
    await("queue drained").atMost(Duration.ofSeconds(30)).until(() -> messagesLeft(url) == 0);
    connect.deleteConnector("declared");

    // a schema that does not name its event is refused when the connector is validated
    config.put("value.json.schema.files", "");
    config.put("value.json.schema", "{\"type\":\"object\",\"properties\":{\"detail\":{\"type\":\"object\"}}}");
    var errors = connect.embedded().validateConnectorConfig("SqsSourceConnector", config).values().stream()
        .flatMap(v -> v.configValue().errors().stream()).toList();
    assertThat(errors).anyMatch(e -> e.contains("x-amazon-events-source"));
  }

  @Test
  void malformedBodiesGoToTheDeadLetterTopicWithTheReasonAndAreDeletedAfterwards() throws Exception {
    String url = sqsServer.createQueue("mixed", Map.of());
    connect.createTopic("mixed-good", 1);
    connect.createTopic("mixed-dlq", 1);
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(1, "Order Placed")));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("this is not json"));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("{\"id\":\"x\",\"detail-type\":\"y\",\"time\":\"t\",\"detail\":{}}"));
    Map<String, String> config = connectorConfig(url, "mixed-good");
    config.put("malformed.policy", "dead_letter");
    config.put("malformed.dead.letter.topic", "mixed-dlq");
    connect.configureConnector("mixed", config);
    connect.awaitRunning("mixed", 1, Duration.ofSeconds(60));

    assertThat(connect.consume(1, Duration.ofSeconds(60), "mixed-good")).hasSize(1);
    List<String> reasons = new ArrayList<>();
    List<String> bodies = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : connect.consume(2, Duration.ofSeconds(60), "mixed-dlq")) {
      reasons.add(header(r, "cloudbridge.error.reason"));
      // The body as sent: a JSON string with the JsonConverter (no base64), the text itself with a StringConverter.
      bodies.add(JSON.readTree(r.value()).asText());
    }
    assertThat(reasons).anyMatch(s -> s.contains("not JSON")).anyMatch(s -> s.contains("'source' is missing"));
    assertThat(bodies).containsExactlyInAnyOrder("this is not json",
        "{\"id\":\"x\",\"detail-type\":\"y\",\"time\":\"t\",\"detail\":{}}");
    await("queue drained").atMost(Duration.ofSeconds(30)).until(() -> messagesLeft(url) == 0);
    connect.deleteConnector("mixed");
  }

  @Test
  void eventsOlderThanTheTopicsRetentionOutliveRetentionChecksByDefault() throws Exception {
    // An archive replay: events from 2015, on topics with the default retention (7 days).
    String url = sqsServer.createQueue("replayed", Map.of());
    String eventTimeUrl = sqsServer.createQueue("replayed-event-time", Map.of());
    connect.createTopic("replayed-events", 1);
    connect.createTopic("replayed-by-event-time", 1);
    java.time.Instant at = java.time.Instant.parse("2015-03-01T10:00:00Z");
    for (int i = 0; i < 5; i++) {
      String body = event(i, "Order Placed").replace(EVENT_TIME.plusSeconds(i).toString(), at.plusSeconds(i).toString());
      sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));
      sqs.sendMessage(r -> r.queueUrl(eventTimeUrl).messageBody(body));
    }
    long before = System.currentTimeMillis();
    connect.configureConnector("replayed", connectorConfig(url, "replayed-events"));
    Map<String, String> eventTime = connectorConfig(eventTimeUrl, "replayed-by-event-time");
    eventTime.put("timestamp.source", "event_time");
    connect.configureConnector("replayed-by-event-time", eventTime);
    try (io.cloudbridge.testkit.connect.RetentionChecks retention =
             new io.cloudbridge.testkit.connect.RetentionChecks(connect.bootstrapServers())) {
      await("both connectors wrote their five events").atMost(Duration.ofSeconds(60))
          .until(() -> retention.latest("replayed-events") == 5 && retention.latest("replayed-by-event-time") == 5);
      retention.awaitChecks(3, Duration.ofSeconds(60));

      assertThat(retention.earliest("replayed-events")).as("nothing deleted with the default timestamps").isZero();
      Map<String, ConsumerRecord<byte[], byte[]>> byId = new LinkedHashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : connect.consume(5, Duration.ofSeconds(30), "replayed-events")) {
        byId.put(JSON.readTree(r.value()).get("id").asText(), r);
      }
      assertThat(byId).hasSize(5);
      for (int i = 0; i < 5; i++) {
        ConsumerRecord<byte[], byte[]> r = byId.get("evt-" + i);
        assertThat(r.timestamp()).isBetween(before, System.currentTimeMillis());
        assertThat(JSON.readTree(r.value()).get("time").asText()).isEqualTo(at.plusSeconds(i).toString());
        assertThat(header(r, "eventbridge.time")).isEqualTo(at.plusSeconds(i).toString());
      }
      // What the default prevents: stamped with their event time, the same events were deleted within seconds.
      assertThat(retention.earliest("replayed-by-event-time")).isEqualTo(5);
    }
    connect.deleteConnector("replayed");
    connect.deleteConnector("replayed-by-event-time");
  }

  @Test
  void aFutureEventTimeFallsBackToWhenSqsReceivedTheMessage() throws Exception {
    String url = sqsServer.createQueue("skewed", Map.of());
    connect.createTopic("skewed-events", 1);
    long before = System.currentTimeMillis();
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(1, "Order Placed")
        .replace(EVENT_TIME.plusSeconds(1).toString(), "2999-01-01T00:00:00Z")));
    Map<String, String> config = connectorConfig(url, "skewed-events");
    config.put("timestamp.source", "event_time");
    connect.configureConnector("skewed", config);

    ConsumerRecord<byte[], byte[]> r = connect.consume(1, Duration.ofSeconds(60), "skewed-events").iterator().next();
    assertThat(r.timestamp()).isBetween(before - 1000, System.currentTimeMillis());
    connect.deleteConnector("skewed");
  }

  @Test
  void secretsAreHiddenInValidationAndNeverLogged() throws Exception {
    String url = sqsServer.createQueue("secretive", Map.of());
    connect.createTopic("secretive-events", 1);
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(1, "Order Placed")));
    Map<String, String> config = connectorConfig(url, "secretive-events");
    String secret = "s3cr3t-" + java.util.UUID.randomUUID();
    config.put("aws.secret.access.key", secret);
    config.put("aws.session.token", secret + "-token");

    try (io.cloudbridge.testkit.LogCapture logs = new io.cloudbridge.testkit.LogCapture()) {
      Map<String, String> named = new HashMap<>(config);
      named.put("name", "secretive");
      var validation = connect.embedded().validateConnectorConfig("SqsSourceConnector", named);
      var secretValue = validation.values().stream()
          .filter(v -> v.configKey().name().equals("aws.secret.access.key")).findFirst().orElseThrow().configValue();
      assertThat(secretValue.value()).isEqualTo("[hidden]");
      assertThat(validation.errorCount()).as(validation.values().stream()
          .filter(v -> !v.configValue().errors().isEmpty())
          .map(v -> v.configKey().name() + ": " + v.configValue().errors()).toList().toString()).isZero();

      connect.configureConnector("secretive", config);
      assertThat(connect.consume(1, Duration.ofSeconds(60), "secretive-events")).hasSize(1);
      connect.deleteConnector("secretive");

      assertThat(logs.lines()).anyMatch(l -> l.contains("aws.secret.access.key = [hidden]"));
      // The test harness (EmbeddedConnect) logs the REST answers it gets, which echo the submitted config;
      // the worker and the plugin must never log the secret.
      assertThat(logs.lines().stream()
          .filter(l -> !l.startsWith("org.apache.kafka.connect.util.clusters."))
          .filter(l -> l.contains(secret)).toList()).isEmpty();
    }
  }

  @Test
  void validationNamesAQueueThatDoesNotExist() {
    Map<String, String> config = connectorConfig(sqsServer.endpoint().uri() + "/000000000000/no-such-queue", "t");
    var validation = connect.embedded().validateConnectorConfig("SqsSourceConnector", config);
    var queue = validation.values().stream().filter(v -> v.configKey().name().equals("sqs.queue.url"))
        .findFirst().orElseThrow().configValue();
    assertThat(queue.errors()).singleElement().asString().contains("does not exist");

    Map<String, String> bad = connectorConfig("", "t");
    bad.remove("sqs.queue.url");
    bad.put("sqs.max.messages", "11");
    bad.put("aws.credentials.provider", "profile");
    var errors = connect.embedded().validateConnectorConfig("SqsSourceConnector", bad).values().stream()
        .filter(v -> !v.configValue().errors().isEmpty()).map(v -> v.configKey().name()).toList();
    assertThat(errors).contains("sqs.max.messages", "aws.profile.name");
  }

  @Test
  void leavePolicyLeavesMalformedMessagesToTheQueuesRedrivePolicy() throws Exception {
    String dlqUrl = sqsServer.createQueue("left-dlq", Map.of());
    String url = sqsServer.createQueue("left", Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "10",
        QueueAttributeName.REDRIVE_POLICY,
        "{\"deadLetterTargetArn\":\"arn:aws:sqs:elasticmq:000000000000:left-dlq\",\"maxReceiveCount\":\"2\"}"));
    connect.createTopic("left-events", 1);
    sqs.sendMessage(r -> r.queueUrl(url).messageBody("definitely not json"));
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(2, "Order Placed")));
    Map<String, String> config = connectorConfig(url, "left-events");
    config.put("malformed.policy", "leave");
    config.put("sqs.visibility.timeout.seconds", "10");
    connect.configureConnector("left", config);

    assertThat(connect.consume(1, Duration.ofSeconds(60), "left-events")).hasSize(1);
    await("malformed message moved to the SQS dead-letter queue by its redrive policy")
        .atMost(Duration.ofSeconds(120))
        .until(() -> sqs.receiveMessage(r -> r.queueUrl(dlqUrl).waitTimeSeconds(1)).messages().stream()
            .anyMatch(m -> m.body().equals("definitely not json")));
    connect.deleteConnector("left");
  }

  @Test
  void failPolicyFailsTheTaskNamingTheMessage() {
    String url = sqsServer.createQueue("strict", Map.of());
    connect.createTopic("strict-events", 1);
    String id = sqs.sendMessage(r -> r.queueUrl(url).messageBody("<xml/>")).messageId();
    connect.configureConnector("strict", connectorConfig(url, "strict-events"));

    String trace = connect.awaitTaskFailed("strict", 0, Duration.ofSeconds(60));
    assertThat(trace).contains("SQS message " + id).contains("not JSON").contains("malformed.policy=fail");
    connect.deleteConnector("strict");
  }

  @Test
  void stoppingTheConnectorReleasesHeldMessagesAtOnce() {
    String url = sqsServer.createQueue("held", Map.of());
    // No topic: records cannot be written, so messages stay held (and invisible) until the task stops.
    sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(1, "Order Placed")));
    Map<String, String> config = connectorConfig(url, "held-missing-topic");
    config.put("sqs.visibility.timeout.seconds", "600");
    connect.configureConnector("held", config);
    await("message held").atMost(Duration.ofSeconds(60)).until(() -> invisible(url) == 1);

    connect.deleteConnector("held");

    await("message visible again well before its 600 s visibility timeout").atMost(Duration.ofSeconds(60))
        .until(() -> visible(url) == 1);
  }

  /**
   * SQS answers 503 to every call (receives, deletes, visibility changes) for longer than the SDK's own retries
   * last: the task stays RUNNING, shows the wait, and reads on by itself when SQS answers; every event arrives.
   */
  @Test
  void anSqsOutageLongerThanTheClientsRetriesIsWaitedOutAndTheTaskResumesOnItsOwn() throws Exception {
    String url = sqsServer.createQueue("outage", Map.of());
    String topic = "outage-events";
    connect.createTopic(topic, 1);
    try (io.cloudbridge.testkit.http.FaultProxy proxy =
        io.cloudbridge.testkit.http.FaultProxy.to(sqsServer.endpoint().uri())) {
      Map<String, String> config = connectorConfig(url, topic);
      config.put("aws.endpoint.override", proxy.uri().toString());
      config.put("outage.timeout.ms", "300000");
      for (int i = 0; i < 10; i++) {
        int n = i;
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(n, "Order Placed")));
      }
      connect.configureConnector("outage", config);
      connect.awaitRunning("outage", 1, Duration.ofSeconds(60));
      await("the first 10 deleted").atMost(Duration.ofSeconds(60)).until(() -> messagesLeft(url) == 0);

      proxy.faults().failNext(Integer.MAX_VALUE, null, "", 503);
      for (int i = 10; i < 30; i++) {
        int n = i;
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(event(n, "Order Shipped")));
      }
      // 20 s of refusals: far beyond the SDK's three attempts with sub-second backoff.
      await("the task waits out the outage").atMost(Duration.ofSeconds(90))
          .until(() -> pluginMetric("outage", "service-wait-ms") > 20_000);
      assertThat(connect.status("outage").tasks()).allMatch(t -> t.state().equals("RUNNING"));
      int refused = proxy.faults().injected();
      assertThat(refused).as("SQS was called (and refused) during the outage").isGreaterThan(3);
      proxy.faults().clear();

      java.util.Set<String> ids = new java.util.HashSet<>();
      await("every event in Kafka").atMost(Duration.ofSeconds(90)).until(() -> {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : connect.consume(30, Duration.ofSeconds(30), topic)) {
          seen.add(JSON.readTree(r.value()).get("id").asText());
        }
        ids.addAll(seen);
        return seen.size() == 30;
      });
      java.util.Set<String> expected = new java.util.HashSet<>();
      for (int i = 0; i < 30; i++) {
        expected.add("evt-" + i);
      }
      assertThat(ids).isEqualTo(expected);
      await("the queue drained after the outage").atMost(Duration.ofSeconds(60)).until(() -> messagesLeft(url) == 0);
      await("the wait ended").atMost(Duration.ofSeconds(30))
          .until(() -> pluginMetric("outage", "service-wait-ms") == 0);
      assertThat(pluginMetric("outage", "service-wait-total-ms")).isGreaterThan(20_000);
      assertThat(connect.status("outage").tasks()).allMatch(t -> t.state().equals("RUNNING"));
    } finally {
      connect.deleteConnector("outage");
    }
  }

  /** An outage (here every connection reset) longer than outage.timeout.ms fails the task, naming the error. */
  @Test
  void anOutageLongerThanItsBudgetFailsTheTaskNamingTheCause() {
    String url = sqsServer.createQueue("outage-budget", Map.of());
    try (io.cloudbridge.testkit.http.FaultProxy proxy =
        io.cloudbridge.testkit.http.FaultProxy.to(sqsServer.endpoint().uri())) {
      Map<String, String> config = connectorConfig(url, "outage-budget-events");
      config.put("aws.endpoint.override", proxy.uri().toString());
      config.put("outage.timeout.ms", "3000");
      connect.configureConnector("outage-budget", config);
      connect.awaitRunning("outage-budget", 1, Duration.ofSeconds(60));
      proxy.faults().dropConnectionNext(Integer.MAX_VALUE, null, ""); // every connection reset: no answer at all
      String trace = connect.awaitTaskFailed("outage-budget", 0, Duration.ofSeconds(60));
      assertThat(trace).contains("did not answer ReceiveMessage for").contains("outage.timeout.ms=3000")
          .contains("Unable to execute HTTP request");
    } finally {
      connect.deleteConnector("outage-budget");
    }
  }

  private static long pluginMetric(String connector, String name) {
    return io.cloudbridge.testkit.connect.PluginMetrics.task(connector, name);
  }

  private static long visible(String url) {
    return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(url)
        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
        .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  private static long invisible(String url) {
    return Long.parseLong(sqs.getQueueAttributes(r -> r.queueUrl(url)
        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes()
        .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    Header h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
