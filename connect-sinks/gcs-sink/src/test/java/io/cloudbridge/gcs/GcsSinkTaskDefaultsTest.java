package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.Test;

/**
 * A GCS sink task with the default settings (only the bucket set): several partitions whose record counts are no
 * multiple of {@code flush.size} reach GCS, and every offset becomes committable, within the documented time
 * ({@code rotate.schedule.interval.ms}, 10 minutes by default) — read off a wall clock the test moves ahead, through
 * the task's own timer.
 */
class GcsSinkTaskDefaultsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int[] RECORDS = {12_345, 3, 10_001};

  /** A wall clock the test moves. */
  private static final class MovableClock extends Clock {
    private volatile Instant now = Instant.now();

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static final class Context implements SinkTaskContext {
    final Set<TopicPartition> assigned;

    Context(Set<TopicPartition> assigned) {
      this.assigned = assigned;
    }

    @Override
    public Map<String, String> configs() {
      return Map.of();
    }

    @Override
    public void offset(Map<TopicPartition, Long> offsets) {}

    @Override
    public void offset(TopicPartition tp, long offset) {}

    @Override
    public void timeout(long timeoutMs) {}

    @Override
    public Set<TopicPartition> assignment() {
      return assigned;
    }

    @Override
    public void pause(TopicPartition... partitions) {}

    @Override
    public void resume(TopicPartition... partitions) {}

    @Override
    public void requestCommit() {}

    @Override
    public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
      return null;
    }
  }

  @Test
  void withDefaultSettingsEveryRecordOfSeveralPartitionsReachesGcsAndIsCommittableWithinTheSchedule()
      throws Exception {
    try (GcsStandIn gcs = GcsStandIn.inMemory()) {
      gcs.createBucket("lake");
      Map<String, String> props = new HashMap<>();
      props.put("name", "defaults");
      props.put("topics", "clicks");
      props.put("gcs.bucket.name", "lake");
      props.put("gcs.endpoint.override", gcs.url());
      props.put("gcp.credentials.source", "none");
      props.put("gcp.project.id", "p");
      assertThat(new GcsSinkConfig(props).rotateScheduleMillis()).isEqualTo(GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS);
      assertThat(new GcsSinkConfig(props).flushSize()).as("no count is a multiple of it").isEqualTo(10_000);

      List<TopicPartition> tps = List.of(new TopicPartition("clicks", 0), new TopicPartition("clicks", 1),
          new TopicPartition("clicks", 2));
      MovableClock clock = new MovableClock();
      GcsSinkTask task = new GcsSinkTask(clock);
      task.initialize(new Context(Set.copyOf(tps)));
      task.start(props);
      try {
        task.open(tps);
        for (int p = 0; p < tps.size(); p++) {
          List<SinkRecord> batch = new ArrayList<>();
          for (int n = 0; n < RECORDS[p]; n++) {
            batch.add(new SinkRecord("clicks", p, null, null, null, Map.of("p", p, "n", n, "page", "/ünï/" + n), n,
                1_700_000_000_000L + n, org.apache.kafka.common.record.TimestampType.CREATE_TIME));
          }
          task.put(batch);
        }
        Map<TopicPartition, OffsetAndMetadata> early = task.preCommit(Map.of());
        assertThat(early.get(tps.get(1))).as("3 records of partition 1: nothing committable before the schedule")
            .satisfiesAnyOf(o -> assertThat(o).isNull(), o -> assertThat(o.offset()).isZero());

        clock.advance(Duration.ofMillis(GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS));
        await("every offset committable once the schedule passed").atMost(Duration.ofSeconds(60)).until(() -> {
          task.put(List.of());
          Map<TopicPartition, OffsetAndMetadata> c = task.preCommit(Map.of());
          for (int p = 0; p < tps.size(); p++) {
            OffsetAndMetadata o = c.get(tps.get(p));
            if (o == null || o.offset() != RECORDS[p]) {
              return false;
            }
          }
          return true;
        });
      } finally {
        task.stop();
      }

      Map<Integer, List<Integer>> byPartition = new TreeMap<>();
      for (String name : gcs.objectNames("lake")) {
        if (name.startsWith("_cloudbridge/")) {
          continue;
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
            new ByteArrayInputStream(gcs.objectBytes("lake", name)), StandardCharsets.UTF_8))) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            JsonNode r = JSON.readTree(line);
            assertThat(r.get("page").asText()).isEqualTo("/ünï/" + r.get("n").asInt());
            byPartition.computeIfAbsent(r.get("p").asInt(), k -> new ArrayList<>()).add(r.get("n").asInt());
          }
        }
      }
      for (int p = 0; p < tps.size(); p++) {
        assertThat(byPartition.get(p)).as("partition %s: every record once", p)
            .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, RECORDS[p]).boxed().toList());
      }
    }
  }
}
