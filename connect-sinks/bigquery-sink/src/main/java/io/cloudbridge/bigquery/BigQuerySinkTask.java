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
  /** Requests waiting for new columns: since when, the backoff and budget; and when the next is sent again. */
  private ServiceWait schemaWait;
  private long schemaRetryAt;
  private final java.util.Set<TopicPartition> pausedForSchema = new java.util.HashSet<>();
  private volatile long schemaWaitMs;
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
    try {
      writeClient = Clients.write(config);
    } catch (IOException e) {
      throw new ConnectException("Cannot create the Storage Write client: " + e.getMessage(), e);
    }
    tables = new Tables(rest, config);
    added = config.addedColumns();
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
      reporter = null;
    }
    metrics = TaskMetrics.from(context);
    schemaWait = new ServiceWait(config.schemaUpdateTimeoutMs());
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
    if (exactlyOnce != null) {
      exactlyOnce.put(records);
      return;
    }
    complete();
    for (SinkRecord r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      next.put(tp, r.kafkaOffset() + 1);
      if (r.value() == null) {
        tombstones.increment(); // at least once: rows are only appended; deletes need the cdc mode
        continue;
      }
      TableWriter w = writers.computeIfAbsent(config.table(r.topic()),
          t -> new TableWriter(rowsOfTopic(r.topic()), writeClient, config, this::sent));
      try {
        w.add(r);
      } catch (DataException bad) {
        bad(r, bad);
      }
    }
    writers.values().forEach(TableWriter::send);
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
      while (!batches.isEmpty() && batches.peek().answer().isDone()) {
        Batch b = batches.peek();
        Batch instead = settle(b);
        if (instead == WAIT) {
          waiting = true;
          break;
        }
        if (instead == b) {
          batches.poll();
        } else {
          replace(b, instead);
        }
      }
    }
    long oldest = Long.MAX_VALUE;
    for (ArrayDeque<Batch> batches : pending.values()) {
      if (!batches.isEmpty() && batches.peek().records().get(0).timestamp() != null) {
        oldest = Math.min(oldest, batches.peek().records().get(0).timestamp());
      }
    }
    commitLagMs = oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest);
    if (!waiting && schemaWait.waiting() && !resentForSchemaInFlight()) {
      log.info("New columns reached BigQuery's Storage Write API after {} ms; resuming {}",
          schemaWait.waitedMs(System.currentTimeMillis()), pausedForSchema);
      resumeAfterSchemaWait();
    }
  }

  private Batch lastResentForSchema;
  private boolean schemaVisible;

  private boolean resentForSchemaInFlight() {
    return lastResentForSchema != null && !lastResentForSchema.answer().isDone();
  }

  private void resumeAfterSchemaWait() {
    java.util.Set<TopicPartition> assigned = context.assignment();
    context.resume(pausedForSchema.stream().filter(assigned::contains).toArray(TopicPartition[]::new));
    pausedForSchema.clear();
    schemaWait.end(System.currentTimeMillis());
    schemaWaitMs = 0;
    lastResentForSchema = null;
    schemaVisible = false;
  }

  /**
   * A request refused because its rows use columns BigQuery's Storage Write API does not see yet: the task added
   * them to the table, but a schema change reaches Storage Write only after minutes ("on the order of minutes",
   * Storage Write best practices), and until then appends using them fail with SCHEMA_MISMATCH_EXTRA_FIELDS. The
   * task pauses its partitions (so records do not pile up), sends the request again with backoff (1 s doubling to
   * 30 s) and resumes when one lands; past {@code bigquery.schema.update.timeout.ms} it fails naming the table.
   * Nothing is dead-lettered and the offsets of waiting rows are not committed.
   */
  private Batch waitForSchema(Batch b, Throwable cause) {
    long now = System.currentTimeMillis();
    if (schemaWait.start(now)) {
      schemaRetryAt = now + schemaWait.delay();
      java.util.Set<TopicPartition> assigned = context.assignment();
      pausedForSchema.addAll(assigned);
      context.pause(assigned.toArray(TopicPartition[]::new));
      log.info("Table {} does not take the new columns in Storage Write appends yet ({}); pausing {} and sending"
          + " again until it does (at most {} ms)", b.table(), cause.getMessage(), assigned,
          config.schemaUpdateTimeoutMs());
    }
    schemaWaitMs = schemaWait.waitedMs(now);
    if (schemaWait.expired(now)) {
      throw new ConnectException("Table " + b.table() + " did not take the records' new columns in Storage Write"
          + " appends within " + BigQuerySinkConfig.SCHEMA_UPDATE_TIMEOUT + "=" + config.schemaUpdateTimeoutMs()
          + " ms: " + cause.getMessage(), cause);
    }
    if (!schemaVisible) {
      if (now < schemaRetryAt) {
        return WAIT;
      }
      schemaRetryAt = now + schemaWait.nextDelay();
    }
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < b.records().size(); i++) {
      all.add(i);
    }
    resent.increment();
    Batch again = writerOf(b).resend(b, all);
    track(again);
    lastResentForSchema = again;
    return again;
  }

  /** {@code b} when it stands (appended), the request sent in its place, or null when none is. */
  private Batch settle(Batch b) {
    try {
      b.answer().get();
      if (b == lastResentForSchema) {
        schemaVisible = true; // the new columns reached Storage Write: the other waiting requests go at once
      }
      return b;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exceptions.AppendSerializationError refused) {
        Map<Integer, String> errors = refused.getRowIndexToErrorMessage();
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
        return waitForSchema(b, cause);
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
    pausedForSchema.removeAll(partitions);
    // Wait a while for what was sent, so that fewer rows are written twice after the rebalance.
    for (TopicPartition tp : partitions) {
      ArrayDeque<Batch> q = pending.remove(tp);
      if (q != null) {
        for (Batch b : q) {
          try {
            b.answer().get(30, TimeUnit.SECONDS);
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
