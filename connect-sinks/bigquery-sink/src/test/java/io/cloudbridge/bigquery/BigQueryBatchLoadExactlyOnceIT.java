package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.DatasetInfo;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.connect.ConsumerGroups;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;

/**
 * Batch loads exactly once: three worker processes stage a six-partition topic in the GCS stand-in and load it with
 * load jobs while jobs.insert loses its reply after creating the job (503, and a dropped connection), jobs.get and
 * upload chunks fail, chunks are applied and their connection dropped; one worker is killed (SIGKILL) mid-stream, so
 * its partitions move to the others, which stage from the committed offsets again and meet the killed task's jobs
 * by their ids. Then the connector's offsets are reset over REST and every record is read again. At the end the
 * table holds exactly one row per produced record.
 */
class BigQueryBatchLoadExactlyOnceIT {

  private static final int PARTITIONS = 6;
  private static final int RECORDS = 12_000;
  private static final String TOPIC = "logs-eos";
  private static final String TABLE = "logs_eos";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aKilledWorkerLostRepliesAndAnOffsetsResetLeaveExactlyOneRowPerRecord() throws Exception {
    Path dir = Path.of("target", "batch-load-eos-it");
    if (java.nio.file.Files.exists(dir)) {
      try (var old = java.nio.file.Files.walk(dir)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    List<ConnectWorkerProcess> workers = new ArrayList<>();
    try (GcsStandIn gcs = GcsStandIn.inMemory(); BigQueryStandIn bigQuery = BigQueryStandIn.start().readsFrom(gcs)) {
      gcs.createBucket("staging");
      bigQuery.bigQuery().create(DatasetInfo.of("lake"));
      bigQuery.jobDurations(Duration.ofMillis(300), Duration.ofMillis(700)); // the killed task leaves jobs running
      kafka.createTopic(TOPIC, PARTITIONS);
      produce(kafka, 0, RECORDS / 2);

      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      Map<String, String> worker = Map.of("connector.client.config.override.policy", "All",
          "value.converter.schemas.enable", "true", "offset.flush.interval.ms", "5000");
      for (int i = 0; i < 3; i++) {
        workers.add(ConnectWorkerProcess.start(kafka.bootstrapServers(), "bq-load-eos", plugins, dir, worker));
      }
      Map<String, String> config = StandInSink.config(bigQuery, TOPIC, "lake");
      config.put("tasks.max", "3");
      config.put("bigquery.write.mode", "batch_load");
      config.put("bigquery.batch.gcs.bucket", "staging");
      config.put("bigquery.batch.gcs.endpoint.override", gcs.url());
      config.put("bigquery.batch.flush.records", "250");
      config.put("bigquery.batch.flush.interval.ms", "2000");
      config.put("bigquery.batch.upload.chunk.bytes", "262144");
      config.put("bigquery.retry.initial.backoff.ms", "50");
      config.put("consumer.override.max.poll.records", "200");
      config.put("consumer.override.session.timeout.ms", "10000");
      config.put("consumer.override.heartbeat.interval.ms", "1000");
      workers.get(0).putConnector("eos", JSON.writeValueAsString(config));

      // Jobs created whose replies are lost; reads of jobs and upload chunks that fail or are applied and dropped.
      bigQuery.restFaults().applyThenFailNext(3, "POST", "/jobs", 503);
      bigQuery.restFaults().applyThenDropNext(2, "POST", "/jobs");
      bigQuery.restFaults().failNext(3, "GET", "/jobs/", 503);
      gcs.faults().failNext(2, "PUT", "upload_id", 503);
      gcs.faults().applyThenDropNext(2, "PUT", "upload_id");
      await("a quarter of the records in the table").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", TABLE).size() >= RECORDS / 4);
      ConnectWorkerProcess killed = ConnectWorkerProcess.runningTask(workers, "eos", 0);
      killed.kill();
      workers.remove(killed);
      produce(kafka, RECORDS / 2, RECORDS);
      bigQuery.restFaults().applyThenFailNext(2, "POST", "/jobs", 503);

      awaitCommittedToTheEnd(kafka);
      assertThat(bigQuery.restFaults().injected()).as("every jobs fault fired").isGreaterThanOrEqualTo(3 + 2 + 3 + 2);
      assertExactlyOnce(bigQuery, RECORDS);

      // An offsets reset over REST and a replay of the whole topic: the markers and job ids load nothing again.
      workers.get(0).call("PUT", "/connectors/eos/stop", null);
      await("stopped").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> workers.get(0)
          .get("/connectors/eos/status").body().contains("\"STOPPED\""));
      assertThat(workers.get(0).call("DELETE", "/connectors/eos/offsets", null).statusCode()).isEqualTo(200);
      assertThat(ConsumerGroups.committed(kafka.bootstrapServers(), "connect-eos")).isEmpty();
      workers.get(0).call("PUT", "/connectors/eos/resume", null);
      produce(kafka, RECORDS, RECORDS + 1_200);
      awaitCommittedToTheEnd(kafka);
      assertExactlyOnce(bigQuery, RECORDS + 1_200);
      List<String> left = gcs.objectNames("staging").stream().filter(n -> n.startsWith("cloudbridge-loads/" + TABLE))
          .toList();
      List<String> loaded = new ArrayList<>();
      bigQuery.jobs().stream().filter(j -> !j.path("status").has("errorResult"))
          .forEach(j -> j.path("configuration").path("load").path("sourceUris").forEach(u -> loaded.add(u.asText())));
      assertThat(left).as("loaded files are deleted; only files no job loaded (the killed task's) may be left")
          .noneMatch(n -> loaded.contains("gs://staging/" + n));
      long staged = left.size();
      System.out.printf("BigQueryBatchLoadExactlyOnceIT: %d rows, %d load jobs, %d REST and %d GCS faults, a worker"
              + " killed, an offsets reset; %d staged files left (of loads the killed task had not finished)%n",
          bigQuery.rows("lake", TABLE).size(), bigQuery.jobs().size(), bigQuery.restFaults().injected(),
          gcs.faults().injected(), staged);
    } finally {
      workers.forEach(ConnectWorkerProcess::close);
      kafka.stop();
    }
  }

  private static void produce(EmbeddedKafkaCluster kafka, int from, int to) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("linger.ms", "5");
    p.put("max.in.flight.requests.per.connection", "1"); // the embedded broker once refused a batch out of order
    String schema = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
        + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false},"
        + "{\"field\":\"path\",\"type\":\"string\",\"optional\":false},"
        + "{\"field\":\"status\",\"type\":\"int32\",\"optional\":true}]}";
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = from; i < to; i++) {
        sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "r" + i,
            "{\"schema\":" + schema + ",\"payload\":{\"n\":" + i + ",\"path\":\"/städte/" + i * 7 + "\",\"status\":"
                + (i % 9 == 0 ? "null" : "200") + "}}")));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    }
  }

  private static void assertExactlyOnce(BigQueryStandIn bigQuery, int records) {
    Map<Long, Integer> times = new TreeMap<>();
    for (Map<String, Object> r : bigQuery.rows("lake", TABLE)) {
      long n = (Long) r.get("n");
      assertThat(r.get("path")).isEqualTo("/städte/" + n * 7);
      assertThat(r.get("status")).isEqualTo(n % 9 == 0 ? null : 200L);
      times.merge(n, 1, Integer::sum);
    }
    assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList())
        .as("records loaded more than once").isEmpty();
    assertThat(times).as("records in the table").hasSize(records);
    assertThat(((TreeMap<Long, Integer>) times).lastKey()).isEqualTo(records - 1L);
  }

  private static void awaitCommittedToTheEnd(EmbeddedKafkaCluster kafka) throws Exception {
    try {
      await("offsets committed to the end").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
          .until(() -> ConsumerGroups.committedToTheEnd(kafka.bootstrapServers(), "connect-eos", TOPIC, PARTITIONS,
              c -> true));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("committed: " + ConsumerGroups.committed(kafka.bootstrapServers(), "connect-eos"), e);
    }
  }
}
