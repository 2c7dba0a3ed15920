package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transitions {@link ExactlyOnce} owns, against a real broker and the Storage Write stand-in: a partition's first
 * stream held until Kafka has the commit carrying it; positions handed to Connect's commit; a restart resuming from
 * the saved position; an offsets reset answered from the {@code <group>.bigquery-written} group. Connect's commit is
 * played by an admin client committing exactly what {@code preCommit} returned.
 */
class ExactlyOnceTest {

  private static final TopicPartition TP = new TopicPartition("payments", 0);
  private static final Schema VALUE = SchemaBuilder.struct().name("shop.Payment")
      .field("n", Schema.INT64_SCHEMA).field("amount", Schema.FLOAT64_SCHEMA).build();
  private static final String GROUP = "connect-payments-bq";

  private static EmbeddedKafkaCluster kafka;
  private static BigQueryStandIn standIn;
  private static Admin admin;

  private final AtomicLong present = new AtomicLong();

  @BeforeAll
  static void start() {
    kafka = new EmbeddedKafkaCluster(1, new Properties());
    kafka.start();
    kafka.createTopic(TP.topic(), 1);
    standIn = BigQueryStandIn.start();
    standIn.bigQuery().create(DatasetInfo.of("lake"));
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterAll
  static void stop() {
    admin.close();
    standIn.close();
    kafka.stop();
  }


  /** One task's exactly-once mode, as the task builds it, with its clients. */
  private final class Task implements AutoCloseable {
    final RecordingContext context = new RecordingContext(TP);
    final BigQuerySinkConfig config;
    final BigQueryWriteClient client;
    final ExactlyOnce eos;

    Task() throws Exception {
      Map<String, String> c = StandInSink.config(standIn, TP.topic(), "lake");
      c.put("name", "payments-bq");
      c.put("bigquery.write.mode", "exactly_once");
      c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
      config = new BigQuerySinkConfig(c);
      client = Clients.write(config);
      TableRows rows = new TableRows(TableId.of(BigQueryStandIn.PROJECT, "lake", "payments"),
          new Tables(Clients.rest(config), config), config.addedColumns(), config.decimalType(), config.jsonFields(),
          () -> { });
      eos = new ExactlyOnce(config, client, context, topic -> rows, new PartitionStream.Hooks() {
        @Override
        public void sent(Batch batch) {}

        @Override
        public void bad(SinkRecord record, DataException error) {
          throw error;
        }

        @Override
        public void tombstone() {}

        @Override
        public void present(long rows) {
          present.addAndGet(rows);
        }
      });
      eos.open(List.of(TP));
    }

    /** A put of records {@code from} to {@code to} - 1, as Connect delivers them. */
    void put(long from, long to) {
      List<SinkRecord> records = new ArrayList<>();
      for (long n = from; n < to; n++) {
        records.add(new SinkRecord(TP.topic(), TP.partition(), null, null, VALUE,
            new Struct(VALUE).put("n", n).put("amount", n % 2 == 0 ? 5000.0 : 5000.5), n));
      }
      eos.put(records);
    }

    /** Connect's commit: what preCommit returns is committed to the group, metadata and all. */
    Map<TopicPartition, OffsetAndMetadata> commit() throws Exception {
      Map<TopicPartition, OffsetAndMetadata> offsets = eos.preCommit();
      if (!offsets.isEmpty()) {
        admin.alterConsumerGroupOffsets(GROUP, offsets).all().get(30, TimeUnit.SECONDS);
      }
      return offsets;
    }

    @Override
    public void close() {
      eos.close(List.of(TP));
      eos.close();
      client.close();
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> group(String group) throws Exception {
    return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
  }

  private static List<Long> ns() {
    List<Long> out = new ArrayList<>();
    standIn.rows("lake", "payments").forEach(r -> out.add((Long) r.get("n")));
    out.sort(Long::compare);
    return out;
  }

  /** Puts what Connect would redeliver after a rewind, and commits, until the committed offset reaches {@code to}. */
  private static void writeThrough(Task t, long to) throws Exception {
    await("committed through " + to).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
      Long rewound = t.context.offsets.remove(TP);
      OffsetAndMetadata at = group(GROUP).get(TP);
      long from = rewound != null ? rewound : at == null ? 0 : at.offset();
      t.put(from, to);
      Map<TopicPartition, OffsetAndMetadata> committed = t.commit();
      return committed.containsKey(TP) && committed.get(TP).offset() == to;
    });
  }

  @Test
  void aStreamIsHeldUntilKafkaHasItThenResumedAfterARestartAndAResetReplaysNothingTwice() throws Exception {
    // 1. A fresh partition: the first record creates the stream, which must be in a commit before any row.
    try (Task t = new Task()) {
      t.put(0, 10);
      assertThat(t.context.commitsRequested).as("asks Connect to commit the new stream").isEqualTo(1);
      assertThat(t.context.offsets).as("rewound to re-read from the held offset").containsEntry(TP, 0L);
      Map<TopicPartition, OffsetAndMetadata> hold = t.commit();
      SavedPosition held = SavedPosition.decode(hold.get(TP).metadata());
      assertThat(hold.get(TP).offset()).isZero();
      assertThat(held.row()).isZero();
      assertThat(ns()).as("nothing written while held").isEmpty();

      writeThrough(t, 10);
      assertThat(ns()).isEqualTo(java.util.stream.LongStream.range(0, 10).boxed().toList());
      SavedPosition saved = SavedPosition.decode(group(GROUP).get(TP).metadata());
      assertThat(saved.stream()).isEqualTo(held.stream());
      assertThat(saved.row()).isEqualTo(10);
      assertThat(group(GROUP + ".bigquery-written").get(TP).offset()).as("kept for a reset").isEqualTo(10);

      t.put(10, 14); // appended, never committed: the task "dies" here
      await("appended").atMost(Duration.ofSeconds(30)).until(() -> ns().size() == 14);
    }

    // 2. A restart resumes at the saved position; rows the stream has past it are found, not written again.
    try (Task t = new Task()) {
      writeThrough(t, 20);
      assertThat(present.get()).as("rows 10..13 found in the stream").isEqualTo(4);
      assertThat(ns()).isEqualTo(java.util.stream.LongStream.range(0, 20).boxed().toList());
    }

    // 3. An operator resets the connector's offsets: the replay skips what the written group says is in the table.
    admin.deleteConsumerGroupOffsets(GROUP, Set.of(TP)).all().get(30, TimeUnit.SECONDS);
    present.set(0);
    try (Task t = new Task()) {
      writeThrough(t, 25);
      assertThat(present.get()).as("records 0..19 skipped as present").isEqualTo(20);
      assertThat(ns()).as("each record once").isEqualTo(java.util.stream.LongStream.range(0, 25).boxed().toList());
      assertThat(group(GROUP + ".bigquery-written").get(TP).offset()).isEqualTo(25);
    }
  }
}
