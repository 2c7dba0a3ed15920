package io.cloudbridge.gcs;

import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.gcs.format.OutputFormat;
import io.cloudbridge.gcs.format.RecordWriter;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * Routes each record to the writer of its partition, keeps the open objects within the memory budget, ends groups
 * on the wall-clock schedule from a timer of its own (so idle partitions are written on time), and commits to
 * Kafka only offsets whose records are in finalized objects.
 */
public class GcsSinkTask extends SinkTask implements PartitionWriter.Listener {

  private static final Logger log = LoggerFactory.getLogger(GcsSinkTask.class);

  private GcsSinkConfig config;
  private Storage storage;
  private ObjectNamer namer;
  private OutputFormat format;
  private GroupMarkers markers;
  private String connector;
  private ErrantRecordReporter reporter;
  private ScheduledExecutorService timer;
  private final AtomicReference<Throwable> timerFailure = new AtomicReference<>();
  private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();
  private TaskMetrics metrics;
  private Counter recordsWritten;
  private Counter bytesWritten;
  private Counter objectsWritten;
  private Counter recordsSkipped;
  private Counter badRecords;
  private Counter nullsSkipped;
  private Uploads uploads;
  private boolean paused;
  private Counter pauses;
  private final AtomicLong uncommitted = new AtomicLong();
  private final AtomicLong oldestOpenGroup = new AtomicLong(-1);
  private final RetryCounting retries = new RetryCounting();

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new GcsSinkConfig(props);
    format = new OutputFormat(config);
    namer = new ObjectNamer(config, format.extension());
    storage = StorageClient.create(config, retries);
    connector = props.getOrDefault("name", "gcs-sink");
    markers = new GroupMarkers(storage, config.bucket(), config.markerPrefix() + connector + "/");
    uploads = new Uploads(config.uploadThreads(), config.memoryBytes(), connector);
    if (config.memoryBytes() < perObjectBytes()) {
      throw new ConnectException(GcsSinkConfig.MEMORY_BYTES + " (" + config.memoryBytes() + ") is below what one"
          + " open object needs (" + perObjectBytes() + ": " + GcsSinkConfig.CHUNK_BYTES + " and its encoder)");
    }
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError olderWorker) {
      reporter = null;
    }
    metrics = TaskMetrics.from(context);
    recordsWritten = metrics.counter("records-written-total", "Records in objects that were finalized.");
    bytesWritten = metrics.counter("bytes-written-total", "Bytes of finalized objects, as stored.");
    objectsWritten = metrics.counter("objects-written-total", "Objects finalized in GCS.");
    recordsSkipped = metrics.counter("records-skipped-total",
        "Records read again that finalized objects already hold (after a restart, rebalance or offset reset).");
    badRecords = metrics.counter("records-bad-total",
        "Records the object name or format could not take, sent to the errant-record reporter.");
    nullsSkipped = metrics.counter("records-null-skipped-total",
        "Records with a null value skipped, as behavior.on.null.values=skip asks.");
    metrics.gauge("open-objects", "Objects being written.", () -> uploads.openObjects());
    metrics.gauge("buffered-bytes", "Memory the task's objects hold: unsent buffers, chunks in flight, and the"
        + " estimate for encoders and compressors (see " + GcsSinkConfig.MEMORY_BYTES + ").", this::memoryHeld);
    pauses = metrics.counter("memory-pauses-total",
        "Times the task paused its partitions because its objects held " + GcsSinkConfig.MEMORY_BYTES + ".");
    metrics.gauge("upload-retries-total", "GCS calls answered with an error that is retried (408, 429, 5xx, a"
        + " dropped connection); uploads resume where GCS stopped.", retries::retried);
    metrics.gauge("uncommitted-records", "Records in objects not finalized yet, so their offsets are not committable.",
        uncommitted::get);
    metrics.gauge("commit-lag-ms", "How long ago the oldest open object was opened: its records wait that long for"
        + " their offsets to become committable.", () -> {
          long opened = oldestOpenGroup.get();
          return opened < 0 ? 0 : Math.max(0, System.currentTimeMillis() - opened);
        });
    // The timer ends groups on schedule and completes the groups whose uploads finished, also when no records come.
    long tick = config.rotateScheduleMillis() > 0
        ? Math.max(100, Math.min(1_000, config.rotateScheduleMillis() / 10)) : 1_000;
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cloudbridge-gcs-rotation-" + connector);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::endScheduledGroups, tick, tick, TimeUnit.MILLISECONDS);
    log.info("Writing {} to gs://{}/ as {}", connector, config.bucket(), format.extension());
  }

  private long perObjectBytes() {
    return (long) config.chunkBytes() + format.overheadBytes();
  }

  @Override
  public synchronized void open(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      writers.put(tp, new PartitionWriter(tp, config, storage, namer, format, markers, connector, uploads, this));
    }
  }

  @Override
  public synchronized void put(Collection<SinkRecord> records) {
    Throwable failed = timerFailure.get();
    if (failed != null) {
      throw new ConnectException("Finalizing objects on schedule failed: " + failed.getMessage(), failed);
    }
    resumeIfDrained();
    if (records.isEmpty()) {
      completeEnded();
    }
    for (SinkRecord r : records) {
      PartitionWriter w = writers.get(new TopicPartition(r.topic(), r.kafkaPartition()));
      if (w == null) {
        throw new ConnectException(RecordWriter.describe(r) + " is from a partition this task was not assigned");
      }
      if (r.value() == null && config.nullValues() != GcsSinkConfig.NullValues.WRITE) {
        if (config.nullValues() == GcsSinkConfig.NullValues.FAIL) {
          throw new ConnectException(RecordWriter.describe(r) + " has a null value (a tombstone); set "
              + GcsSinkConfig.NULL_VALUES + "=skip to leave such records out");
        }
        nullsSkipped.increment();
        w.passed(r);
        continue;
      }
      try {
        if (memoryHeld() >= config.memoryBytes()) {
          makeRoom();
        }
        w.write(r);
      } catch (DataException bad) {
        report(r, bad);
        w.passed(r);
      } catch (IOException | StorageException e) {
        // The client's retry budget (gcs.retry.*) is spent: fail, naming the record; a restart resumes from the
        // committed offsets, and the markers keep that from writing anything twice.
        throw new ConnectException("Writing " + RecordWriter.describe(r) + " to gs://" + config.bucket() + " failed"
            + " after the retries: " + e.getMessage(), e);
      }
    }
    updateGauges();
  }

  /** Completes the groups of every partition whose uploads are done (a record's write does so for its own). */
  private void completeEnded() {
    for (PartitionWriter w : writers.values()) {
      try {
        w.completeEnded(false);
      } catch (IOException | RuntimeException failed) {
        throw new ConnectException(failed.getMessage(), failed);
      }
    }
  }

  /** Once per batch and timer tick, not per record: the gauges sum over every partition. */
  private void updateGauges() {
    long records = 0;
    long oldest = -1;
    for (PartitionWriter w : writers.values()) {
      records += w.uncommitted();
      long opened = w.groupOpenedAt();
      if (opened >= 0 && (oldest < 0 || opened < oldest)) {
        oldest = opened;
      }
    }
    uncommitted.set(records);
    oldestOpenGroup.set(oldest);
  }

  private void report(SinkRecord r, DataException bad) {
    if (reporter == null) {
      throw new ConnectException(bad.getMessage() + " (configure errors.tolerance=all and"
          + " errors.deadletterqueue.topic.name to send such records to a dead-letter topic)", bad);
    }
    badRecords.increment();
    log.warn("Sending {} to the errant-record reporter: {}", RecordWriter.describe(r), bad.getMessage());
    reporter.report(r, bad);
  }

  /** What the task's objects hold: unsent buffers, chunks in flight, and each open object's encoder estimate. */
  private long memoryHeld() {
    Uploads u = uploads;
    return u == null ? 0 : u.held() + u.openObjects() * format.overheadBytes();
  }

  /**
   * The memory budget is reached: pause the partitions (Connect fetches nothing more for them), then free memory:
   * wait for chunks in flight; with none, send the whole units of the largest buffer; with none large enough,
   * finalize the objects of the partition that holds the most.
   */
  private void makeRoom() throws IOException {
    if (!paused) {
      paused = true;
      pauses.increment();
      context.pause(writers.keySet().toArray(new TopicPartition[0]));
      log.debug("Memory budget reached ({} bytes held): pausing {} partitions", memoryHeld(), writers.size());
    }
    while (memoryHeld() >= config.memoryBytes()) {
      uploads.dropSpares();
      if (uploads.inFlight() > 0) {
        try {
          uploads.awaitProgress(1_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ConnectException("Interrupted while waiting for uploads to free memory", e);
        }
        continue;
      }
      ObjectUpload largest = null;
      PartitionWriter holdsMost = null;
      for (PartitionWriter w : writers.values()) {
        ObjectUpload candidate = w.largestBuffer();
        if (candidate != null && (largest == null || candidate.heldBytes() > largest.heldBytes())) {
          largest = candidate;
        }
        if (w.openObjects() > 0 && (holdsMost == null || w.heldBytes() > holdsMost.heldBytes())) {
          holdsMost = w;
        }
      }
      if (largest != null && largest.sendWholeUnits()) {
        continue;
      }
      if (holdsMost == null) {
        return; // nothing open: what is held is on its way out
      }
      log.debug("Memory budget reached with {} open objects, none with a whole unit to send: finalizing those of"
          + " {}", uploads.openObjects(), holdsMost.partition());
      holdsMost.endGroup();
    }
  }

  /** Resumes the partitions once the objects hold less than half the budget. */
  private void resumeIfDrained() {
    if (paused) {
      uploads.dropSpares();
    }
    if (paused && memoryHeld() < config.memoryBytes() / 2) {
      paused = false;
      context.resume(writers.keySet().toArray(new TopicPartition[0]));
      log.debug("Memory below half the budget: resuming {} partitions", writers.size());
    }
  }

  private synchronized void endScheduledGroups() {
    try {
      long now = System.currentTimeMillis();
      for (PartitionWriter w : writers.values()) {
        w.endIfScheduled(now);
        w.completeEnded(false);
      }
      updateGauges();
    } catch (Throwable t) {
      // put() fails the task with it: the timer thread cannot.
      timerFailure.compareAndSet(null, t);
    }
  }

  @Override
  public synchronized Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    resumeIfDrained();
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (Map.Entry<TopicPartition, PartitionWriter> e : writers.entrySet()) {
      try {
        e.getValue().completeEnded(false);
      } catch (IOException | RuntimeException failed) {
        throw new ConnectException(failed.getMessage(), failed);
      }
      long offset = e.getValue().committable();
      if (offset >= 0) {
        out.put(e.getKey(), new OffsetAndMetadata(offset));
      }
    }
    return out;
  }

  @Override
  public synchronized void close(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWriter w = writers.remove(tp);
      if (w != null) {
        w.abandon();
      }
    }
    updateGauges();
  }

  @Override
  public synchronized void stop() {
    if (timer != null) {
      timer.shutdownNow();
    }
    writers.values().forEach(PartitionWriter::abandon);
    writers.clear();
    if (uploads != null) {
      uploads.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  @Override
  public void finalized(ObjectUpload upload) {
    objectsWritten.increment();
    recordsWritten.add(upload.records());
    bytesWritten.add(upload.storedBytes());
  }

  @Override
  public void skipped(long records) {
    recordsSkipped.add(records);
  }
}
