package io.cloudbridge.bigquery;

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
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
      reporter = null;
    }
    metrics = TaskMetrics.from(context);
    rowsAppended = metrics.counter("rows-appended-total", "Rows BigQuery acknowledged.");
    bytesAppended = metrics.counter("bytes-appended-total", "Bytes of rows BigQuery acknowledged.");
    badRecords = metrics.counter("records-bad-total",
        "Records the table's rows could not take, sent to the errant-record reporter.");
    tombstones = metrics.counter("records-tombstone-skipped-total", "Records with a null value, skipped.");
    schemaUpdates = metrics.counter("schema-updates-total",
        "Table schema changes made for new record schemas (columns added or relaxed).");
    metrics.gauge("appends-in-flight", "AppendRows requests sent and not yet answered.", inFlight::get);
    rowsPresent = metrics.counter("rows-already-present-total",
        "exactly_once: rows found already in BigQuery after a crash or retry (refused as ALREADY_EXISTS), not"
            + " written twice.");
    if (config.mode() == BigQuerySinkConfig.Mode.EXACTLY_ONCE) {
      exactlyOnce = new ExactlyOnce(config, writeClient, context, this::rowsOfTopic, new PartitionStream.Hooks() {
        @Override
        public void sent(Batch batch) {
          BigQuerySinkTask.this.sent(batch);
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
        tables, schemaUpdates::increment));
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
    Map<TopicPartition, Boolean> seen = new HashMap<>();
    for (SinkRecord r : batch.records()) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      if (seen.put(tp, Boolean.TRUE) == null) {
        pending.computeIfAbsent(tp, k -> new ArrayDeque<>()).add(batch);
      }
    }
  }

  /** Takes the answered requests off each partition's head; a failed one fails the task, naming its records. */
  private void complete() {
    for (ArrayDeque<Batch> batches : pending.values()) {
      while (!batches.isEmpty() && batches.peek().answer().isDone()) {
        Batch b = batches.poll();
        check(b);
      }
    }
  }

  private void check(Batch b) {
    try {
      b.answer().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exceptions.AppendSerializationError rows) {
        StringBuilder which = new StringBuilder();
        rows.getRowIndexToErrorMessage().forEach((index, message) -> {
          SinkRecord r = b.records().get(index);
          which.append(which.length() == 0 ? "" : "; ").append("record ").append(r.topic()).append('/')
              .append(r.kafkaPartition()).append('@').append(r.kafkaOffset()).append(": ").append(message);
        });
        throw new ConnectException("BigQuery refused rows of " + b.describe() + ": " + which, cause);
      }
      throw new ConnectException("Appending " + b.describe() + " failed after the retries: " + cause.getMessage(),
          cause);
    }
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
