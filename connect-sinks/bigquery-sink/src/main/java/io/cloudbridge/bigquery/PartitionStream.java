package io.cloudbridge.bigquery;

import io.cloudbridge.common.retry.ServiceWait;
import com.google.api.core.ApiFuture;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.protobuf.ByteString;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once rows of one Kafka partition: its records become rows of an application-created COMMITTED stream,
 * each at a row offset that follows from the saved position (see {@link SavedPosition}), so a record written again
 * after a crash lands on a row offset BigQuery already holds and is refused (ALREADY_EXISTS) instead of doubled.
 *
 * <p>States: ACTIVE appends without waiting (pipelined); RECOVERING (after a restore or a rewind) waits for each
 * request, because the stream may already hold rows past the saved position; HOLD writes nothing until the Kafka
 * commit carrying a new fact (a new stream, a refused record) is confirmed, so that a crash never loses that fact.
 * Whenever the stream and the task disagree, the partition is rewound to the last row BigQuery acknowledged.
 */
final class PartitionStream {

  private static final Logger log = LoggerFactory.getLogger(PartitionStream.class);

  enum State { ACTIVE, RECOVERING, HOLD }

  /** What the task does with records that make no row, and with requests sent. */
  interface Hooks {
    void sent(Batch batch);

    /** A record the table cannot take (or BigQuery refused): to the errant-record reporter, or fail. */
    void bad(SinkRecord record, DataException error);

    void tombstone();

    /** Rows found already in BigQuery (written before a crash or a retry), not written again. */
    void present(long rows);
  }

  /** One request sent (its records and rows), the logical row of the first, and the stream it went to. */
  private record Pending(Batch batch, long firstRow, String stream, long base) {
    ApiFuture<AppendRowsResponse> answer() {
      return batch.answer();
    }

    List<ByteString> rows() {
      return batch.rows();
    }

    long endRow() {
      return firstRow + batch.rows().size();
    }
  }

  private final TopicPartition tp;
  private final TableRows rowsOf;
  private final BigQueryWriteClient client;
  private final BigQuerySinkConfig config;
  private final SinkTaskContext context;
  private final Hooks hooks;

  private String stream;
  private long base;
  private long nextRow;
  private long nextKafka = -1;
  /** Logical rows below it are known to be in BigQuery already. */
  private long presentBelow;
  private final TreeSet<Long> refused = new TreeSet<>();
  private State state;
  private State afterHold;
  private long holdOffset;
  private String holdMetadata;
  private boolean holdOffered;
  /** The partition was rewound: the rest of the records of the current put are stale. */
  private boolean rewound;
  /** The next record must be {@code nextKafka} (after a restore or rewind); another one means a stale poll. */
  private boolean expectExact;
  private long mismatch = -1;
  /** Waiting for new columns to reach Storage Write, and paused until when (0: not). */
  private final ServiceWait schemaWait;
  /** BigQuery failing for an outage (see {@link Outages}): since when, the backoff and the budget. */
  private final ServiceWait outage;
  private long pausedUntil;

  private StreamWriter writer;
  private RowEncoder current;
  private ProtoRows.Builder open = ProtoRows.newBuilder();
  private List<SinkRecord> openRecords = new ArrayList<>();
  private List<ByteString> openRows = new ArrayList<>();
  private long openBytes;
  private long openFirstRow;
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();

  private PartitionStream(TopicPartition tp, TableRows rowsOf, BigQueryWriteClient client,
      BigQuerySinkConfig config, SinkTaskContext context, Hooks hooks) {
    this.tp = tp;
    this.rowsOf = rowsOf;
    this.client = client;
    this.config = config;
    this.context = context;
    this.hooks = hooks;
    this.schemaWait = new ServiceWait(config.schemaUpdateTimeoutMs());
    this.outage = new ServiceWait(config.outageTimeoutMs());
  }

  /** A partition with no saved position: its stream is created when its first row comes. */
  static PartitionStream fresh(TopicPartition tp, TableRows rowsOf, BigQueryWriteClient client,
      BigQuerySinkConfig config, SinkTaskContext context, Hooks hooks) {
    PartitionStream p = new PartitionStream(tp, rowsOf, client, config, context, hooks);
    p.state = State.ACTIVE;
    return p;
  }

  /** A partition resuming at a saved position: the stream may hold rows past it, so it starts RECOVERING. */
  static PartitionStream restored(TopicPartition tp, long offset, SavedPosition saved, TableRows rowsOf,
      BigQueryWriteClient client, BigQuerySinkConfig config, SinkTaskContext context, Hooks hooks) {
    PartitionStream p = new PartitionStream(tp, rowsOf, client, config, context, hooks);
    p.stream = saved.stream();
    p.base = saved.base();
    p.nextRow = saved.row();
    p.nextKafka = offset;
    p.presentBelow = saved.base();
    p.refused.addAll(saved.refused());
    p.state = State.RECOVERING;
    p.expectExact = true;
    return p;
  }

  State state() {
    return state;
  }

  /** A new put begins: records from now on were polled after any rewind. */
  void newPut() {
    rewound = false;
    resumeIfDue();
  }

  /** Ends a pause for new columns once its backoff passed: the rewound records come again. */
  void resumeIfDue() {
    if (pausedUntil > 0 && System.currentTimeMillis() >= pausedUntil) {
      pausedUntil = 0;
      context.resume(tp);
    }
  }

  void add(SinkRecord r) {
    if (state == State.HOLD && !rewound) {
      context.offset(tp, holdOffset); // keeps re-reading from the hold, so puts keep coming while it waits
      rewound = true;
    }
    if (rewound || state == State.HOLD || r.kafkaOffset() < nextKafka) {
      return; // stale: polled before a rewind, or delivered again
    }
    if (expectExact && r.kafkaOffset() != nextKafka) {
      if (r.kafkaOffset() != mismatch) {
        mismatch = r.kafkaOffset(); // polled before the rewind took effect: rewind once more
        context.offset(tp, nextKafka);
        rewound = true;
        return;
      }
      log.warn("{}: offsets {}..{} are missing from the partition (compacted or deleted); rows are numbered on",
          tp, nextKafka, r.kafkaOffset() - 1);
    }
    expectExact = false;
    long rowBefore = nextRow;
    try {
      write(r);
    } catch (RuntimeException failed) {
      if (failed instanceof DataException || !Outages.isOutage(failed)) {
        throw failed;
      }
      // Changing the table or creating the stream failed for an outage: this record comes again after the wait.
      nextKafka = r.kafkaOffset();
      nextRow = rowBefore;
      waitAndRewind(outage, failed, ServiceWait.OUTAGE_TIMEOUT, config.outageTimeoutMs(),
          "could not be changed or written for an outage of BigQuery", "an outage of BigQuery");
    }
  }

  private void write(SinkRecord r) {
    nextKafka = r.kafkaOffset() + 1;
    if (refused.contains(r.kafkaOffset())) {
      return; // BigQuery refused its row before; it went to the dead-letter topic then
    }
    if (r.value() == null) {
      hooks.tombstone();
      return;
    }
    RowEncoder encoder;
    ByteString row;
    try {
      TableRows.Row made = rowsOf.row(r);
      encoder = made.encoder();
      row = made.bytes();
    } catch (DataException bad) {
      hooks.bad(r, bad);
      return;
    }
    if (stream == null) {
      stream = create();
      base = 0;
      nextRow = 0;
      presentBelow = 0;
      nextKafka = r.kafkaOffset();
      hold(r.kafkaOffset(), 0, State.ACTIVE);
      return;
    }
    long logical = nextRow++;
    if (logical < presentBelow) {
      hooks.present(1);
      return;
    }
    if (encoder != current) {
      send();
      if (rewound) {
        return;
      }
      if (writer != null) {
        writer.close();
      }
      writer = TableWriter.openWriter(stream, encoder.protoSchema(), client, config);
      current = encoder;
    }
    if (!openRecords.isEmpty() && openBytes + row.size() > config.requestBytes()) {
      send();
      if (rewound) {
        return;
      }
    }
    if (openRecords.isEmpty()) {
      openFirstRow = logical;
    }
    open.addSerializedRows(row);
    openRows.add(row);
    openRecords.add(r);
    openBytes += row.size();
  }

  /** Sends the open request; while RECOVERING, waits for its answer and settles it. */
  void send() {
    if (openRecords.isEmpty()) {
      return;
    }
    Pending p = append(openRecords, openRows, open.build(), openFirstRow, openBytes);
    open = ProtoRows.newBuilder();
    openRecords = new ArrayList<>();
    openRows = new ArrayList<>();
    openBytes = 0;
    if (state == State.RECOVERING) {
      await(p);
      complete();
    }
  }

  private Pending append(List<SinkRecord> records, List<ByteString> rows, ProtoRows proto, long firstRow,
      long bytes) {
    Batch batch = new Batch(rowsOf.name(), records, rows, current.protoSchema(), bytes,
        writer.append(proto, firstRow - base));
    Pending p = new Pending(batch, firstRow, stream, base);
    inFlight.add(p);
    hooks.sent(batch);
    return p;
  }

  /** Settles the answered requests in order; a disagreement with the stream rewinds the partition. */
  void complete() {
    while (!inFlight.isEmpty() && inFlight.peek().answer().isDone()) {
      Pending p = inFlight.peek();
      Throwable failure = failureOf(p);
      if (failure == null) {
        inFlight.poll();
        if (state == State.RECOVERING) {
          state = State.ACTIVE;
        }
        if (schemaWait.waiting()) {
          log.info("{}: the table's new columns reached Storage Write after {} ms", tp,
              schemaWait.waitedMs(System.currentTimeMillis()));
          schemaWait.end(System.currentTimeMillis());
        }
        if (outage.waiting()) {
          log.info("{}: BigQuery takes appends again after {} ms", tp, outage.waitedMs(System.currentTimeMillis()));
          outage.end(System.currentTimeMillis());
        }
        continue;
      }
      settleFailure(p, failure);
      if (rewound) {
        return;
      }
    }
  }

  private void settleFailure(Pending p, Throwable failure) {
    if (failure instanceof Exceptions.OffsetAlreadyExists e) {
      long end = e.getExpectedOffset() + p.base();
      if (end > presentBelow) {
        log.info("{}: stream {} already holds rows up to offset {} (written before a crash or by a retry); they"
            + " are not written again", tp, p.stream(), e.getExpectedOffset());
      }
      presentBelow = Math.max(presentBelow, end); // all rows below the stream's end are in it
      if (end >= p.endRow()) {
        inFlight.poll(); // every row of it is there already (written before a crash, or by a retry)
        hooks.present(p.rows().size());
        return;
      }
      if (state == State.RECOVERING && end > p.firstRow()) {
        inFlight.poll();
        int have = (int) (end - p.firstRow());
        hooks.present(have);
        List<SinkRecord> records = p.batch().records().subList(have, p.rows().size());
        List<ByteString> rows = p.rows().subList(have, p.rows().size());
        ProtoRows.Builder proto = ProtoRows.newBuilder().addAllSerializedRows(rows);
        long bytes = 0;
        for (ByteString b : rows) {
          bytes += b.size();
        }
        await(append(new ArrayList<>(records), new ArrayList<>(rows), proto.build(), end, bytes));
        return; // the loop in complete() settles it
      }
      rewind(State.RECOVERING, "the stream holds rows up to offset " + e.getExpectedOffset()
          + ", inside " + p.batch().describe());
      return;
    }
    if (failure instanceof Exceptions.OffsetOutOfRange e) {
      if (state == State.RECOVERING) {
        throw new ConnectException("Stream " + p.stream() + " of " + tp + " holds fewer rows ("
            + e.getExpectedOffset() + ") than the position saved with the committed offset says ("
            + (p.firstRow() - p.base()) + "); were the partition's committed offsets changed by hand?", failure);
      }
      rewind(State.RECOVERING, "a request before " + p.batch().describe() + " was not appended");
      return;
    }
    if (failure instanceof Exceptions.StreamFinalizedException) {
      long rows = client.finalizeWriteStream(p.stream()).getRowCount();
      log.warn("{}: stream {} was finalized with {} rows; continuing in a new stream", tp, p.stream(), rows);
      newStream(p.base() + rows);
      return;
    }
    if (failure instanceof Exceptions.StreamNotFound) {
      long from = p.firstRow();
      log.warn("{}: stream {} no longer exists (idle streams expire after 3 days); continuing in a new stream from"
          + " row {}. Rows appended after the last acknowledged one, if any, may be written twice", tp, p.stream(),
          from);
      newStream(from);
      return;
    }
    if (failure instanceof Exceptions.SchemaMismatchedException) {
      // The table has the rows' new columns, but a schema change reaches Storage Write only after minutes.
      waitAndRewind(schemaWait, failure, BigQuerySinkConfig.SCHEMA_UPDATE_TIMEOUT, config.schemaUpdateTimeoutMs(),
          "did not take the records' new columns in Storage Write appends",
          "the table's new columns have not reached Storage Write yet");
      return;
    }
    if (Outages.isOutage(failure)) {
      waitAndRewind(outage, failure, ServiceWait.OUTAGE_TIMEOUT, config.outageTimeoutMs(),
          "kept failing for an outage of BigQuery", "an outage of BigQuery");
      return;
    }
    if (failure instanceof Exceptions.AppendSerializationError rows && !rows.getRowIndexToErrorMessage().isEmpty()
        && rows.getRowIndexToErrorMessage().values().stream().allMatch(m -> rowsOf.tables().awaitsRelaxation(
            rowsOf.name(), m, config.schemaUpdateTimeoutMs()))) {
      // A column this task relaxed is still REQUIRED for Storage Write (the change has not reached it yet).
      waitAndRewind(schemaWait, failure, BigQuerySinkConfig.SCHEMA_UPDATE_TIMEOUT, config.schemaUpdateTimeoutMs(),
          "did not take rows without the columns relaxed to NULLABLE",
          "a column relaxed to NULLABLE has not reached Storage Write yet");
      return;
    }
    if (failure instanceof Exceptions.AppendSerializationError rows) {
      rows.getRowIndexToErrorMessage().forEach((index, message) -> {
        SinkRecord r = p.batch().records().get(index);
        refused.add(r.kafkaOffset());
        hooks.bad(r, new DataException(TableRows.describe(r) + ": BigQuery refused its row: " + message));
      });
      if (refused.size() > 200) {
        throw new ConnectException(tp + ": more than 200 refused rows wait for their offsets to be committed");
      }
      rewind(State.HOLD, "BigQuery refused " + rows.getRowIndexToErrorMessage().size() + " rows of "
          + p.batch().describe());
      return;
    }
    throw new ConnectException("Appending " + p.batch().describe() + " failed after the retries: "
        + failure.getMessage(), failure);
  }

  /**
   * BigQuery cannot take the rows yet (new columns on their way to Storage Write, or an outage): rewind to the last
   * acknowledged row, pause the partition for a backoff (1 s doubling to 30 s), then the records come again and are
   * sent at the offsets they had, so rows that landed meanwhile are answered ALREADY_EXISTS and not written twice.
   * Past {@code budgetMs} the task fails naming the table and the cause.
   */
  private void waitAndRewind(ServiceWait wait, Throwable failure, String setting, long budgetMs, String failText,
      String why) {
    long now = System.currentTimeMillis();
    wait.start(now, failure);
    if (wait.expired(now)) {
      throw new ConnectException(tp + ": table " + rowsOf.name() + " " + failText + " for " + wait.waitedMs(now)
          + " ms (" + setting + "=" + budgetMs + "): " + wait.describe(failure), failure);
    }
    long delay = wait.nextDelay();
    rewind(State.RECOVERING, why + " (" + failure.getMessage() + "); again in " + delay + " ms");
    pausedUntil = now + delay;
    context.pause(tp);
    context.timeout(delay); // Connect polls (and calls put) again once the backoff has passed
  }

  /** Time this partition has waited for an outage of BigQuery to end (0 when not waiting). */
  ServiceWait outage() {
    return outage;
  }

  /** Continues in a new stream for logical rows from {@code from}; rows below it are already in BigQuery. */
  private void newStream(long from) {
    long ackedRow = ackedRow();
    long ackedKafka = ackedKafka();
    stream = create();
    base = from;
    presentBelow = Math.max(presentBelow, from);
    rewindTo(ackedKafka, ackedRow, State.HOLD, State.ACTIVE, "a new stream " + stream);
  }

  private void rewind(State next, String why) {
    rewindTo(ackedKafka(), ackedRow(), next, State.RECOVERING, why);
  }

  private void rewindTo(long kafka, long row, State next, State afterHold, String why) {
    log.info("{}: rewinding to offset {} (row {}): {}", tp, kafka, row, why);
    inFlight.clear();
    open = ProtoRows.newBuilder();
    openRecords = new ArrayList<>();
    openRows = new ArrayList<>();
    openBytes = 0;
    closeWriter();
    nextKafka = kafka;
    nextRow = row;
    context.offset(tp, kafka);
    rewound = true;
    expectExact = true;
    state = next;
    if (next == State.HOLD) {
      hold(kafka, row, afterHold);
    }
  }

  /** Writes nothing until the position with the new fact is committed; asks Connect to commit soon. */
  private void hold(long kafka, long row, State then) {
    state = State.HOLD;
    afterHold = then;
    holdOffset = kafka;
    holdMetadata = new SavedPosition(stream, base, row, refused.tailSet(kafka)).encode();
    holdOffered = false;
    context.offset(tp, kafka);
    context.requestCommit();
    rewound = true;
  }

  /** While holding, and the hold's position was handed to a commit: the committed offset to look for. */
  boolean awaitsConfirmation() {
    return state == State.HOLD && holdOffered;
  }

  /** The commit carrying the hold's position is in Kafka: writing resumes. */
  void confirm(OffsetAndMetadata committed) {
    if (state == State.HOLD && committed != null && committed.offset() == holdOffset
        && holdMetadata.equals(committed.metadata())) {
      state = afterHold;
      nextKafka = holdOffset;
      expectExact = true;
    }
  }

  /** The offset to commit for this partition, with the position saved in its metadata; null if none yet. */
  OffsetAndMetadata position() {
    if (state == State.HOLD) {
      holdOffered = true;
      return new OffsetAndMetadata(holdOffset, holdMetadata);
    }
    if (nextKafka < 0) {
      return null;
    }
    long kafka = ackedKafka();
    if (stream == null) {
      return new OffsetAndMetadata(kafka);
    }
    refused.headSet(kafka).clear();
    return new OffsetAndMetadata(kafka, new SavedPosition(stream, base, ackedRow(), refused).encode());
  }

  private long ackedKafka() {
    if (!inFlight.isEmpty()) {
      return inFlight.peek().batch().records().get(0).kafkaOffset();
    }
    return openRecords.isEmpty() ? nextKafka : openRecords.get(0).kafkaOffset();
  }

  private long ackedRow() {
    if (!inFlight.isEmpty()) {
      return inFlight.peek().firstRow();
    }
    return openRecords.isEmpty() ? nextRow : openFirstRow;
  }

  private String create() {
    String table = "projects/" + rowsOf.table().getProject() + "/datasets/" + rowsOf.table().getDataset()
        + "/tables/" + rowsOf.table().getTable();
    WriteStream s = client.createWriteStream(CreateWriteStreamRequest.newBuilder().setParent(table)
        .setWriteStream(WriteStream.newBuilder().setType(WriteStream.Type.COMMITTED)).build());
    log.info("{}: created COMMITTED stream {}", tp, s.getName());
    return s.getName();
  }

  private static void await(Pending p) {
    try {
      p.answer().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException e) {
      // settled by complete()
    }
  }

  private static Throwable failureOf(Pending p) {
    return p.batch().failure();
  }

  /** Waits a while for requests in flight (fewer rows to settle after the rebalance), then closes the writer. */
  void close() {
    for (Pending p : inFlight) {
      try {
        p.answer().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        log.warn("{} not acknowledged before the partition was closed: {}", p.batch().describe(), e.getMessage());
      }
    }
    closeWriter();
  }

  private void closeWriter() {
    if (writer != null) {
      writer.close();
      writer = null;
      current = null;
    }
  }
}
