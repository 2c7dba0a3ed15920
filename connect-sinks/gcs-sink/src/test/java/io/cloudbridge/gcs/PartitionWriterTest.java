package io.cloudbridge.gcs;

import io.cloudbridge.staging.ObjectUpload;
import io.cloudbridge.staging.Uploads;
import io.cloudbridge.staging.RetryCounting;
import io.cloudbridge.staging.StorageClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.storage.Storage;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exactly-once rules of a partition's objects, against the GCS stand-in through the real client: whatever
 * point a writer stops at (between groups, between a marker and its objects, inside a group) and wherever reading
 * starts again (the committed offset, an earlier one, the middle of a group), every offset ends up in exactly one
 * object, once.
 */
class PartitionWriterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TopicPartition TP = new TopicPartition("actions", 3);
  private static final String[] TYPES = {"click", "view", "click", "buy", "view", "click", "view"};

  private GcsStandIn gcs;
  private Storage storage;
  private GcsSinkConfig config;
  private final List<String> finalized = new ArrayList<>();
  private Runnable onFinalized = () -> { };
  private final Uploads uploads = new Uploads(2, 64L << 20, "test");

  @BeforeEach
  void start() {
    gcs = GcsStandIn.inMemory();
    gcs.createBucket("lake");
    Map<String, String> props = new HashMap<>();
    props.put("gcs.bucket.name", "lake");
    props.put("gcs.endpoint.override", gcs.url());
    props.put("gcp.credentials.source", "none");
    props.put("gcp.project.id", "p");
    props.put("gcs.retry.max.attempts", "1");
    props.put("flush.size", "4");
    props.put("file.name.template", "type={{value.type}}/{{topic}}+{{partition}}+{{start_offset}}");
    config = new GcsSinkConfig(props);
    storage = StorageClient.create(config.gcp(), config.endpoint(), config.retrySettings(), new RetryCounting());
  }

  private void useTemplate(String template) {
    Map<String, Object> props = new HashMap<>(config.originals());
    props.put("file.name.template", template);
    config = new GcsSinkConfig(props);
  }

  @AfterEach
  void stop() throws Exception {
    uploads.close();
    storage.close();
    gcs.close();
  }

  private PartitionWriter writer() {
    OutputFormat format = config.outputFormat();
    return new PartitionWriter(TP, config, storage, new ObjectNamer(config, format.extension()), format,
        new GroupMarkers(storage, "lake", "_cloudbridge/test/"), "test", uploads, new PartitionWriter.Listener() {
          @Override
          public void finalized(ObjectUpload<SinkRecord> upload) {
            finalized.add(upload.name());
            onFinalized.run();
          }

          @Override
          public void skipped(long records) {
          }
        });
  }

  private static SinkRecord record(long offset) {
    Map<String, Object> value = Map.of("type", TYPES[(int) (offset % TYPES.length)], "n", offset);
    return new SinkRecord(TP.topic(), TP.partition(), null, null, null, value, offset, 1_700_000_000_000L + offset,
        TimestampType.CREATE_TIME);
  }

  /** Ends the open group and waits for its objects to be finalized. */
  private static void end(PartitionWriter w) throws Exception {
    w.endGroup();
    w.completeEnded(true);
  }

  private static void write(PartitionWriter w, long from, long to) throws Exception {
    for (long o = from; o <= to; o++) {
      w.write(record(o));
    }
  }

  /** Every offset in the data objects, in object-name order; asserts each record is in the object its type names. */
  private List<Long> offsetsInObjects() throws Exception {
    List<Long> out = new ArrayList<>();
    for (String name : gcs.objectNames("lake")) {
      if (name.startsWith("_cloudbridge/")) {
        continue;
      }
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(
          new ByteArrayInputStream(gcs.objectBytes("lake", name)), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          JsonNode n = JSON.readTree(line);
          assertThat(name).startsWith("type=" + n.get("type").asText() + "/actions+3+");
          out.add(n.get("n").asLong());
        }
      }
    }
    return out;
  }

  @Test
  void groupsEndTogetherAndTheCommittedOffsetIsTheOpenGroupsStart() throws Exception {
    PartitionWriter w = writer();
    write(w, 0, 9);
    // "click" (offsets 0, 2, 5, 7) fills first at offset 7: the whole group 0..7 is finalized together, by the
    // upload threads; until it is, the committable offset stays at the group's start.
    assertThat(w.committable()).isIn(0L, 8L);
    w.completeEnded(true);
    assertThat(finalized).containsExactlyInAnyOrder("type=click/actions+3+0.jsonl", "type=view/actions+3+1.jsonl",
        "type=buy/actions+3+3.jsonl");
    assertThat(w.committable()).isEqualTo(8);
    assertThat(w.openObjects()).isEqualTo(2);
    assertThat(offsetsInObjects()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 7).boxed().toList());
    assertThat(new String(gcs.objectBytes("lake", "_cloudbridge/test/actions/3/00000000000000000000.json"),
        StandardCharsets.UTF_8)).contains("\"start\":0").contains("\"end\":7");
  }

  @Test
  void readingAgainFromBeforeWhatWasFinalizedWritesNothingTwice() throws Exception {
    PartitionWriter first = writer();
    write(first, 0, 30);
    first.abandon(); // a crash before Kafka committed any offset: everything is read again from 0

    PartitionWriter again = writer();
    write(again, 0, 45);
    end(again);
    assertThat(offsetsInObjects()).hasSize(46)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 45).boxed().toList());
  }

  @Test
  void aStopBetweenTheMarkerAndTheLastObjectIsRepairedOnTheNextRead() throws Exception {
    PartitionWriter first = writer();
    // The first group (0..7, three objects) gets its marker; one of its three uploads then fails, as a crash would
    // leave it: two objects exist, one does not.
    gcs.faults().failNext(1, "PUT", "upload_id", 503);
    assertThatThrownBy(() -> {
      write(first, 0, 10);
      first.completeEnded(true);
    }).hasMessageContaining("503").hasMessageContaining("Finalizing gs://lake/type=");
    long committed = first.committable();
    assertThat(committed).isEqualTo(0);
    // The upload threads finalize the group's objects side by side: the failure is reported while the other two
    // may still be finishing, as they would after a crash. Wait for them rather than race them.
    await("the group's two other objects").atMost(java.time.Duration.ofSeconds(30))
        .until(() -> gcs.objectNames("lake").stream().filter(n -> !n.startsWith("_cloudbridge/")).count() >= 2);
    assertThat(gcs.objectNames("lake")).filteredOn(n -> !n.startsWith("_cloudbridge/")).hasSize(2);
    assertThat(gcs.objectNames("lake")).contains("_cloudbridge/test/actions/3/00000000000000000000.json");
    first.abandon();

    PartitionWriter again = writer();
    write(again, committed, 20);
    end(again);
    assertThat(offsetsInObjects()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 20).boxed().toList());
  }

  @Test
  void anOffsetResetIntoTheMiddleOfAGroupSkipsWhatThatGroupHolds() throws Exception {
    PartitionWriter first = writer();
    write(first, 0, 25);
    end(first);
    long end = first.committable();
    assertThat(end).isEqualTo(26);

    PartitionWriter reset = writer();
    write(reset, 5, 35); // an operator moved the offsets back to 5, inside the first group
    end(reset);
    assertThat(offsetsInObjects()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 35).boxed().toList());
  }

  @Test
  void namesWithTheEndOffsetAreWrittenOnceAlsoWhenACrashComesBeforeTheyGetThem() throws Exception {
    useTemplate("type={{value.type}}/{{topic}}+{{partition}}+{{start_offset}}-{{end_offset}}");
    PartitionWriter first = writer();
    // The first object of the first group gets its name; copying the next one to its name fails, as a crash would.
    onFinalized = () -> {
      onFinalized = () -> { };
      gcs.faults().failNext(1, "POST", "rewriteTo", 503);
    };
    assertThatThrownBy(() -> {
      write(first, 0, 10);
      first.completeEnded(true);
    }).hasMessageContaining("Injected fault");
    assertThat(first.committable()).isEqualTo(0);

    onFinalized = () -> { };
    PartitionWriter again = writer();
    write(again, 0, 20);
    end(again);
    assertThat(offsetsInObjects()).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 20).boxed().toList());
    java.util.regex.Pattern named = java.util.regex.Pattern.compile("type=\\w+/actions\\+3\\+(\\d+)-(\\d+)\\.jsonl");
    for (String name : gcs.objectNames("lake")) {
      assertThat(name).doesNotContain("~pending"); // every object written under its own name was deleted
      if (name.startsWith("_cloudbridge/")) {
        continue;
      }
      java.util.regex.Matcher m = named.matcher(name);
      assertThat(m.matches()).as(name).isTrue();
      String[] lines = new String(gcs.objectBytes("lake", name), StandardCharsets.UTF_8).split("\n");
      assertThat(JSON.readTree(lines[0]).get("n").asLong()).as(name).isEqualTo(Long.parseLong(m.group(1)));
      assertThat(JSON.readTree(lines[lines.length - 1]).get("n").asLong()).as(name)
          .isEqualTo(Long.parseLong(m.group(2)));
      assertThat(gcs.client().get("lake", name).getMetadata()).containsEntry("kafka-end-offset", m.group(2));
    }
    assertThat(gcs.objectNames("lake")).contains("type=click/actions+3+0-7.jsonl", "type=view/actions+3+1-6.jsonl");
  }

  @Test
  void a412OnAChunkBeforeTheLastMeansTheObjectExistsAndIsKeptLikeOneOnTheLast() throws Exception {
    Map<String, Object> props = new HashMap<>(config.originals());
    props.put("file.name.template", "{{topic}}+{{partition}}+{{start_offset}}");
    props.put("gcs.upload.chunk.bytes", Integer.toString(256 * 1024));
    config = new GcsSinkConfig(props);
    // Another writer of the same group wrote the object first (a replay racing a zombie task, say).
    byte[] theirs = "{\"n\":0,\"by\":\"the other writer\"}\n".getBytes(StandardCharsets.UTF_8);
    storage.create(com.google.cloud.storage.BlobInfo.newBuilder("lake", "actions+3+0.jsonl").build(), theirs);
    // Our upload's first chunk (of several: 4 records of 200 KB) is answered 412, which the client's write channel
    // wraps in an IOException, unlike the last chunk's StorageException.
    gcs.faults().failNext(1, "PUT", "upload_id", 412);
    PartitionWriter w = writer();
    String pad = "x".repeat(200_000);
    for (long o = 0; o < 4; o++) {
      w.write(new SinkRecord(TP.topic(), TP.partition(), null, null, null, Map.of("n", o, "pad", pad), o,
          1_700_000_000_000L + o, TimestampType.CREATE_TIME));
    }
    w.completeEnded(true);
    assertThat(w.committable()).isEqualTo(4);
    assertThat(gcs.objectBytes("lake", "actions+3+0.jsonl")).isEqualTo(theirs);
    assertThat(gcs.faults().injected()).isEqualTo(1);
  }

  @Test
  void withDefaultSettingsTheLastRecordsOfAPartitionReachGcsWithinTheDocumentedTime() throws Exception {
    Map<String, Object> props = new HashMap<>(config.originals());
    props.remove("flush.size"); // the defaults: flush.size 10,000 and the 10-minute schedule
    config = new GcsSinkConfig(props);
    assertThat(config.rotateScheduleMillis()).isEqualTo(GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS).isPositive();
    PartitionWriter w = writer();
    write(w, 0, 12_344); // no multiple of flush.size: without the schedule these would wait for more records
    long opened = w.groupOpenedAt();
    assertThat(w.endIfScheduled(opened + GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS - 1)).isFalse();
    assertThat(w.endIfScheduled(opened + GcsSinkConfig.DEFAULT_ROTATE_SCHEDULE_MS)).isTrue();
    w.completeEnded(true);
    assertThat(w.committable()).isEqualTo(12_345);
    assertThat(offsetsInObjects()).hasSize(12_345).doesNotHaveDuplicates();
  }

  @Test
  void repliesLostAfterGcsAppliedEachCallLeaveEveryOffsetInOneObjectOnce() throws Exception {
    Map<String, Object> props = new HashMap<>(config.originals());
    props.put("file.name.template", "type={{value.type}}/{{topic}}+{{partition}}+{{start_offset}}-{{end_offset}}");
    props.put("gcs.retry.max.attempts", "4"); // the client's retry meets its own write
    props.put("gcs.retry.initial.backoff.ms", "10");
    props.put("gcs.retry.max.backoff.ms", "50");
    config = new GcsSinkConfig(props);
    storage.close();
    storage = StorageClient.create(config.gcp(), config.endpoint(), config.retrySettings(), new RetryCounting());
    // Every kind of call the writer makes is applied by GCS, then its reply is lost: an upload chunk, the marker
    // (created only if absent), the copy to the final name (only if absent), the delete of the first name and the
    // metadata update.
    gcs.faults().applyThenDropNext(1, "PUT", "upload_id")
        .applyThenFailNext(1, "POST", "uploadType=multipart", 503)
        .applyThenDropNext(1, "POST", "rewriteTo")
        .applyThenFailNext(1, "DELETE", "", 503)
        .applyThenFailNext(1, "PATCH", "", 503);
    PartitionWriter w = writer();
    write(w, 0, 20);
    end(w);
    assertThat(w.committable()).isEqualTo(21);
    assertThat(gcs.faults().injected()).isGreaterThanOrEqualTo(4);
    assertThat(offsetsInObjects()).hasSize(21)
        .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(0, 20).boxed().toList());
    assertThat(gcs.objectNames("lake")).noneMatch(n -> n.contains("~pending"));
  }
}
