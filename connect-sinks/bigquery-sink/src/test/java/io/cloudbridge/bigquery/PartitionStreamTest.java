package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transitions of one exactly-once partition ({@link PartitionStream}: ACTIVE, RECOVERING, HOLD) against the
 * Storage Write stand-in through the real client, with the Connect side recorded: what it rewinds, pauses, commits.
 */
class PartitionStreamTest {

  private static final TopicPartition TP = new TopicPartition("orders", 0);
  private static final Schema VALUE = SchemaBuilder.struct().name("shop.Order")
      .field("n", Schema.INT64_SCHEMA).field("item", Schema.STRING_SCHEMA).build();

  private BigQueryStandIn standIn;
  private BigQueryWriteClient client;
  private BigQuerySinkConfig config;
  private TableRows rows;
  private final RecordingContext context = new RecordingContext(TP);
  private final AtomicLong present = new AtomicLong();


  private final PartitionStream.Hooks hooks = new PartitionStream.Hooks() {
    @Override
    public void sent(Batch batch) {}

    @Override
    public void bad(SinkRecord record, DataException error) {
      throw error;
    }

    @Override
    public void tombstone() {}

    @Override
    public void present(long n) {
      present.addAndGet(n);
    }
  };

  @BeforeEach
  void start() {
    standIn = BigQueryStandIn.start();
    standIn.bigQuery().create(DatasetInfo.of("lake"));
    Map<String, String> c = StandInSink.config(standIn, "orders", "lake");
    c.put("bigquery.write.mode", "exactly_once");
    c.put("kafka.bootstrap.servers", "localhost:9");
    // The client's own retries scaled down, so that an outage outlasts them at once.
    c.put("bigquery.retry.max.attempts", "1");
    c.put("bigquery.retry.initial.backoff.ms", "50");
    c.put("bigquery.retry.max.backoff.ms", "100");
    config = new BigQuerySinkConfig(c);
    try {
      client = Clients.write(config);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    rows = new TableRows(TableId.of(BigQueryStandIn.PROJECT, "lake", "orders"), new Tables(Clients.rest(config), config),
        config.addedColumns(), config.decimalType(), config.jsonFields(), () -> { });
  }

  @AfterEach
  void stop() {
    client.close();
    standIn.close();
  }

  private static SinkRecord record(long n) {
    Struct v = new Struct(VALUE).put("n", n).put("item", "ünïcode-" + n);
    return new SinkRecord(TP.topic(), TP.partition(), null, null, VALUE, v, n);
  }

  private static void put(PartitionStream p, long from, long to) {
    p.newPut();
    for (long n = from; n < to; n++) {
      p.add(record(n));
    }
    p.send();
  }

  /** The committable position once every request sent has been answered. */
  private static OffsetAndMetadata settled(PartitionStream p, long offset) {
    await("acknowledged up to " + offset).atMost(Duration.ofSeconds(30)).until(() -> {
      p.complete();
      OffsetAndMetadata at = p.position();
      return at != null && at.offset() == offset;
    });
    return p.position();
  }

  private List<Long> ns() {
    List<Long> out = new ArrayList<>();
    standIn.rows("lake", "orders").forEach(r -> out.add((Long) r.get("n")));
    out.sort(Long::compare);
    return out;
  }

  private static List<Long> range(long from, long to) {
    return java.util.stream.LongStream.range(from, to).boxed().toList();
  }

  /** fresh → HOLD (the new stream is a fact the commit must carry first) → ACTIVE, appending and advancing. */
  private PartitionStream started() {
    PartitionStream p = PartitionStream.fresh(TP, rows, client, config, context, hooks);
    assertThat(p.state()).isEqualTo(PartitionStream.State.ACTIVE);
    p.newPut();
    p.add(record(0));
    assertThat(p.state()).isEqualTo(PartitionStream.State.HOLD);
    assertThat(context.offsets).containsEntry(TP, 0L);
    assertThat(context.commitsRequested).isEqualTo(1);
    OffsetAndMetadata hold = p.position();
    assertThat(hold.offset()).isZero();
    assertThat(SavedPosition.decode(hold.metadata()).row()).isZero();
    assertThat(p.awaitsConfirmation()).isTrue();
    p.confirm(new OffsetAndMetadata(0, "another commit's metadata"));
    assertThat(p.state()).as("only the commit carrying the hold confirms it").isEqualTo(PartitionStream.State.HOLD);
    p.confirm(hold);
    assertThat(p.state()).isEqualTo(PartitionStream.State.ACTIVE);
    return p;
  }

  @Test
  void aFreshPartitionHoldsUntilItsNewStreamIsCommittedThenAppendsAndAdvances() {
    PartitionStream p = started();
    put(p, 0, 25);
    OffsetAndMetadata at = settled(p, 25);
    SavedPosition saved = SavedPosition.decode(at.metadata());
    assertThat(saved.row()).isEqualTo(25);
    assertThat(ns()).isEqualTo(range(0, 25));
    assertThat(standIn.rows("lake", "orders").get(0).get("item")).isNotNull();

    put(p, 20, 30); // delivered again (a stale poll): only 25..29 are new
    settled(p, 30);
    assertThat(ns()).isEqualTo(range(0, 30));
  }

  @Test
  void anOutageRewindsToTheLastAcknowledgedRowPausesAndResumesWritingEachRowOnce() {
    PartitionStream p = started();
    put(p, 0, 10);
    settled(p, 10);

    standIn.writeFaults().outage(Status.Code.UNAVAILABLE);
    put(p, 10, 20);
    await("rewound and paused for the outage").atMost(Duration.ofSeconds(30)).until(() -> {
      p.complete();
      return context.paused.contains(TP);
    });
    assertThat(p.state()).isEqualTo(PartitionStream.State.RECOVERING);
    assertThat(context.offsets).containsEntry(TP, 10L);
    assertThat(context.timeout).as("Connect polls again after the backoff").isPositive();
    assertThat(p.outage().waiting()).isTrue();
    assertThat(p.position().offset()).as("nothing past the acknowledged rows is committable").isEqualTo(10);

    standIn.writeFaults().endOutage();
    await("resumed after the backoff").atMost(Duration.ofSeconds(10)).until(() -> {
      p.newPut();
      return !context.paused.contains(TP);
    });
    put(p, 10, 20);
    settled(p, 20);
    assertThat(p.state()).isEqualTo(PartitionStream.State.ACTIVE);
    assertThat(p.outage().waiting()).as("the wait ended with the first acknowledged request").isFalse();
    assertThat(p.outage().totalWaitedMs(System.currentTimeMillis())).isPositive();
    assertThat(ns()).isEqualTo(range(0, 20));
  }

  @Test
  void aRestoredPartitionRecoversPastRowsTheStreamAlreadyHoldsWithoutWritingThemTwice() {
    PartitionStream first = started();
    put(first, 0, 10);
    OffsetAndMetadata committed = settled(first, 10);
    put(first, 10, 18); // appended, but the task dies before committing them
    settled(first, 18);
    first.close();

    SavedPosition saved = SavedPosition.decode(committed.metadata());
    PartitionStream again = PartitionStream.restored(TP, committed.offset(), saved, rows, client, config, context,
        hooks);
    assertThat(again.state()).isEqualTo(PartitionStream.State.RECOVERING);
    put(again, 10, 25);
    settled(again, 25);
    assertThat(again.state()).isEqualTo(PartitionStream.State.ACTIVE);
    assertThat(present.get()).as("rows 10..17 found in the stream, not written again").isEqualTo(8);
    assertThat(ns()).isEqualTo(range(0, 25));
  }

  /**
   * Someone finalized the partition's stream; the partition finalizes it again to learn its row count, and that
   * reply is lost after BigQuery applied it (the client asks again). It continues in a new stream after a HOLD, and
   * no row is written twice or lost.
   */
  @Test
  void aStreamFinalizedByOthersIsContinuedInANewOneAlsoWhenTheFinalizeReplyIsLost() {
    PartitionStream p = started();
    put(p, 0, 10);
    OffsetAndMetadata at = settled(p, 10);
    String first = SavedPosition.decode(at.metadata()).stream();
    client.finalizeWriteStream(first);
    standIn.writeFaults().loseReplyOfNext("FinalizeWriteStream", 1);
    put(p, 10, 20);
    await("held for the new stream").atMost(Duration.ofSeconds(30)).until(() -> {
      p.complete();
      return p.state() == PartitionStream.State.HOLD;
    });
    assertThat(standIn.writeFaults().injected()).as("the finalize reply lost").isEqualTo(1);
    OffsetAndMetadata hold = p.position();
    SavedPosition moved = SavedPosition.decode(hold.metadata());
    assertThat(moved.stream()).isNotEqualTo(first);
    assertThat(moved.base()).as("rows below 10 are in the first stream").isEqualTo(10);
    p.confirm(hold);
    put(p, hold.offset(), 20);
    settled(p, 20);
    assertThat(ns()).isEqualTo(range(0, 20));
  }

  @Test
  void aReplyLostAfterTheRowsLandedIsAnsweredAlreadyExistsAndCountedNotDoubled() {
    PartitionStream p = started();
    standIn.writeFaults().loseReplyOfNextAppends(1);
    put(p, 0, 12);
    settled(p, 12);
    assertThat(standIn.writeFaults().injected()).isEqualTo(1);
    assertThat(ns()).isEqualTo(range(0, 12));
  }
}
