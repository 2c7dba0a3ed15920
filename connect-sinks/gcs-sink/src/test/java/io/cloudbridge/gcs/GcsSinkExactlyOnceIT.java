package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.connect.ConsumerGroups;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly once into GCS: three worker processes write a six-partition topic while the GCS stand-in fails uploads
 * (503s, connections dropped in the middle of an upload, replies lost after GCS applied an upload chunk, a marker or a
 * metadata update) and one worker is killed (SIGKILL) mid-stream. At the
 * end every produced offset is in exactly one object, once. Then the connector's offsets are reset through the
 * REST API and everything is read again: still every offset once, and no object added.
 */
class GcsSinkExactlyOnceIT {

  private static final int PARTITIONS = 6;
  private static final int RECORDS = 30_000;
  private static final String[] KINDS = {"click", "view", "buy"};
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aKilledWorkerAndUploadFaultsLeaveEveryOffsetInOneObjectOnceAlsoAfterAReplay(@TempDir Path dir)
      throws Exception {
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    List<ConnectWorkerProcess> workers = new ArrayList<>();
    try (GcsStandIn gcs = GcsStandIn.inMemory()) {
      gcs.createBucket("lake");
      kafka.createTopic("eos-actions", PARTITIONS);
      produce(kafka, 0, RECORDS / 2);

      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      Map<String, String> worker = Map.of("connector.client.config.override.policy", "All");
      for (int i = 0; i < 3; i++) {
        workers.add(ConnectWorkerProcess.start(kafka.bootstrapServers(), "gcs-eos", plugins, dir, worker));
      }
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", "io.cloudbridge.gcs.GcsSinkConnector");
      config.put("tasks.max", "3");
      config.put("topics", "eos-actions");
      config.put("gcs.bucket.name", "lake");
      config.put("gcs.endpoint.override", gcs.url());
      config.put("gcp.credentials.source", "none");
      config.put("gcp.project.id", "cloudbridge-local");
      config.put("gcs.retry.initial.backoff.ms", "50");
      config.put("gcs.retry.max.backoff.ms", "500");
      config.put("file.name.template", "kind={{value.kind}}/{{topic}}+{{partition}}+{{start_offset}}");
      config.put("file.compression.type", "gzip");
      config.put("flush.size", "400");
      config.put("rotate.schedule.interval.ms", "3000"); // the tail of each partition, too, ends up in objects
      config.put("gcs.upload.chunk.bytes", "262144");
      config.put("consumer.override.max.poll.records", "200");
      config.put("consumer.override.session.timeout.ms", "10000");
      config.put("consumer.override.heartbeat.interval.ms", "1000");
      workers.get(0).putConnector("eos", JSON.writeValueAsString(config));

      // Faults from the start: failed and cut-off uploads the client must resume, not restart or duplicate.
      gcs.faults().failNext(4, "PUT", "upload_id", 503);
      gcs.faults().dropConnectionNext(3, "PUT", "upload_id");
      gcs.faults().failNext(3, "POST", "uploadType=resumable", 503);
      gcs.faults().failNext(2, "POST", "uploadType=multipart", 503);

      await("a quarter of the records in objects").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .until(() -> offsets(gcs).size() >= RECORDS / 4);
      ConnectWorkerProcess killed = ConnectWorkerProcess.runningTask(workers, "eos", 0);
      killed.kill();
      workers.remove(killed);
      produce(kafka, RECORDS / 2, RECORDS);
      gcs.faults().dropConnectionNext(2, "PUT", "upload_id");
      // Replies lost after GCS applied the call: chunks (the final one too), markers, metadata updates. The client
      // sends them again and meets its own write (a chunk GCS has, a marker that exists: 412).
      int before = gcs.faults().injected();
      gcs.faults().applyThenDropNext(4, "PUT", "upload_id")
          .applyThenFailNext(3, "POST", "uploadType=multipart", 503)
          .applyThenFailNext(2, "PATCH", "", 503);

      // Committed offsets at the end of every partition: everything before them is in finalized objects.
      awaitCommittedToTheEnd(kafka);
      assertThat(gcs.faults().injected() - before).as("after-apply faults fired").isGreaterThanOrEqualTo(7);
      List<Long> written = offsets(gcs);
      assertExactlyOnce(written);
      int objects = gcs.objectNames("lake").size();
      System.out.printf("GcsSinkExactlyOnceIT: %d records in %d objects and markers, %d faults injected%n",
          written.size(), objects, gcs.faults().injected());

      // An operator replays the topic: stop, reset the offsets, resume. Nothing may be written twice.
      ConnectWorkerProcess rest = workers.get(0);
      rest.call("PUT", "/connectors/eos/stop", null);
      await().atMost(Duration.ofMinutes(1)).until(() -> rest.get("/connectors/eos/status").body()
          .contains("\"state\":\"STOPPED\""));
      rest.call("DELETE", "/connectors/eos/offsets", null);
      rest.call("PUT", "/connectors/eos/resume", null);
      await("the replay read to the end").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
          .until(() -> committedToTheEnd(kafka));
      assertExactlyOnce(offsets(gcs));
      assertThat(gcs.objectNames("lake")).hasSize(objects);
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
    // One request in flight: a first batch refused by a partition whose leader is not ready yet must not be
    // overtaken by the next ones (the broker would then refuse it as out of sequence until it expires).
    p.put("max.in.flight.requests.per.connection", "1");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int i = from; i < to; i++) {
        // Partition and position together say which record it is: n is unique across the topic.
        sent.add(producer.send(new ProducerRecord<>("eos-actions", i % PARTITIONS, null,
            "{\"n\":" + i + ",\"kind\":\"" + KINDS[(i / PARTITIONS) % KINDS.length] + "\",\"page\":\"/p/" + i + "\"}")));
      }
      for (var f : sent) {
        f.get(); // a record Kafka did not take would look like one the sink lost
      }
    }
  }

  /** The n of every record in every data object (markers left out); the same n twice is a duplicate. */
  private static List<Long> offsets(GcsStandIn gcs) throws Exception {
    List<Long> out = new ArrayList<>();
    for (String name : gcs.objectNames("lake")) {
      if (name.startsWith("_cloudbridge/")) {
        continue;
      }
      byte[] bytes = gcs.objectBytes("lake", name);
      if (bytes == null) {
        continue;
      }
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(new ByteArrayInputStream(bytes)), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          JsonNode r = JSON.readTree(line);
          long n = r.get("n").asLong();
          assertThat(name).startsWith("kind=" + r.get("kind").asText() + "/eos-actions+" + (n % PARTITIONS) + "+");
          out.add(n);
        }
      }
    }
    return out;
  }

  private static void assertExactlyOnce(List<Long> written) {
    Map<Long, Integer> times = new TreeMap<>();
    written.forEach(n -> times.merge(n, 1, Integer::sum));
    List<Long> twice = times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10)
        .toList();
    assertThat(twice).as("records written more than once").isEmpty();
    assertThat(times).hasSize(RECORDS);
    assertThat(times.keySet().iterator().next()).isZero();
    assertThat(((TreeMap<Long, Integer>) times).lastKey()).isEqualTo(RECORDS - 1);
  }

  private static void awaitCommittedToTheEnd(EmbeddedKafkaCluster kafka) {
    await("offsets committed to the end").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
        .until(() -> committedToTheEnd(kafka));
  }

  private static boolean committedToTheEnd(EmbeddedKafkaCluster kafka) throws Exception {
    return ConsumerGroups.committedToTheEnd(kafka.bootstrapServers(), "connect-eos", "eos-actions", PARTITIONS,
        c -> true);
  }
}
