package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.DatasetInfo;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.connect.ConsumerGroups;
import io.grpc.Status;
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
 * Exactly once into BigQuery: three worker processes write a six-partition topic through COMMITTED streams while
 * the Storage Write stand-in drops connections, answers UNAVAILABLE and loses replies after it applied appends and
 * stream creations, and one worker is killed (SIGKILL)
 * mid-stream, so its partitions move to the others, which resume from the committed positions with rows of the
 * dead task already in the streams. Then the connector is restarted and more records come. At the end the table
 * holds exactly one row per produced record.
 */
class BigQuerySinkExactlyOnceIT {

  private static final int PARTITIONS = 6;
  private static final int RECORDS = 12_000;
  private static final String TOPIC = "eos-orders";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aKilledWorkerFaultsAndARestartLeaveExactlyOneRowPerRecord() throws Exception {
    Path dir = Path.of("target", "exactly-once-it"); // worker logs stay for a look after a failure
    if (java.nio.file.Files.exists(dir)) {
      try (var old = java.nio.file.Files.walk(dir)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    List<ConnectWorkerProcess> workers = new ArrayList<>();
    try (BigQueryStandIn bigQuery = BigQueryStandIn.start()) {
      bigQuery.bigQuery().create(DatasetInfo.of("lake"));
      kafka.createTopic(TOPIC, PARTITIONS);
      produce(kafka, 0, RECORDS / 2);

      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      // Commits every 15 s: the killed task has surely appended rows past its last commit.
      Map<String, String> worker = Map.of("connector.client.config.override.policy", "All",
          "value.converter.schemas.enable", "true", "offset.flush.interval.ms", "15000");
      for (int i = 0; i < 3; i++) {
        workers.add(ConnectWorkerProcess.start(kafka.bootstrapServers(), "bq-eos", plugins, dir, worker));
      }
      Map<String, String> config = StandInSink.config(bigQuery, TOPIC, "lake");
      config.put("tasks.max", "3");
      config.put("bigquery.write.mode", "exactly_once");
      config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      config.put("bigquery.request.max.bytes", "65536");
      config.put("bigquery.retry.initial.backoff.ms", "50");
      config.put("consumer.override.max.poll.records", "200");
      config.put("consumer.override.session.timeout.ms", "10000");
      config.put("consumer.override.heartbeat.interval.ms", "1000");
      workers.get(0).putConnector("eos", JSON.writeValueAsString(config));

      bigQuery.writeFaults().closeConnectionOnNextAppends(3, Status.Code.UNAVAILABLE);
      // Replies lost after Storage Write applied the call: a stream created twice (the first one stays empty), and
      // appends whose rows landed; sent again at the same offsets, they are answered ALREADY_EXISTS.
      bigQuery.writeFaults().loseReplyOfNext("CreateWriteStream", 2).loseReplyOfNextAppends(3);
      await("a quarter of the records in the table").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
          .until(() -> bigQuery.rows("lake", "eos_orders").size() >= RECORDS / 4);
      ConnectWorkerProcess killed = ConnectWorkerProcess.runningTask(workers, "eos", 0);
      killed.kill();
      workers.remove(killed);
      produce(kafka, RECORDS / 2, RECORDS);
      bigQuery.writeFaults().failNextAppends(3, Status.Code.UNAVAILABLE);
      bigQuery.writeFaults().loseReplyOfNextAppends(3);

      awaitCommittedToTheEnd(kafka);
      assertThat(bigQuery.writeFaults().injected()).as("every fault fired").isGreaterThanOrEqualTo(3 + 2 + 3 + 3 + 3);
      assertExactlyOnce(bigQuery, RECORDS);
      // The takeover found rows the killed task had appended past its last commit, and did not write them again.
      StringBuilder logs = new StringBuilder();
      for (ConnectWorkerProcess w : workers) {
        logs.append(java.nio.file.Files.readString(w.log()));
      }
      assertThat(logs).contains("already holds rows up to offset");

      // A restart of the connector and its tasks: every partition resumes from its saved position.
      workers.get(0).call("POST", "/connectors/eos/restart?includeTasks=true", null);
      produce(kafka, RECORDS, RECORDS + 1_200);
      bigQuery.writeFaults().closeConnectionOnNextAppends(2, Status.Code.UNAVAILABLE);
      awaitCommittedToTheEnd(kafka);
      assertExactlyOnce(bigQuery, RECORDS + 1_200);
      System.out.printf("BigQuerySinkExactlyOnceIT: %d rows, %d faults injected, a worker killed, a restart%n",
          bigQuery.rows("lake", "eos_orders").size(), bigQuery.writeFaults().injected());
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
    p.put("max.in.flight.requests.per.connection", "1");
    String schema = "{\"type\":\"struct\",\"optional\":false,\"fields\":["
        + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false},"
        + "{\"field\":\"sku\",\"type\":\"string\",\"optional\":false}]}";
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<?>> sent = new ArrayList<>();
      for (int i = from; i < to; i++) {
        sent.add(producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, "o" + i,
            "{\"schema\":" + schema + ",\"payload\":{\"n\":" + i + ",\"sku\":\"sku-" + i * 7 + "\"}}")));
      }
      for (Future<?> f : sent) {
        f.get();
      }
    }
  }

  private static void assertExactlyOnce(BigQueryStandIn bigQuery, int records) {
    Map<Long, Integer> times = new TreeMap<>();
    List<Map<String, Object>> rows = bigQuery.rows("lake", "eos_orders");
    for (Map<String, Object> r : rows) {
      long n = (Long) r.get("n");
      assertThat(r.get("sku")).isEqualTo("sku-" + n * 7);
      times.merge(n, 1, Integer::sum);
    }
    List<Long> twice = times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10)
        .toList();
    assertThat(twice).as("records written more than once").isEmpty();
    assertThat(times).as("records in the table").hasSize(records);
    assertThat(((TreeMap<Long, Integer>) times).firstKey()).isZero();
    assertThat(((TreeMap<Long, Integer>) times).lastKey()).isEqualTo(records - 1L);
  }

  private static void awaitCommittedToTheEnd(EmbeddedKafkaCluster kafka) throws Exception {
    try {
      await("offsets committed to the end").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
          .until(() -> committedToTheEnd(kafka));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("committed: " + ConsumerGroups.committed(kafka.bootstrapServers(), "connect-eos"), e);
    }
  }

  private static boolean committedToTheEnd(EmbeddedKafkaCluster kafka) throws Exception {
    return ConsumerGroups.committedToTheEnd(kafka.bootstrapServers(), "connect-eos", TOPIC, PARTITIONS,
        c -> c.metadata().startsWith("cb-bq1;"));
  }
}
