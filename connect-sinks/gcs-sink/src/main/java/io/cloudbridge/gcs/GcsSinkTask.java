package io.cloudbridge.gcs;

import io.cloudbridge.staging.ObjectUpload;
import io.cloudbridge.staging.Uploads;
import io.cloudbridge.staging.RetryCounting;
import io.cloudbridge.staging.StorageClient;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.gcp.GcpRetry;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.common.retry.ServiceWait;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.staging.format.RecordWriter;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
  /** The wall clock of the rotation schedule (a test's may run ahead). */
  private final java.time.Clock clock;
  /** GCS failing for an outage (calls failing after the client's retries): since when, the backoff, the budget. */
  private ServiceWait outage;
  /** When partitions rewound for an outage are tried again (shared, so one outage backs off once). */
  private long outageRetryAt;
  /** Partitions rewound for an outage and paused, and when they resume. */
  private final Map<TopicPartition, Long> outagePaused = new HashMap<>();
  /** Partitions rewound during this put: their records later in the batch were polled before the rewind. */
  private final Set<TopicPartition> rewound = new HashSet<>();
  /** Partitions whose writer is new after an outage: its first write reads GCS, so success ends the wait. */
  private final Set<TopicPartition> probing = new HashSet<>();
  /** Outages the timer met, per partition; put() rewinds those partitions. */
  private final Map<TopicPartition, Throwable> timerOutages = new java.util.concurrent.ConcurrentHashMap<>();

  public GcsSinkTask() {
    this(java.time.Clock.systemUTC());
  }

  GcsSinkTask(java.time.Clock clock) {
    this.clock = clock;
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new GcsSinkConfig(props);
    format = config.outputFormat();
    namer = new ObjectNamer(config, format.extension());
    storage = StorageClient.create(config.gcp(), config.endpoint(), config.retrySettings(), retries);
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
    outage = new ServiceWait(config.outageTimeoutMs());
    ServiceWait.gauges(metrics, "GCS", outage);
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
          return opened < 0 ? 0 : Math.max(0, clock.millis() - opened);
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
      writers.put(tp, newWriter(tp));
    }
  }

  private PartitionWriter newWriter(TopicPartition tp) {
    return new PartitionWriter(tp, config, storage, namer, format, markers, connector, uploads, this, clock);
  }

  /**
   * A GCS failure an outage explains — no answer (refused, reset, timed out), 408, 429 or 5xx, after the client's own
   * retries ({@code gcs.retry.*}). GCS's guidance for these is to retry with exponential backoff ("Retry strategy",
   * Cloud Storage docs); 401/403/404 and other 4xx are about the request and fail the task.
   */
  static boolean isOutage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StorageException se && se.getCode() >= 0) {
        return GcpRetry.outageStatus(se.getCode());
      }
    }
    return e instanceof IOException || e.getCause() instanceof IOException;
  }

  /**
   * Waits out an outage of GCS for one partition: drops its open objects (never finalized, so nothing of them is in
   * GCS), rewinds it to its committable offset and pauses it for the outage's backoff (1 s doubling to 30 s). Its
   * records are then written again as after a restart: groups whose marker was written are written to the same
   * objects (those that exist are kept), so nothing is written twice. Past {@code outage.timeout.ms} the task fails
   * naming the cause. {@code from}: where to rewind when the writer has read nothing.
   */
  private void waitOut(TopicPartition tp, Throwable cause, long from) {
    long now = System.currentTimeMillis();
    if (outage.start(now, cause)) {
      log.warn("GCS fails for an outage ({}); rewinding and pausing the partitions it fails for, trying again with"
          + " backoff for up to {} ms ({})", cause.getMessage(), outage.budgetMs(), ServiceWait.OUTAGE_TIMEOUT);
    }
    if (outage.expired(now)) {
      throw new ConnectException("GCS kept failing for " + outage.waitedMs(now) + " ms ("
          + ServiceWait.OUTAGE_TIMEOUT + "=" + outage.budgetMs() + "), writing " + tp + " to gs://" + config.bucket()
          + ": " + outage.describe(cause), cause);
    }
    if (now >= outageRetryAt) {
      outageRetryAt = now + outage.nextDelay();
    }
    PartitionWriter w = writers.get(tp);
    long committable = w == null ? -1 : w.committable();
    long rewindTo = committable >= 0 ? committable : from;
    if (w != null) {
      w.abandon();
    }
    writers.put(tp, newWriter(tp));
    if (rewindTo >= 0) {
      context.offset(tp, rewindTo);
    }
    context.pause(tp);
    outagePaused.put(tp, outageRetryAt);
    rewound.add(tp);
    probing.add(tp);
    context.timeout(Math.max(1, outageRetryAt - now)); // Connect polls (and calls put) again after the backoff
    log.info("{}: rewound to offset {} for the outage of GCS; trying again in {} ms", tp, rewindTo,
        outageRetryAt - now);
  }

  /** Resumes the partitions whose outage backoff has passed (unless memory holds all partitions paused). */
  private void resumeAfterOutage() {
    long now = System.currentTimeMillis();
    var due = outagePaused.entrySet().stream().filter(e -> now >= e.getValue()).map(Map.Entry::getKey).toList();
    for (TopicPartition tp : due) {
      outagePaused.remove(tp);
      if (!paused && context.assignment().contains(tp)) {
        context.resume(tp);
      }
    }
  }

  /** A call to GCS succeeded after an outage: the wait ends. */
  private void gcsAnswered() {
    if (outage.waiting()) {
      log.info("GCS answers again after {} ms", outage.waitedMs(System.currentTimeMillis()));
      outage.end(System.currentTimeMillis());
    }
  }

  @Override
  public synchronized void put(Collection<SinkRecord> records) {
    rewound.clear();
    for (TopicPartition tp : new java.util.ArrayList<>(timerOutages.keySet())) {
      Throwable cause = timerOutages.remove(tp);
      if (writers.containsKey(tp) && !outagePaused.containsKey(tp)) {
        waitOut(tp, cause, -1);
      }
    }
    resumeAfterOutage();
    Throwable failed = timerFailure.get();
    if (failed != null) {
      throw new ConnectException("Finalizing objects on schedule failed: " + failed.getMessage(), failed);
    }
    resumeIfDrained();
    if (records.isEmpty()) {
      completeEnded();
    }
    for (SinkRecord r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      if (rewound.contains(tp) || outagePaused.containsKey(tp)) {
        continue; // polled before the partition was rewound for an outage: it comes again
      }
      PartitionWriter w = writers.get(tp);
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
        w = writers.get(tp); // makeRoom may have rewound it
        if (rewound.contains(tp)) {
          continue;
        }
        w.write(r);
        if (probing.remove(tp)) {
          gcsAnswered();
        }
      } catch (DataException bad) {
        report(r, bad);
        w.passed(r);
      } catch (IOException | StorageException e) {
        if (isOutage(e)) {
          waitOut(tp, e, r.kafkaOffset());
          continue;
        }
        // Not an outage (e.g. 403): fail, naming the record; a restart resumes from the committed offsets, and the
        // markers keep that from writing anything twice.
        throw new ConnectException("Writing " + RecordWriter.describe(r) + " to gs://" + config.bucket() + " failed"
            + " after the retries: " + e.getMessage(), e);
      }
    }
    updateGauges();
  }

  /** Completes the groups of every partition whose uploads are done (a record's write does so for its own). */
  private void completeEnded() {
    for (Map.Entry<TopicPartition, PartitionWriter> e : new java.util.ArrayList<>(writers.entrySet())) {
      try {
        e.getValue().completeEnded(false);
      } catch (IOException | RuntimeException failed) {
        if (isOutage(failed)) {
          waitOut(e.getKey(), failed, -1);
          continue;
        }
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
      ObjectUpload<SinkRecord> largest = null;
      PartitionWriter holdsMost = null;
      for (PartitionWriter w : writers.values()) {
        ObjectUpload<SinkRecord> candidate = w.largestBuffer();
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
      try {
        holdsMost.endGroup();
      } catch (IOException | StorageException e) {
        if (!isOutage(e)) {
          throw e;
        }
        waitOut(holdsMost.partition(), e, -1); // its objects are dropped: that frees their memory too
      }
    }
  }

  /** Resumes the partitions once the objects hold less than half the budget. */
  private void resumeIfDrained() {
    if (paused) {
      uploads.dropSpares();
    }
    if (paused && memoryHeld() < config.memoryBytes() / 2) {
      paused = false;
      context.resume(writers.keySet().stream().filter(tp -> !outagePaused.containsKey(tp))
          .toArray(TopicPartition[]::new));
      log.debug("Memory below half the budget: resuming {} partitions", writers.size());
    }
  }

  private synchronized void endScheduledGroups() {
    try {
      long now = clock.millis();
      for (Map.Entry<TopicPartition, PartitionWriter> e : writers.entrySet()) {
        if (timerOutages.containsKey(e.getKey()) || outagePaused.containsKey(e.getKey())) {
          continue;
        }
        try {
          e.getValue().endIfScheduled(now);
          e.getValue().completeEnded(false);
        } catch (IOException | RuntimeException failed) {
          if (!isOutage(failed)) {
            throw failed;
          }
          timerOutages.put(e.getKey(), failed); // put() rewinds the partition: the timer's thread cannot
        }
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
    for (Map.Entry<TopicPartition, PartitionWriter> e : new java.util.ArrayList<>(writers.entrySet())) {
      try {
        e.getValue().completeEnded(false);
      } catch (IOException | RuntimeException failed) {
        if (!isOutage(failed)) {
          throw new ConnectException(failed.getMessage(), failed);
        }
        waitOut(e.getKey(), failed, -1);
        continue; // its committed offset stays where it is
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
      outagePaused.remove(tp);
      probing.remove(tp);
      timerOutages.remove(tp);
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
  public void finalized(ObjectUpload<SinkRecord> upload) {
    gcsAnswered();
    objectsWritten.increment();
    recordsWritten.add(upload.records());
    bytesWritten.add(upload.storedBytes());
  }

  @Override
  public void skipped(long records) {
    recordsSkipped.add(records);
  }
}
