package io.cloudbridge.suite;

import com.google.cloud.bigquery.DatasetInfo;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Config examples pointed at the stand-ins of a test, which get the queues, buckets and datasets they name. */
final class StandIns {

  private StandIns() {}

  /** As {@link #point(Map, SqsServer, S3Server, GcsStandIn, BigQueryStandIn)}, and the test's Kafka for sinks that read their own offsets. */
  static void point(Map<String, String> config, SqsServer sqs, S3Server s3, GcsStandIn gcs, BigQueryStandIn bigQuery,
      String bootstrapServers) {
    point(config, sqs, s3, gcs, bigQuery);
    if (config.containsKey("kafka.bootstrap.servers")) {
      config.put("kafka.bootstrap.servers", bootstrapServers);
    }
  }

  /** The example as it would run here: endpoints of the stand-ins, and the resources it names created there. */
  static void point(Map<String, String> config, SqsServer sqs, S3Server s3, GcsStandIn gcs,
      BigQueryStandIn bigQuery) {
    if (config.containsKey("aws.endpoint.override")) {
      config.put("aws.endpoint.override", sqs.endpoint().uri().toString());
    }
    if (config.containsKey("s3.endpoint.override")) {
      config.put("s3.endpoint.override", s3.endpoint().uri().toString());
    }
    String queue = config.get("sqs.queue.name");
    if (queue != null) {
      Map<QueueAttributeName, String> attributes = new HashMap<>();
      if (queue.endsWith(".fifo")) {
        attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
      }
      sqs.createQueue(queue, attributes);
    }
    if (config.containsKey("gcs.endpoint.override")) {
      config.put("gcs.endpoint.override", gcs.url());
      gcs.createBucket(config.get("gcs.bucket.name"));
    }
    if (config.containsKey("bigquery.endpoint.override")) {
      config.put("bigquery.endpoint.override", bigQuery.restUrl());
      config.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
      if (bigQuery.bigQuery().getDataset(config.get("bigquery.dataset")) == null) {
        bigQuery.bigQuery().create(DatasetInfo.of(config.get("bigquery.dataset")));
      }
    }
  }
}
