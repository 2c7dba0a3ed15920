package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.pipelines.ReferencePipelines;
import io.cloudbridge.testkit.pipelines.Traffic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Reference pipelines 1 (EventBridge → BigQuery and GCS) and 2 (S3 log archives → GCS and BigQuery exactly once) on
 * three workers with their tasks spread across them; a worker joins while records are in flight, then one of the
 * first three leaves. Afterwards every event and log line is where it belongs, as often as each connector promises:
 * pipeline 2 exactly once in Kafka, BigQuery and GCS; pipeline 1 at least once from SQS into Kafka and BigQuery, and
 * exactly once from Kafka into GCS.
 */
class ScalingTest {

  private static final Path EXAMPLES = Path.of("../config-examples");
  private static final int EVENTS_PER_WAVE = 150;
  private static final int ARCHIVES_PER_WAVE = 2;
  private static final int LINES_PER_ARCHIVE = 150;
  private static final Duration ARRIVAL = Duration.ofMinutes(3);

  @Test
  void pipelinesOneAndTwoKeepTheirGuaranteesWhileAWorkerJoinsAndOneLeaves() throws Exception {
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start()) {
      ConnectCluster connect = ConnectCluster.builder().workers(3).pluginPath(PackagedPlugins.dir())
          .brokerProperty("transaction.state.log.replication.factor", "1")
          .brokerProperty("transaction.state.log.min.isr", "1")
          .workerProperty("exactly.once.source.support", "enabled")
          .workerProperty("offset.flush.interval.ms", "2000")
          // Connect holds a departed worker's tasks this long for its return before moving them (default 5 min).
          .workerProperty("scheduled.rebalance.max.delay.ms", "5000")
          .start();
      try (SqsClient sqsClient = sqs.client(); S3Client s3Client = s3.client()) {
        ReferencePipelines.EVENT_TOPICS.forEach(t -> connect.createTopic(t, 3));
        s3Client.createBucket(b -> b.bucket(ReferencePipelines.LOG_BUCKET));
        Map<String, Map<String, String>> configs = ReferencePipelines.load(EXAMPLES, ReferencePipelines.EVENTS,
            ReferencePipelines.LOGS);
        ReferencePipelines.createResources(configs, sqs, gcs, bigQuery);
        Map<String, Integer> tasks = new HashMap<>();
        configs.forEach((name, config) -> {
          ReferencePipelines.point(config, new ReferencePipelines.Endpoints(sqs.endpoint().uri(), s3.endpoint().uri(),
              gcs.url(), bigQuery.restUrl(), bigQuery.grpcEndpoint(), connect.bootstrapServers()));
          config.computeIfPresent("rotate.schedule.interval.ms", (k, v) -> "3000");
          connect.configureConnector(name, config);
          tasks.put(name, Integer.parseInt(config.get("tasks.max")));
        });
        tasks.forEach((name, n) -> connect.awaitRunning(name, n, Duration.ofSeconds(90)));
        assertThat(workersRunningTasks(connect, tasks.keySet())).as("tasks spread over the workers").hasSize(3);

        Set<WorkerHandle> firstThree = Set.copyOf(connect.embedded().workers());
        Traffic sent = new Traffic(sqsClient, s3Client);
        sendWave(0, sent);
        WorkerHandle joined = connect.addWorker();
        sendWave(1, sent);
        await("a rebalance giving the new worker tasks").atMost(Duration.ofSeconds(90)).ignoreExceptions()
            .until(() -> workersRunningTasks(connect, tasks.keySet()).contains(workerId(joined)));
        WorkerHandle leaving = firstThree.iterator().next();
        String joinedId = workerId(joined);
        String leavingId = workerId(leaving);
        sendWave(2, sent);
        connect.stopWorker(leaving);
        sendWave(3, sent);
        tasks.forEach((name, n) -> connect.awaitRunning(name, n, Duration.ofSeconds(90)));
        assertThat(workersRunningTasks(connect, tasks.keySet())).doesNotContain(leavingId).contains(joinedId).hasSize(3);

        // Pipeline 2: every log line exactly once in Kafka, BigQuery and GCS.
        await("every log line in BigQuery").atMost(ARRIVAL).ignoreExceptions()
            .until(() -> Traffic.bigQueryLines(bigQuery).size() >= sent.lines().size());
        await("every log line in GCS").atMost(ARRIVAL).until(() -> Traffic.gcsLines(gcs).size() >= sent.lines().size());
        assertThat(Traffic.kafkaLines(connect.kafka(), ARRIVAL))
            .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines());
        assertThat(Traffic.bigQueryLines(bigQuery)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines());
        assertThat(Traffic.gcsLines(gcs)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent.lines());

        // Pipeline 1: at least once into Kafka and BigQuery; GCS holds each Kafka record exactly once.
        await("every event in BigQuery").atMost(ARRIVAL).ignoreExceptions()
            .until(() -> new HashSet<>(Traffic.bigQueryEventIds(bigQuery)).containsAll(sent.events()));
        List<String> kafkaEvents = Traffic.kafkaEventIds(connect.kafka(), ARRIVAL);
        assertThat(new HashSet<>(kafkaEvents)).isEqualTo(sent.events());
        assertThat(new HashSet<>(Traffic.bigQueryEventIds(bigQuery))).isEqualTo(sent.events());
        await("each event record in GCS").atMost(ARRIVAL)
            .until(() -> Traffic.gcsEventIds(gcs).size() >= kafkaEvents.size());
        assertThat(Traffic.gcsEventIds(gcs)).containsExactlyInAnyOrderElementsOf(kafkaEvents);
        System.out.printf("scaling: %d events (%d Kafka records, %d BigQuery rows), %d log lines; workers %s joined, %s left%n",
            sent.events().size(), kafkaEvents.size(), Traffic.bigQueryEventIds(bigQuery).size(), sent.lines().size(),
            joinedId, leavingId);
      } finally {
        connect.close();
      }
    }
  }

  /** A wave of EventBridge events into SQS and of gzip log archives into S3 with their notifications. */
  private static void sendWave(int wave, Traffic traffic) {
    traffic.sendEvents("w" + wave, EVENTS_PER_WAVE);
    for (int a = 0; a < ARCHIVES_PER_WAVE; a++) {
      traffic.sendArchive("archive_w" + wave + "_" + a, LINES_PER_ARCHIVE);
    }
  }

  private static Set<String> workersRunningTasks(ConnectCluster connect, Set<String> connectors) {
    Set<String> workers = new HashSet<>();
    for (String name : connectors) {
      for (ConnectorStateInfo.TaskState t : connect.status(name).tasks()) {
        if (t.state().equals("RUNNING")) {
          workers.add(t.workerId());
        }
      }
    }
    return workers;
  }

  private static String workerId(WorkerHandle worker) {
    return worker.url().getHost() + ":" + worker.url().getPort();
  }
}
