package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hundred partitions, each with an open object, written by one task in a worker capped at 256 MiB of heap
 * with a 4 MiB memory budget: the open objects' buffers and encoders would need about 25 MiB at once, so the task
 * pauses its partitions and, with no whole upload unit to send, finalizes partitions' objects early to stay within
 * the budget. Every record is written, once, and the worker never runs out of memory.
 */
class GcsSinkMemoryIT {

  private static final int PARTITIONS = 200;
  private static final int PER_PARTITION = 150;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void manyOpenPartitionsStayWithinTheBudgetOnACappedHeap(@TempDir Path dir) throws Exception {
    EmbeddedKafkaCluster kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    try (GcsStandIn gcs = GcsStandIn.inMemory()) {
      gcs.createBucket("lake");
      kafka.createTopic("wide", PARTITIONS);
      // Two hundred partitions take a moment to get leaders; a batch sent before may expire in the producer.
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        await("every partition has a leader").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250))
            .until(() -> admin.describeTopics(List.of("wide")).allTopicNames().get().get("wide").partitions().stream()
                .filter(i -> i.leader() != null && !i.leader().isEmpty()).count() == PARTITIONS);
      }
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrapServers());
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", StringSerializer.class.getName());
      String padding = "x".repeat(400);
      p.put("acks", "all");
      p.put("linger.ms", "20");
      // One request in flight: a first batch refused by a partition whose leader is not ready yet must not be
      // overtaken by the next ones (the broker would then refuse it as out of sequence until it expires).
      p.put("max.in.flight.requests.per.connection", "1");
      p.put("delivery.timeout.ms", "300000");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
        List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        // A partition at a time, twenty partitions a round: the embedded broker on two cores answers a request that
        // spans all two hundred new partitions too slowly.
        for (int partition = 0; partition < PARTITIONS; partition++) {
          for (int k = 0; k < PER_PARTITION; k++) {
            int n = k * PARTITIONS + partition;
            sent.add(producer.send(new ProducerRecord<>("wide", partition, null,
                "{\"n\":" + n + ",\"pad\":\"" + padding + "\"}")));
          }
          if (partition % 20 == 19) {
            producer.flush();
          }
        }
        for (var f : sent) {
          f.get(); // a record Kafka did not take would look like one the sink lost
        }
      }
      assertThat(endOffsetsTotal(kafka)).as("records in the topic").isEqualTo((long) PARTITIONS * PER_PARTITION);
      Path plugins = Path.of(System.getProperty("cloudbridge.plugin.path"));
      try (ConnectWorkerProcess worker = ConnectWorkerProcess.start(kafka.bootstrapServers(), "gcs-mem", plugins,
          dir, Map.of(), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"))) {
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.cloudbridge.gcs.GcsSinkConnector");
        config.put("tasks.max", "1");
        config.put("topics", "wide");
        config.put("gcs.bucket.name", "lake");
        config.put("gcs.endpoint.override", gcs.url());
        config.put("gcp.credentials.source", "none");
        config.put("gcp.project.id", "cloudbridge-local");
        config.put("file.name.template", "wide/{{partition}}/{{topic}}+{{partition}}+{{start_offset}}");
        config.put("gcs.upload.chunk.bytes", "262144");
        config.put("gcs.task.memory.bytes", System.getProperty("mem.budget", Integer.toString(4 << 20)));
        config.put("flush.size", "100000");
        config.put("rotate.schedule.interval.ms", "5000");
        worker.putConnector("wide", JSON.writeValueAsString(config));

        try {
          // Committed offsets at the end of every partition: everything before them is in finalized objects.
          await("offsets committed to the end").atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
              .until(() -> committedToTheEnd(kafka) || !worker.isAlive());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          Files.copy(worker.log(), Path.of("target", "GcsSinkMemoryIT-worker.log"),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          Set<Long> seen = written(gcs);
          List<Long> missing = java.util.stream.LongStream.range(0, PARTITIONS * PER_PARTITION)
              .filter(n -> !seen.contains(n)).limit(20).boxed().toList();
          throw new AssertionError(seen.size() + " of " + PARTITIONS * PER_PARTITION + " records written; missing "
              + missing + " (partition = n % " + PARTITIONS + "); the worker's log is in"
              + " target/GcsSinkMemoryIT-worker.log; objects of the first such partition: "
              + gcs.objectNames("lake").stream().filter(o -> !missing.isEmpty()
                  && (o.startsWith("wide/" + missing.get(0) % PARTITIONS + "/")
                  || o.contains("/wide/" + missing.get(0) % PARTITIONS + "/"))).toList(), e);
        }
        assertThat(worker.isAlive()).as("the worker is alive (it exits on OutOfMemoryError)").isTrue();
        Set<Long> seen = written(gcs);
        assertThat(seen).hasSize(PARTITIONS * PER_PARTITION);
        String log = Files.readString(worker.log());
        assertThat(log).doesNotContain("java.lang.OutOfMemoryError");
        // Early finalizing happened: more objects than partitions, although flush.size was never reached.
        long objects = gcs.objectNames("lake").stream().filter(n -> n.startsWith("wide/")).count();
        System.out.printf("GcsSinkMemoryIT: %d records in %d objects from %d partitions%n", seen.size(), objects,
            PARTITIONS);
        assertThat(objects).isGreaterThan(PARTITIONS);
      }
    } finally {
      kafka.stop();
    }
  }

  private static boolean committedToTheEnd(EmbeddedKafkaCluster kafka) throws Exception {
    return io.cloudbridge.testkit.connect.ConsumerGroups.committedToTheEnd(kafka.bootstrapServers(), "connect-wide",
        "wide", PARTITIONS, c -> true);
  }

  private static long endOffsetsTotal(EmbeddedKafkaCluster kafka) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < PARTITIONS; p++) {
        latest.put(new TopicPartition("wide", p), org.apache.kafka.clients.admin.OffsetSpec.latest());
      }
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }

  /** Every n in the objects; fails on a duplicate. */
  private static Set<Long> written(GcsStandIn gcs) throws Exception {
    Set<Long> seen = new HashSet<>();
    for (String name : gcs.objectNames("lake")) {
      if (!name.startsWith("wide/")) {
        continue;
      }
      byte[] bytes = gcs.objectBytes("lake", name);
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(bytes),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          long n = JSON.readTree(line).get("n").asLong();
          if (!seen.add(n)) {
            throw new AssertionError("record " + n + " written twice (again in " + name + ")");
          }
        }
      }
    }
    return seen;
  }
}
