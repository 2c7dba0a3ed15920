package io.cloudbridge.suite;

import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.pipelines.ReferencePipelines;
import java.util.Map;

/** Config examples pointed at the stand-ins of a test, which get the queues, buckets and datasets they name. */
final class StandIns {

  private StandIns() {}

  /** As {@link #point(Map, SqsServer, S3Server, GcsStandIn, BigQueryStandIn)}, and the test's Kafka for sinks that read their own offsets. */
  static void point(Map<String, String> config, SqsServer sqs, S3Server s3, GcsStandIn gcs, BigQueryStandIn bigQuery,
      String bootstrapServers) {
    ReferencePipelines.point(config, new ReferencePipelines.Endpoints(sqs.endpoint().uri(), s3.endpoint().uri(),
        gcs.url(), bigQuery.restUrl(), bigQuery.grpcEndpoint(), bootstrapServers));
    ReferencePipelines.createResources(Map.of("example", config), sqs, gcs, bigQuery);
  }

  /** The example as it would run here: endpoints of the stand-ins, and the resources it names created there. */
  static void point(Map<String, String> config, SqsServer sqs, S3Server s3, GcsStandIn gcs,
      BigQueryStandIn bigQuery) {
    point(config, sqs, s3, gcs, bigQuery, config.get("kafka.bootstrap.servers"));
  }
}
