package io.cloudbridge.bigquery;

import io.cloudbridge.common.retry.ServiceWait;
import com.google.api.core.ApiFutureCallback;
import com.google.api.core.ApiFutures;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import com.google.common.util.concurrent.MoreExecutors;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.metrics.TaskMetrics;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes each record into its table's open request and sends requests without waiting for the ones before
 * (pipelined appends); commits to Kafka only offsets whose rows BigQuery acknowledged. A failed append fails the
 * task at the next call, naming its records; a record the table's rows cannot take goes to the errant-record
 * reporter (Connect's DLQ) when configured.
 */
public class BigQuerySinkTask extends SinkTask {

  private static final Logger log = LoggerFactory.getLogger(BigQuerySinkTask.class);

  private BigQuerySinkConfig config;
  private BigQuery rest;
  private BigQueryWriteClient writeClient;
  private Tables tables;
  private String project;
  private ErrantRecordReporter reporter;
  private final Map<String, TableRows> tableRows = new HashMap<>();
  private final Map<String, TableWriter> writers = new HashMap<>();
  private ExactlyOnce exactlyOnce;
  private BatchLoads batchLoads;
  private AddedColumns added;
  private Counter rowsPresent;
  /** Per partition, the requests holding its records, oldest first. */
  private final Map<TopicPartition, ArrayDeque<Batch>> pending = new HashMap<>();
  /** Per partition, the offset after the last record handled (sent, reported or skipped). */
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private TaskMetrics metrics;
  private Counter rowsAppended;
  private Counter bytesAppended;
  private Counter badRecords;
  private Counter tombstones;
  private Counter schemaUpdates;
  private Counter rowErrors;
  private Counter resent;
  private volatile long commitLagMs;
  /** Answer of {@link #settle} for a request that waits for new columns to reach Storage Write: try again later. */
  private static final Batch WAIT = new Batch("", List.of(), List.of(), null, 0, null);
  /** Requests sent again while BigQuery cannot take them yet: new columns not in Storage Write yet, an outage. */
  private Resending schema;
  private Resending outage;
  /** Requests sent again while waiting (either kind), until the waits end. */
  private final java.util.Set<Batch> resentInWait =
      java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  /** Partitions paused while a request waits (either kind). */
  private final java.util.Set<TopicPartition> pausedForWait = new java.util.HashSet<>();
  private volatile long schemaWaitMs;
  /** Table changes (REST) that failed for an outage; put() is retried by Connect meanwhile. */
  private ServiceWait tablesOutage;
  private final AtomicLong inFlight = new AtomicLong();

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new BigQuerySinkConfig(props);
    rest = Clients.rest(config);
    project = config.gcp().projectId().isBlank() ? rest.getOptions().getProjectId() : config.gcp().projectId();
    if (config.mode() != BigQuerySinkConfig.Mode.BATCH_LOAD) {
      try {
        writeClient = Clients.write(config);
      } catch (IOException e) {
        throw new ConnectException("Cannot create the Storage Write client: " + e.getMessage(), e);
      }
    }
    tables = new Tables(rest, config);
    added = config.addedColumns();
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
      reporter = null;
    }
    metrics = TaskMetrics.from(context);
    schema = new Resending(new ServiceWait(config.schemaUpdateTimeoutMs()), false, "Table %s does not take the"
        + " changed columns (added, or relaxed to NULLABLE) in Storage Write appends yet",
        BigQuerySinkConfig.SCHEMA_UPDATE_TIMEOUT, config.schemaUpdateTimeoutMs(),
        "Table %s did not take the records' changed columns in Storage Write appends");
    outage = new Resending(new ServiceWait(config.outageTimeoutMs()), true, "Appends to %s fail for an outage of"
        + " BigQuery", ServiceWait.OUTAGE_TIMEOUT, config.outageTimeoutMs(), "Appends to %s kept failing");
    tablesOutage = new ServiceWait(config.outageTimeoutMs());
    ServiceWait.gauges(metrics, "BigQuery", () -> {
      List<ServiceWait> waits = new ArrayList<>(List.of(outage.wait, tablesOutage));
      if (exactlyOnce != null) {
        waits.addAll(exactlyOnce.outages());
      }
      if (batchLoads != null) {
        waits.addAll(batchLoads.outages());
      }
      return waits;
    });
    rowsAppended = metrics.counter("rows-appended-total", "Rows BigQuery acknowledged.");
    bytesAppended = metrics.counter("bytes-appended-total", "Bytes of rows BigQuery acknowledged.");
    badRecords = metrics.counter("records-bad-total",
        "Records the table's rows could not take, sent to the errant-record reporter.");
    tombstones = metrics.counter("records-tombstone-skipped-total", "Records with a null value, skipped.");
    schemaUpdates = metrics.counter("schema-updates-total",
        "Table schema changes made for new record schemas (columns added or relaxed).");
    metrics.gauge("appends-in-flight", "AppendRows requests sent and not yet answered.", inFlight::get);
    rowErrors = metrics.counter("row-errors-total",
        "Rows BigQuery refused (row errors), sent to the errant-record reporter.");
    resent = metrics.counter("requests-resent-total",
        "Requests the task sent again: the rest of a request after row errors, or rows after a rewind"
            + " (exactly_once). The client's own retries of transient errors are not counted here.");
    metrics.gauge("schema-wait-ms", "How long requests have waited for new columns to reach BigQuery's Storage"
        + " Write API (a schema change takes minutes to); the task's partitions are paused meanwhile. 0 when none.",
        () -> schemaWaitMs);
    metrics.gauge("commit-lag-ms", "Age, by Kafka timestamp, of the oldest record whose row BigQuery has not yet"
        + " acknowledged (what holds the committed offset back); 0 when none.", () -> commitLagMs);
    rowsPresent = metrics.counter("rows-already-present-total",
        "exactly_once: rows found already in BigQuery after a crash or retry (refused as ALREADY_EXISTS), not"
            + " written twice.");
    if (config.mode() == BigQuerySinkConfig.Mode.BATCH_LOAD) {
      String connector = String.valueOf(props.getOrDefault("name", "bigquery-sink"));
      batchLoads = new BatchLoads(config, context, this::rowsOfTopic, Clients.storage(config),
          new LoadJobs(rest), new BatchLoads.Hooks() {
            @Override
            public void bad(SinkRecord record, DataException error) {
              BigQuerySinkTask.this.bad(record, error);
            }

            @Override
            public boolean reports() {
              return reporter != null;
            }

            @Override
            public void tombstone() {
              tombstones.increment();
            }
          }, metrics, connector);
    }
    if (config.mode() == BigQuerySinkConfig.Mode.EXACTLY_ONCE) {
      exactlyOnce = new ExactlyOnce(config, writeClient, context, this::rowsOfTopic, new PartitionStream.Hooks() {
        @Override
        public void sent(Batch batch) {
          // Metrics only: each partition's stream keeps its own requests until BigQuery answers them. (Queuing
          // them in pending too, which only at_least_once drains, kept every request of the task's life.)
          track(batch);
        }

        @Override
        public void bad(SinkRecord record, DataException error) {
          BigQuerySinkTask.this.bad(record, error);
        }

        @Override
        public void tombstone() {
          tombstones.increment();
        }

        @Override
        public void present(long rows) {
          rowsPresent.add(rows);
        }
      });
    }
  }

  private TableRows rowsOfTopic(String topic) {
    return tableRows.computeIfAbsent(config.table(topic), t -> new TableRows(TableId.of(project, config.dataset(), t),
        tables, added, config.decimalType(), config.jsonFields(), schemaUpdates::increment));
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    if (batchLoads != null) {
      batchLoads.open(partitions);
    }
    if (exactlyOnce != null) {
      exactlyOnce.open(partitions);
    }
  }

  /** A record the table's rows cannot take: to the errant-record reporter, or the task fails naming it. */
  private void bad(SinkRecord r, DataException bad) {
    if (reporter == null) {
      throw new ConnectException(bad.getMessage() + " (configure errors.tolerance=all and"
          + " errors.deadletterqueue.topic.name to send such records to a dead-letter topic)", bad);
    }
    badRecords.increment();
    log.warn("Sending a record to the errant-record reporter: {}", bad.getMessage());
    reporter.report(r, bad);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (batchLoads != null) {
      batchLoads.put(records);
      return;
    }
    if (exactlyOnce != null) {
      exactlyOnce.put(records);
      return;
    }
    complete();
    for (SinkRecord r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      Long expected = next.get(tp);
      if (expected != null && r.kafkaOffset() < expected) {
        continue; // delivered again after a RetriableException: already handled
      }
      if (r.value() == null) {
        tombstones.increment(); // at least once: rows are only appended; deletes need the cdc mode
        next.put(tp, r.kafkaOffset() + 1);
        continue;
      }
      TableWriter w = writers.computeIfAbsent(config.table(r.topic()),
          t -> new TableWriter(rowsOfTopic(r.topic()), writeClient, config, this::sent));
      try {
        w.add(r);
        endTablesOutage();
      } catch (DataException bad) {
        bad(r, bad);
      } catch (ConnectException failed) {
        if (!Outages.isOutage(failed)) {
          throw failed;
        }
        writers.values().forEach(TableWriter::send);
        throw tablesOutage(r, failed);
      }
      next.put(tp, r.kafkaOffset() + 1);
    }
    writers.values().forEach(TableWriter::send);
  }

  /**
   * Changing or reading a table failed for an outage of BigQuery (after {@link Tables}' own retries, which stay
   * within a poll interval): Connect delivers the batch again after a backoff (records already handled are
   * skipped), and the task stays RUNNING; past {@value ServiceWait#OUTAGE_TIMEOUT} it fails naming the cause.
   */
  private RuntimeException tablesOutage(SinkRecord r, ConnectException failed) {
    long now = System.currentTimeMillis();
    if (tablesOutage.start(now, failed)) {
      log.warn("{}: BigQuery's tables API fails for an outage ({}); trying again for up to {} ms ({})",
          TableRows.describe(r), failed.getMessage(), tablesOutage.budgetMs(), ServiceWait.OUTAGE_TIMEOUT);
    }
    if (tablesOutage.expired(now)) {
      return new ConnectException(TableRows.describe(r) + ": BigQuery's tables API kept failing for "
          + tablesOutage.waitedMs(now) + " ms (" + ServiceWait.OUTAGE_TIMEOUT + "=" + tablesOutage.budgetMs()
          + "): " + failed.getMessage(), failed);
    }
    context.timeout(tablesOutage.nextDelay());
    return new org.apache.kafka.connect.errors.RetriableException(failed.getMessage(), failed);
  }

  private void endTablesOutage() {
    if (tablesOutage.waiting()) {
      log.info("BigQuery's tables API answers again after {} ms", tablesOutage.waitedMs(System.currentTimeMillis()));
      tablesOutage.end(System.currentTimeMillis());
    }
  }

  private void sent(Batch batch) {
    track(batch);
    Map<TopicPartition, Boolean> seen = new HashMap<>();
    for (SinkRecord r : batch.records()) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      if (seen.put(tp, Boolean.TRUE) == null) {
        pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).add(batch);
      }
    }
  }

  /** Metrics of a request as BigQuery answers it. */
  private void track(Batch batch) {
    inFlight.incrementAndGet();
    // Counted when BigQuery answers (on the client's thread), so the metrics follow the appends as they land.
    ApiFutures.addCallback(batch.answer(), new ApiFutureCallback<>() {
      @Override
      public void onSuccess(AppendRowsResponse response) {
        inFlight.decrementAndGet();
        rowsAppended.add(batch.records().size());
        bytesAppended.add(batch.bytes());
      }

      @Override
      public void onFailure(Throwable t) {
        inFlight.decrementAndGet();
      }
    }, MoreExecutors.directExecutor());
  }

  /**
   * Takes the answered requests off each partition's head. Rows BigQuery refused go to the errant-record reporter
   * and the rest of their request is sent again in its place; any other failure fails the task, naming its records.
   */
  private void complete() {
    boolean waiting = false;
    for (ArrayDeque<Batch> batches : new ArrayList<>(pending.values())) {
      // Failed requests are sent again in order; past a resend still in flight too, so that once BigQuery answers
      // again every request that failed meanwhile goes at once, not one per put.
      for (Batch b : new ArrayList<>(batches)) {
        if (!batches.contains(b)) {
          continue; // settled through another partition's queue
        }
        if (!b.answer().isDone()) {
          if (resentInWait.contains(b)) {
            continue;
          }
          break;
        }
        if (!failed(b)) {
          continue;
        }
        Batch instead = settle(b);
        if (instead == WAIT) {
          waiting = true;
          break;
        }
        replace(b, instead);
      }
      while (!batches.isEmpty() && batches.peek().answer().isDone() && !failed(batches.peek())) {
        settle(batches.poll());
      }
    }
    long oldest = Long.MAX_VALUE;
    for (ArrayDeque<Batch> batches : pending.values()) {
      if (!batches.isEmpty() && batches.peek().records().get(0).timestamp() != null) {
        oldest = Math.min(oldest, batches.peek().records().get(0).timestamp());
      }
    }
    commitLagMs = oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
    long now = System.currentTimeMillis();
    for (Resending kind : List.of(schema, outage)) {
      if (!waiting && kind.wait.waiting() && !kind.resendInFlight()) {
        log.info("{} after {} ms", kind == schema ? "New columns reached BigQuery's Storage Write API"
            : "BigQuery takes appends again", kind.wait.waitedMs(now));
        kind.end(now);
      }
    }
    if (!schema.wait.waiting() && !outage.wait.waiting()) {
      resentInWait.clear();
    }
    schemaWaitMs = schema.wait.waitedMs(now);
    if (!schema.wait.waiting() && !outage.wait.waiting() && !pausedForWait.isEmpty()) {
      java.util.Set<TopicPartition> assigned = context.assignment();
      log.info("Resuming {}", pausedForWait);
      context.resume(pausedForWait.stream().filter(assigned::contains).toArray(TopicPartition[]::new));
      pausedForWait.clear();
    }
  }

  /**
   * Requests sent again, with backoff, while BigQuery cannot take them yet — for one reason: the rows use columns
   * the task just added, which reach Storage Write only after minutes ("on the order of minutes", Storage Write
   * best practices; until then appends fail with SCHEMA_MISMATCH_EXTRA_FIELDS), or an outage outlasted the client's
   * retries (see {@link Outages}). The task pauses its partitions (so records do not pile up), sends the request
   * again (1 s doubling to 30 s; for an outage the first time at once) and resumes when one lands; past the budget
   * it fails naming the table. Nothing is dead-lettered and the offsets of waiting rows are not committed.
   */
  private final class Resending {
    final ServiceWait wait;
    private final boolean firstAtOnce;
    private final String waitingText;
    private final String setting;
    private final long budgetMs;
    private final String failText;
    private long retryAt;
    private Batch lastResent;
    /** A resend landed: the other waiting requests go at once. */
    private boolean through;

    Resending(ServiceWait wait, boolean firstAtOnce, String waitingText, String setting, long budgetMs,
        String failText) {
      this.wait = wait;
      this.firstAtOnce = firstAtOnce;
      this.waitingText = waitingText;
      this.setting = setting;
      this.budgetMs = budgetMs;
      this.failText = failText;
    }

    boolean resendInFlight() {
      return lastResent != null && !lastResent.answer().isDone();
    }

    void landed(Batch b) {
      if (b == lastResent) {
        through = true;
      }
    }

    void end(long now) {
      wait.end(now);
      lastResent = null;
      through = false;
    }

    Batch resend(Batch b, Throwable cause) {
      long now = System.currentTimeMillis();
      if (wait.start(now, cause)) {
        retryAt = firstAtOnce ? now : now + wait.delay();
        java.util.Set<TopicPartition> assigned = context.assignment();
        pausedForWait.addAll(assigned);
        context.pause(assigned.toArray(TopicPartition[]::new));
        log.info("{} ({}); pausing {} and sending again until it does (at most {} ms, {})",
            String.format(waitingText, b.table()), cause.getMessage(), assigned, budgetMs, setting);
      }
      if (wait.expired(now)) {
        throw new ConnectException(String.format(failText, b.table()) + " for " + wait.waitedMs(now) + " ms ("
            + setting + "=" + budgetMs + "): " + wait.describe(cause), cause);
      }
      if (!through) {
        if (now < retryAt) {
          context.timeout(Math.max(1, retryAt - now)); // Connect polls (and calls put) again after the backoff
          return WAIT;
        }
        retryAt = now + wait.nextDelay();
      }
      context.timeout(Math.min(1_000, wait.delay()));
      List<Integer> all = new ArrayList<>();
      for (int i = 0; i < b.records().size(); i++) {
        all.add(i);
      }
      resent.increment();
      Batch again = writerOf(b).resend(b, all);
      track(again);
      lastResent = again;
      resentInWait.add(again);
      return again;
    }
  }

  /** Answered with an error. */
  private static boolean failed(Batch b) {
    return b.failure() != null;
  }

  /** {@code b} when it stands (appended), the request sent in its place, or null when none is. */
  private Batch settle(Batch b) {
    try {
      b.answer().get();
      schema.landed(b);
      outage.landed(b);
      return b;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exceptions.AppendSerializationError refused) {
        Map<Integer, String> errors = refused.getRowIndexToErrorMessage();
        if (!errors.isEmpty() && errors.values().stream().allMatch(m -> tables.awaitsRelaxation(b.table(), m,
            config.schemaUpdateTimeoutMs()))) {
          return schema.resend(b, cause); // a column we relaxed is still REQUIRED for Storage Write: wait, not DLQ
        }
        if (reporter == null) {
          StringBuilder which = new StringBuilder();
          errors.forEach((index, message) -> which.append(which.length() == 0 ? "" : "; ")
              .append(TableRows.describe(b.records().get(index))).append(": ").append(message));
          throw new ConnectException("BigQuery refused rows of " + b.describe() + ": " + which + " (configure"
              + " errors.tolerance=all and errors.deadletterqueue.topic.name to send such records to a dead-letter"
              + " topic)", cause);
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < b.records().size(); i++) {
          String message = errors.get(i);
          if (message == null) {
            keep.add(i);
          } else {
            rowErrors.increment();
            bad(b.records().get(i), new DataException(TableRows.describe(b.records().get(i))
                + ": BigQuery refused its row for table " + b.table() + ": " + message));
          }
        }
        if (keep.isEmpty()) {
          return null;
        }
        resent.increment();
        Batch again = writerOf(b).resend(b, keep);
        track(again);
        return again;
      }
      if (cause instanceof Exceptions.SchemaMismatchedException) {
        return schema.resend(b, cause);
      }
      if (Outages.isOutage(cause)) {
        return outage.resend(b, cause);
      }
      throw new ConnectException("Appending " + b.describe() + " failed after the retries: " + cause.getMessage(),
          cause);
    }
  }

  private TableWriter writerOf(Batch b) {
    for (TableWriter w : writers.values()) {
      if (w.tableName().equals(b.table())) {
        return w;
      }
    }
    throw new IllegalStateException("no writer for " + b.table());
  }

  /** Puts {@code instead} where {@code b} stands in each partition's queue (or drops {@code b} when null). */
  private void replace(Batch b, Batch instead) {
    pending.forEach((tp, batches) -> {
      ArrayDeque<Batch> rebuilt = new ArrayDeque<>(batches.size());
      for (Batch x : batches) {
        if (x != b) {
          rebuilt.add(x);
        } else if (instead != null && holds(instead, tp)) {
          rebuilt.add(instead);
        }
      }
      batches.clear();
      batches.addAll(rebuilt);
    });
  }

  private static boolean holds(Batch b, TopicPartition tp) {
    for (SinkRecord r : b.records()) {
      if (r.kafkaPartition() == tp.partition() && r.topic().equals(tp.topic())) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    if (exactlyOnce != null) {
      return exactlyOnce.preCommit();
    }
    if (batchLoads != null) {
      return batchLoads.preCommit();
    }
    writers.values().forEach(TableWriter::send);
    complete();
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (Map.Entry<TopicPartition, Long> e : next.entrySet()) {
      ArrayDeque<Batch> q = pending.get(e.getKey());
      long offset = e.getValue();
      if (q != null && !q.isEmpty()) {
        offset = firstOffset(q.peek(), e.getKey());
      }
      out.put(e.getKey(), new OffsetAndMetadata(offset));
    }
    return out;
  }

  private static long firstOffset(Batch b, TopicPartition tp) {
    for (SinkRecord r : b.records()) {
      if (r.topic().equals(tp.topic()) && r.kafkaPartition() == tp.partition()) {
        return r.kafkaOffset();
      }
    }
    throw new IllegalStateException("a request without records of " + tp);
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    if (exactlyOnce != null) {
      exactlyOnce.close(partitions);
      return;
    }
    if (batchLoads != null) {
      batchLoads.close(partitions);
      return;
    }
    pausedForWait.removeAll(partitions);
    // Wait a while (30 s in all) for what was sent, so that fewer rows are written twice after the rebalance.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (TopicPartition tp : partitions) {
      ArrayDeque<Batch> q = pending.remove(tp);
      if (q != null) {
        for (Batch b : q) {
          try {
            b.answer().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (ExecutionException | TimeoutException e) {
            log.warn("{} not acknowledged before the partitions were closed: {}", b.describe(), e.getMessage());
          }
        }
      }
      next.remove(tp);
    }
  }

  @Override
  public void stop() {
    if (exactlyOnce != null) {
      exactlyOnce.close();
    }
    if (batchLoads != null) {
      batchLoads.stop();
    }
    writers.values().forEach(TableWriter::close);
    writers.clear();
    if (writeClient != null) {
      writeClient.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
