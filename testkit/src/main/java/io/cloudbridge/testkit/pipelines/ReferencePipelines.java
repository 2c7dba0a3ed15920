package io.cloudbridge.testkit.pipelines;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.DatasetInfo;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The reference pipelines of {@code config-examples/} (1: EventBridge → BigQuery and GCS; 2: S3 log archives → GCS
 * and BigQuery) as a test, a benchmark or a chaos run deploys them: each connector's example file with its endpoints
 * pointed at the local stand-ins, and the queues, bucket and dataset they name created there.
 */
public final class ReferencePipelines {

  public static final String EVENTS = "eventbridge-to-bigquery";
  public static final String LOGS = "s3-logs-to-gcs-and-bigquery";
  /** The topics pipeline 1 writes for the detail types {@link Traffic} sends. */
  public static final List<String> EVENT_TOPICS = List.of("events.com.example.shop.Order_Placed",
      "events.com.example.shop.Checkout_Started");
  public static final String LOG_TOPIC = "logs.archive";
  public static final String BUCKET = "demo-lake";
  public static final String LOG_BUCKET = "demo-logs";
  public static final String DATASET = "analytics";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the stand-ins listen; {@code sqs} and {@code s3} may be fault proxies in front of the servers. */
  public record Endpoints(URI sqs, URI s3, String gcs, String bigQueryRest, String bigQueryGrpc,
                          String bootstrapServers) {}

  private ReferencePipelines() {}

  /**
   * A started single-broker Kafka for the pipelines' worker processes: transactions possible on one broker (pipeline
   * 2's source is exactly once), and no topic created by a client's metadata request (as in production clusters).
   */
  public static org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster startKafka() {
    java.util.Properties broker = new java.util.Properties();
    broker.put("transaction.state.log.replication.factor", "1");
    broker.put("transaction.state.log.min.isr", "1");
    broker.put("auto.create.topics.enable", "false");
    var kafka = new org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster(1, broker);
    kafka.start();
    return kafka;
  }

  /** Connector name (the file name) → config, for each example file of the pipelines named, in file order. */
  public static Map<String, Map<String, String>> load(Path examples, String... pipelines) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (String pipeline : pipelines) {
      try (Stream<Path> files = Files.list(examples.resolve(pipeline))) {
        for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
          Map<String, String> config = JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, String>>() {});
          out.put(file.getFileName().toString().replace(".json", ""), config);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The endpoints of the example pointed at {@code to}; other settings stay as the example has them. */
  public static void point(Map<String, String> config, Endpoints to) {
    config.computeIfPresent("aws.endpoint.override", (k, v) -> to.sqs().toString());
    config.computeIfPresent("s3.endpoint.override", (k, v) -> to.s3().toString());
    config.computeIfPresent("gcs.endpoint.override", (k, v) -> to.gcs());
    config.computeIfPresent("bigquery.batch.gcs.endpoint.override", (k, v) -> to.gcs());
    config.computeIfPresent("bigquery.endpoint.override", (k, v) -> to.bigQueryRest());
    config.computeIfPresent("bigquery.storage.endpoint.override", (k, v) -> to.bigQueryGrpc());
    config.computeIfPresent("kafka.bootstrap.servers", (k, v) -> to.bootstrapServers());
  }

  /** Creates the SQS queues, GCS buckets (also batch loads' staging buckets) and BigQuery datasets the examples name (S3 buckets are the caller's). */
  public static void createResources(Map<String, Map<String, String>> configs, SqsServer sqs, GcsStandIn gcs,
                                     BigQueryStandIn bigQuery) {
    for (Map<String, String> config : configs.values()) {
      String queue = config.get("sqs.queue.name");
      if (queue != null) {
        sqs.createQueue(queue, Map.of());
      }
      for (String key : java.util.List.of("gcs.bucket.name", "bigquery.batch.gcs.bucket")) {
        String bucket = config.get(key);
        if (bucket != null && gcs.client().get(bucket) == null) {
          gcs.createBucket(bucket);
        }
      }
      String dataset = config.get("bigquery.dataset");
      if (dataset != null && bigQuery.bigQuery().getDataset(dataset) == null) {
        bigQuery.bigQuery().create(DatasetInfo.of(dataset));
      }
    }
  }
}
