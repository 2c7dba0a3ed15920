package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cloudbridge.testkit.LogCapture;
import io.cloudbridge.testkit.aws.AwsEndpoint;
import io.cloudbridge.testkit.aws.S3Notifications;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.http.FaultProxy;
import io.cloudbridge.testkit.http.OAuthTokenStandIn;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Secrets stay out of everything a worker shows while connectors run with them, given to the connectors through a
 * config provider (Connect returns connector and task configs as submitted, PASSWORD values included, on GET
 * /connectors/{name}/config and /tasks; with a provider it stores and returns only the placeholders): an AWS
 * secret key and session
 * token (SQS and S3 sources), a Google service-account key and the access token it buys (GCS sink, through a
 * token endpoint stand-in), and the receipt handles SQS hands out (read off the wire by a proxy). The connectors
 * run through their error paths too: malformed messages to a dead-letter topic, a notification for a missing
 * object failing its task, a connector configured for a queue that does not exist. Then the test scans every log
 * line of the JVM (our plugins, Connect, the AWS SDK and Google's libraries at TRACE, java.util.logging included;
 * the rest at INFO), the REST answers (status with traces, configs, task lists, offsets, the refused config), the
 * dead-letter records with their error headers, and every JMX attribute of the JVM (Connect's and the plugins'
 * metrics), for each secret. HTTP clients' wire loggers are not turned on: Apache HttpClient's org.apache.http.wire
 * and .headers, and google-http-client's HttpTransport at java.util.logging's ALL (below FINEST, where it prints
 * the Authorization header) print raw traffic by design and must stay off in production.
 */
class SecretsTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String AWS_SIGNER = "software.amazon.awssdk.http.auth.aws.internal.signer.";
  private static final Pattern RECEIPT_HANDLE = Pattern.compile("\"ReceiptHandle\"\\s*:\\s*\"([^\"]+)\"");

  @Test
  void noSecretReachesLogsErrorsRestAnswersDeadLettersOrMetrics(@TempDir Path dir) throws Exception {
    String sessionToken = "IQoJb3JpZ2luX2VjESessionToken" + UUID.randomUUID().toString().replace("-", "");
    try (LogCapture logs = new LogCapture(Level.TRACE, "io.cloudbridge", "org.apache.kafka.connect",
             "software.amazon.awssdk", "com.google", "io.grpc");
         SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         OAuthTokenStandIn oauth = OAuthTokenStandIn.open();
         FaultProxy sqsProxy = FaultProxy.to(sqs.endpoint().uri()).recordResponses();
         SqsClient sqsClient = sqs.client(); S3Client s3Client = s3.client()) {
      // Secrets reach the connectors through a config provider, as the README asks: Connect stores and shows the
      // placeholders, and resolves them only for the connector and its tasks.
      Properties secretFile = new Properties();
      secretFile.setProperty("aws.secret", AwsEndpoint.SECRET_ACCESS_KEY);
      secretFile.setProperty("aws.token", sessionToken);
      secretFile.setProperty("gcp.key", oauth.serviceAccountJson());
      Path file = dir.resolve("cloudbridge-secrets.properties");
      try (var out = Files.newBufferedWriter(file)) {
        secretFile.store(out, null);
      }
      String ref = "${file:" + file.toAbsolutePath() + ":";
      ConnectCluster connect = ConnectCluster.builder().workers(1).pluginPath(PackagedPlugins.dir())
          .workerProperty("config.providers", "file")
          .workerProperty("config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider")
          .start();
      try {
        String events = sqs.createQueue("secret-events", Map.of());
        String objects = sqs.createQueue("secret-objects", Map.of());
        s3Client.createBucket(b -> b.bucket("secret-bucket"));
        gcs.createBucket("secret-lake");
        connect.createTopic("secret-events", 1);
        connect.createTopic("secret-malformed", 1);

        Map<String, String> aws = new HashMap<>();
        aws.put("aws.region", "us-east-1");
        aws.put("aws.endpoint.override", sqsProxy.uri().toString());
        aws.put("aws.credentials.provider", "static");
        aws.put("aws.access.key.id", AwsEndpoint.ACCESS_KEY_ID);
        aws.put("aws.secret.access.key", ref + "aws.secret}");
        aws.put("aws.session.token", ref + "aws.token}");

        Map<String, String> sqsSource = new HashMap<>(aws);
        sqsSource.put("connector.class", "io.cloudbridge.sqs.SqsSourceConnector");
        sqsSource.put("sqs.queue.url", events);
        sqsSource.put("sqs.wait.time.seconds", "1");
        sqsSource.put("topic", "secret-events");
        sqsSource.put("value.format", "json");
        sqsSource.put("malformed.policy", "dead_letter");
        sqsSource.put("malformed.dead.letter.topic", "secret-malformed");
        sqsSource.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        sqsSource.put("value.converter.schemas.enable", "false");
        connect.configureConnector("secret-sqs", sqsSource);

        Map<String, String> s3Source = new HashMap<>(aws);
        s3Source.put("connector.class", "io.cloudbridge.s3events.S3EventsSourceConnector");
        s3Source.put("sqs.queue.url", objects);
        s3Source.put("sqs.wait.time.seconds", "1");
        s3Source.put("s3.endpoint.override", s3.endpoint().uri().toString());
        s3Source.put("s3.path.style.access", "true");
        s3Source.put("format", "jsonl");
        s3Source.put("topic", "secret-lines");
        s3Source.put("errors.missing.object.policy", "fail");
        s3Source.put("topic.creation.default.replication.factor", "1");
        s3Source.put("topic.creation.default.partitions", "1");
        connect.configureConnector("secret-s3", s3Source);

        Map<String, String> gcsSink = new HashMap<>();
        gcsSink.put("connector.class", "io.cloudbridge.gcs.GcsSinkConnector");
        gcsSink.put("topics", "secret-events");
        gcsSink.put("gcs.bucket.name", "secret-lake");
        gcsSink.put("gcs.endpoint.override", gcs.url());
        gcsSink.put("gcp.project.id", "cloudbridge-local");
        gcsSink.put("gcp.credentials.source", "json");
        gcsSink.put("gcp.credentials.json", ref + "gcp.key}");
        gcsSink.put("format.output.type", "jsonl");
        gcsSink.put("rotate.schedule.interval.ms", "2000");
        gcsSink.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        gcsSink.put("value.converter.schemas.enable", "false");
        connect.configureConnector("secret-gcs", gcsSink);

        Map<String, String> noQueue = new HashMap<>(sqsSource);
        noQueue.put("sqs.queue.url", events.replace("secret-events", "no-such-queue"));
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(connect.restUrl()
                + "connectors/secret-missing-queue/config")).header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsString(noQueue))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.body()).contains("no-such-queue");

        connect.awaitRunning("secret-sqs", 1, Duration.ofSeconds(60));
        connect.awaitRunning("secret-s3", 1, Duration.ofSeconds(60));
        connect.awaitRunning("secret-gcs", 1, Duration.ofSeconds(60));
        for (int i = 0; i < 20; i++) {
          String body = i % 5 == 4 ? "{not json " + i : "{\"n\":" + i + ",\"note\":\"event " + i + "\"}";
          sqsClient.sendMessage(b -> b.queueUrl(events).messageBody(body));
        }
        sqsClient.sendMessage(b -> b.queueUrl(objects).messageBody(
            S3Notifications.created("secret-bucket", "missing/object.jsonl", "0123456789abcdef0123456789abcdef", 10)));

        await("the events in GCS, through the service account's token").atMost(Duration.ofMinutes(2))
            .ignoreExceptions().until(() -> gcs.objectNames("secret-lake").stream().filter(n -> !n.startsWith("_"))
                .mapToInt(n -> new String(gcs.objectBytes("secret-lake", n), StandardCharsets.UTF_8).split("\n").length)
                .sum() == 16);
        assertThat(oauth.tokensIssued()).as("the sink used the key").isPositive();
        String trace = connect.awaitTaskFailed("secret-s3", 0, Duration.ofSeconds(90));
        assertThat(trace).contains("secret-bucket").contains("missing/object.jsonl");
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        connect.consume(4, Duration.ofSeconds(60), "secret-malformed").forEach(dead::add);

        Map<String, String> secrets = new HashMap<>();
        secrets.put("AWS secret access key", AwsEndpoint.SECRET_ACCESS_KEY);
        secrets.put("AWS session token", sessionToken);
        secrets.put("Google access token", oauth.accessToken());
        String pem = oauth.privateKeyPem();
        secrets.put("service-account private key", pem.split("\n")[3]);
        secrets.put("service-account key (JSON-escaped)", pem.substring(0, 60).replace("\n", "\\n"));
        int handles = 0;
        for (String response : sqsProxy.responses()) {
          Matcher m = RECEIPT_HANDLE.matcher(response);
          while (m.find()) {
            secrets.put("receipt handle " + ++handles, m.group(1));
          }
        }
        assertThat(handles).as("receipt handles seen on the wire").isGreaterThanOrEqualTo(21);

        // The AWS SDK's signer logs every canonical request at DEBUG, and with temporary credentials that holds the
        // session token (x-amz-security-token); nothing a plugin can change. The README says to keep this logger
        // at INFO, as the local stack's worker does; its lines are counted apart, and the rest is scanned.
        List<String> signerLines = logs.lines().stream().filter(l -> l.startsWith(AWS_SIGNER)).toList();
        Map<String, String> scanned = new HashMap<>();
        scanned.put("logs", String.join("\n", logs.lines().stream().filter(l -> !l.startsWith(AWS_SIGNER)).toList()));
        scanned.put("refused PUT", refused.body());
        for (String name : List.of("secret-sqs", "secret-s3", "secret-gcs")) {
          for (String path : List.of("/status", "/config", "/tasks", "/topics", "/offsets", "")) {
            scanned.put("GET /connectors/" + name + path, connect.get("connectors/" + name + path));
          }
        }
        scanned.put("GET /connectors?expand=status&expand=info", connect.get("connectors?expand=status&expand=info"));
        StringBuilder deadLetters = new StringBuilder();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
          deadLetters.append(new String(r.value(), StandardCharsets.UTF_8)).append('\n');
          for (Header h : r.headers()) {
            deadLetters.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.UTF_8)).append('\n');
          }
        }
        scanned.put("dead letters", deadLetters.toString());
        scanned.put("JMX attributes", jmx());

        assertThat(scanned.get("logs")).as("the scan saw the error paths").contains("missing/object.jsonl");
        assertThat(deadLetters).as("dead letters with their error").contains("cloudbridge.error.reason=body is not JSON");
        assertThat(scanned.get("JMX attributes")).as("plugin metrics were read").contains("cloudbridge");
        List<String> leaks = new ArrayList<>();
        secrets.forEach((what, secret) -> scanned.forEach((where, text) -> {
          if (text.contains(secret)) {
            int at = text.indexOf(secret);
            leaks.add(what + " in " + where + ": …" + text.substring(Math.max(0, at - 200), at) + "[SECRET]");
          }
        }));
        assertThat(leaks).isEmpty();
        assertThat(signerLines).as("the AWS SDK still logs canonical requests with the token at DEBUG (README: keep"
            + " its signer logger at INFO)").anyMatch(l -> l.contains(sessionToken));
        System.out.printf("secrets: %d secrets (%d receipt handles) absent from %d log lines, %d REST answers, %d dead"
            + " letters and the JVM's JMX attributes; %d lines of the AWS SDK's signer (DEBUG) set apart%n",
            secrets.size(), handles, logs.lines().size() - signerLines.size(), scanned.size() - 3, dead.size(),
            signerLines.size());
      } finally {
        connect.close();
        // What the scan read, for a reader of a failure (target/ is not published).
        Files.write(Path.of("target", "SecretsTest-captured.log"), logs.lines());
      }
    }
  }

  /** Every readable attribute of every MBean of this JVM, as text. */
  private static String jmx() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    StringBuilder out = new StringBuilder();
    for (ObjectName name : server.queryNames(null, null)) {
      out.append(name).append('\n');
      for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
        if (!attribute.isReadable()) {
          continue;
        }
        try {
          out.append("  ").append(attribute.getName()).append('=').append(server.getAttribute(name,
              attribute.getName())).append('\n');
        } catch (Exception | LinkageError e) {
          out.append("  ").append(attribute.getName()).append(" unreadable\n");
        }
      }
    }
    return out.toString();
  }
}
