package io.cloudbridge.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.common.gcp.GcpRetry;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.common.retry.ServiceWait;
import io.cloudbridge.staging.ObjectUpload;
import io.cloudbridge.staging.Uploads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code batch_load} mode: each partition's rows are staged as files in a GCS bucket (streamed resumable
 * uploads within the task's memory budget), rotated by records, bytes and time, and each file is loaded by a load
 * job whose id is derived from what it loads ({@link LoadJobs}), one job at a time per partition, in offset order
 * (files that became ready while a job ran go together into the next job).
 * Offsets are committed only up to the last file whose job is DONE without errors.
 *
 * <p>Exactly once: a file staged again after a crash, rebalance or restart starts at the same offset (the committed
 * one), so its load has the same id, which BigQuery refuses; the existing job's outcome is used instead
 * ({@link LoadChain}). After each load the partition's loaded offset is also written to a marker object
 * ({@code <prefix>_loaded/<connector>/<topic>/<partition>}), read when the partition is opened: records at or
 * below it are skipped, so a replay from any offset (a REST offsets reset) loads nothing twice, also after the six
 * months BigQuery keeps job ids. A task that dies between a load and the marker leaves the job, found by its id.
 *
 * <p>Owned state, per partition ({@link Partition}): the file being written, files being finished, files uploaded
 * and waiting for their load, the load in flight, the offset loaded through, and a failed range being sent to the
 * errant-record reporter.
 */
final class BatchLoads {

  private static final Logger log = LoggerFactory.getLogger(BatchLoads.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * How soon a load in flight is asked about (jobs.get) after its insert: 100 ms, doubling to 5 s — short jobs are
   * seen done soon, long ones (seconds to minutes on BigQuery's shared slots) cost few requests.
   */
  private static final long FIRST_CHECK_MS = 100;
  private static final long MAX_CHECK_MS = 5_000;

  /** What the task does with a record that cannot be loaded. */
  interface Hooks {
    /** A record its table cannot take (conversion, or its range's load failed): reported, or the task fails. */
    void bad(SinkRecord record, DataException error);

    /** Whether bad records go to an errant-record reporter (errors.tolerance=all with a dead-letter topic). */
    boolean reports();

    void tombstone();
  }

  private final BigQuerySinkConfig config;
  private final SinkTaskContext context;
  private final Function<String, TableRows> rowsOfTopic;
  private final Storage storage;
  private final Uploads uploads;
  private final LoadJobs jobs;
  private final StagedFormat format;
  private final Hooks hooks;
  private final String connector;
  private final Map<TopicPartition, Partition> partitions = new HashMap<>();
  private final ServiceWait outage;
  private final Set<TopicPartition> rewoundInThisPut = new HashSet<>();
  private final AtomicLong filesStaged = new AtomicLong();
  private final AtomicLong loads = new AtomicLong();
  private final AtomicLong rowsLoaded = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong failedLoads = new AtomicLong();
  private volatile long oldestLoadStartedAt;
  /**
   * Ends files on time and moves loads on also when no records come: Connect calls put() only when records arrive or
   * an offset commit is due (every {@code offset.flush.interval.ms}, 60 s by default). Everything it does is under
   * this object's lock; what only the task thread may do (rewind, pause, resume: the consumer is not thread-safe) and
   * failures are left for the next put() or preCommit().
   */
  private final java.util.concurrent.ScheduledExecutorService timer;
  /** A failure met by the timer, thrown by the task thread. */
  private RuntimeException timerFailure;

  BatchLoads(BigQuerySinkConfig config, SinkTaskContext context, Function<String, TableRows> rowsOfTopic,
      Storage storage, LoadJobs jobs, Hooks hooks, TaskMetrics metrics, String connector) {
    this.config = config;
    this.context = context;
    this.rowsOfTopic = rowsOfTopic;
    this.storage = storage;
    this.jobs = jobs;
    this.hooks = hooks;
    this.connector = connector;
    this.format = new StagedFormat(config.batchFormat(), 32 << 20);
    this.uploads = new Uploads(2, config.batchMemoryBytes(), connector);
    this.outage = new ServiceWait(config.outageTimeoutMs());
    metrics.gauge("load-files-staged-total", "Files staged in GCS for load jobs.", filesStaged::get);
    metrics.gauge("load-jobs-total", "Load jobs that ended DONE without errors (or were found done).", loads::get);
    metrics.gauge("load-rows-total", "Rows loaded by this task's load jobs.", rowsLoaded::get);
    metrics.gauge("load-jobs-failed-total", "Load jobs that failed (their records failed the task or were reported).",
        failedLoads::get);
    metrics.gauge("records-already-loaded-total", "Records skipped because a load had put them in the table"
        + " already (a replay or redelivery).", skipped::get);
    metrics.gauge("load-wait-ms", "How long the oldest load job in flight has been PENDING or RUNNING; 0 when none.",
        () -> oldestLoadStartedAt == 0 ? 0 : System.currentTimeMillis() - oldestLoadStartedAt);
    metrics.gauge("staging-memory-bytes", "Memory held by staged files' upload buffers.", uploads::held);
    long tick = Math.max(100, Math.min(1_000, config.batchIntervalMs() / 10));
    timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cloudbridge-bigquery-load-timer-" + connector);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::tick, tick, tick, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private synchronized void tick() {
    if (timerFailure != null) {
      return;
    }
    try {
      progress();
    } catch (RuntimeException e) {
      timerFailure = e;
    }
  }

  /**
   * On the task thread: the rewinds, pauses and resumes asked for, and (from put() only: Connect logs and drops what
   * preCommit() throws) the failure the timer met.
   */
  private void fromTimer(boolean fail) {
    RuntimeException failed = timerFailure;
    if (fail && failed != null) {
      timerFailure = null;
      throw failed;
    }
    partitions.values().forEach(Partition::applyToConsumer);
  }

  List<ServiceWait> outages() {
    return List.of(outage);
  }

  synchronized void open(Collection<TopicPartition> assigned) {
    for (TopicPartition tp : assigned) {
      partitions.computeIfAbsent(tp, Partition::new);
    }
  }

  synchronized void put(Collection<SinkRecord> records) {
    rewoundInThisPut.clear();
    fromTimer(true);
    for (SinkRecord r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
      if (rewoundInThisPut.contains(tp)) {
        continue; // the rest of this batch comes again from the rewound offset
      }
      partitions.computeIfAbsent(tp, Partition::new).put(r);
    }
    progress();
    boundMemory();
    fromTimer(true);
  }

  synchronized Map<TopicPartition, OffsetAndMetadata> preCommit() {
    rewoundInThisPut.clear();
    progress();
    fromTimer(false);
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    partitions.forEach((tp, p) -> {
      long c = p.committable();
      if (c >= 0) {
        out.put(tp, new OffsetAndMetadata(c));
      }
    });
    return out;
  }

  synchronized void close(Collection<TopicPartition> revoked) {
    for (TopicPartition tp : revoked) {
      Partition p = partitions.remove(tp);
      if (p != null) {
        p.drop(); // a load in flight stays with BigQuery; the next owner finds it by its id
      }
    }
  }

  void stop() {
    timer.shutdownNow();
    synchronized (this) {
      partitions.values().forEach(Partition::drop);
    }
    partitions.clear();
    uploads.close();
  }

  private void progress() {
    long now = System.currentTimeMillis();
    long oldest = 0;
    for (Partition p : new ArrayList<>(partitions.values())) {
      p.progress(now);
      if (p.inFlight != null && (oldest == 0 || p.inFlight.loadStartedAt < oldest)) {
        oldest = p.inFlight.loadStartedAt;
      }
    }
    oldestLoadStartedAt = oldest;
  }

  /** Keeps staged files' buffers within the budget: sends whole units of the largest, else waits for uploads. */
  private void boundMemory() {
    long budget = config.batchMemoryBytes();
    for (int i = 0; i < 100 && uploads.held() > budget; i++) {
      Staged largest = null;
      for (Partition p : partitions.values()) {
        if (p.current != null && (largest == null || p.current.upload.heldBytes() > largest.upload.heldBytes())) {
          largest = p.current;
        }
      }
      if (largest != null && largest.upload.sendWholeUnits()) {
        continue;
      }
      uploads.dropSpares();
      try {
        uploads.awaitProgress(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** A staged file: its upload, the offsets of its first and last rows, and its load once inserted. */
  private static final class Staged {
    final ObjectUpload<TableRows.Row> upload;
    final TableRows rows;
    final String uri;
    final long first;
    final long openedAt;
    /** The encoder of the file's rows (one record schema per file). */
    io.cloudbridge.bigquery.rows.RowEncoder encoder;
    long last;
    long records;
    int attempt;
    String jobId;
    boolean inserted;
    long checkedAt;
    long checkDelay = FIRST_CHECK_MS;
    long loadStartedAt;
    /** Files staged after this one and loaded by the same job (ready while the previous job ran, same schema). */
    final List<Staged> with = new ArrayList<>();

    Staged(ObjectUpload<TableRows.Row> upload, TableRows rows, String uri, long first, long openedAt) {
      this.upload = upload;
      this.rows = rows;
      this.uri = uri;
      this.first = first;
      this.openedAt = openedAt;
      this.last = first;
    }

    /** The last offset this file's load holds (of the last file loaded with it). */
    long loadLast() {
      return with.isEmpty() ? last : with.get(with.size() - 1).last;
    }

    long loadRecords() {
      return records + with.stream().mapToLong(s -> s.records).sum();
    }

    List<String> loadUris() {
      List<String> all = new ArrayList<>(List.of(uri));
      with.forEach(s -> all.add(s.uri));
      return all;
    }

    String describe(TopicPartition tp) {
      return String.join(", ", loadUris()) + " (records " + tp + "@" + first + ".." + loadLast() + ", "
          + loadRecords() + " rows)";
    }
  }

  /** A failed load's records, sent to the errant-record reporter as they come again. */
  private record FailedRange(long first, long last, String message) {}

  /** One partition's staging and loads. */
  private final class Partition {
    final TopicPartition tp;
    final String table;
    /** Offset of the last record in the table (from the marker and loads); -1 when none is known. */
    long loadedThrough = -1;
    boolean markerRead;
    /** The offset after the last record handled (staged, reported or skipped); -1 before the first. */
    long next = -1;
    Staged current;
    final ArrayDeque<Staged> finishing = new ArrayDeque<>();
    final ArrayDeque<Staged> ready = new ArrayDeque<>();
    Staged inFlight;
    FailedRange failed;
    long pausedUntil;
    /** For the task thread: the offset to read again from (-1: none), and a pause or resume of the partition. */
    long rewindTo = -1;
    boolean pause;
    boolean resume;

    Partition(TopicPartition tp) {
      this.tp = tp;
      this.table = config.table(tp.topic());
    }

    private BlobId marker() {
      return BlobId.of(config.batchBucket(), config.batchPrefix() + "_loaded/" + connector + "/" + tp.topic() + "/"
          + tp.partition());
    }

    private void readMarker() {
      try {
        Blob b = storage.get(marker());
        if (b != null) {
          JsonNode m = JSON.readTree(b.getContent());
          loadedThrough = Math.max(loadedThrough, m.path("loadedThrough").asLong(-1));
          log.info("{}: records through offset {} are loaded already (marker gs://{}/{})", tp, loadedThrough,
              marker().getBucket(), marker().getName());
        }
        markerRead = true;
      } catch (IOException | StorageException e) {
        if (!isOutage(e)) {
          throw new ConnectException(tp + ": cannot read the loaded-offset marker gs://" + marker().getBucket() + "/"
              + marker().getName() + ": " + e.getMessage(), e);
        }
        waitOut(e, "reading the loaded-offset marker");
        context.timeout(outage.nextDelay());
        throw new RetriableException(tp + ": the loaded-offset marker cannot be read yet: " + e.getMessage(), e);
      }
    }

    private void writeMarker(String jobId) {
      try {
        byte[] body = JSON.createObjectNode().put("table", table).put("loadedThrough", loadedThrough)
            .put("job", jobId).toString().getBytes(StandardCharsets.UTF_8);
        storage.create(BlobInfo.newBuilder(marker()).setContentType("application/json").build(), body);
      } catch (StorageException e) {
        // The job's id still finds it for a restart from the committed offset; the next load writes it again.
        log.warn("{}: could not write the loaded-offset marker ({}); the next load writes it", tp, e.getMessage());
      }
    }

    void put(SinkRecord r) {
      if (!markerRead) {
        readMarker();
      }
      long offset = r.kafkaOffset();
      if (next >= 0 && offset < next) {
        return; // delivered again after a retriable failure: handled already
      }
      if (offset <= loadedThrough) {
        skipped.incrementAndGet();
        next = offset + 1;
        return;
      }
      if (failed != null && offset > failed.last) {
        endFailedRange(); // its last offset is gone (compacted, or a transaction marker)
      }
      if (failed != null && offset >= failed.first) {
        hooks.bad(r, new DataException(TableRows.describe(r) + ": " + failed.message));
        next = offset + 1;
        if (offset == failed.last) {
          endFailedRange();
        }
        return;
      }
      if (r.value() == null) {
        hooks.tombstone(); // loads only append rows
        next = offset + 1;
        return;
      }
      TableRows rows = rowsOfTopic.apply(r.topic());
      TableRows.Row row;
      try {
        row = rows.row(r);
      } catch (DataException bad) {
        hooks.bad(r, bad);
        next = offset + 1;
        return;
      } catch (ConnectException failedChange) {
        if (!Outages.isOutage(failedChange)) {
          throw failedChange;
        }
        waitOut(failedChange, "changing table " + table);
        context.timeout(outage.nextDelay());
        throw new RetriableException(failedChange.getMessage(), failedChange);
      }
      try {
        if (current != null && !current.upload.accepts(row)) {
          rotate(); // another record schema: another file
        }
        if (current == null) {
          current = open(rows, offset);
          current.encoder = row.encoder();
        }
        current.upload.write(row, offset);
      } catch (IOException | RuntimeException e) {
        if (e instanceof DataException bad) {
          hooks.bad(r, bad);
          next = offset + 1;
          return;
        }
        uploadFailed(e, offset);
        return;
      }
      current.last = offset;
      current.records++;
      next = offset + 1;
      if (current.records >= config.batchMaxRecords() || current.upload.storedBytes() >= config.batchMaxBytes()) {
        try {
          rotate();
        } catch (IOException | RuntimeException e) {
          uploadFailed(e, -1);
        }
      }
    }

    /** Every record of the failed range went to the errant-record reporter: the range counts as handled. */
    private void endFailedRange() {
      loadedThrough = Math.max(loadedThrough, failed.last);
      writeMarker("errant-record-reporter");
      failed = null;
    }

    private Staged open(TableRows rows, long first) throws IOException {
      String name = config.batchPrefix() + table + "/" + tp.topic() + "/" + tp.partition() + "/" + first + "-"
          + UUID.randomUUID().toString().substring(0, 8) + format.kind().extension;
      BlobInfo info = BlobInfo.newBuilder(config.batchBucket(), name).setContentType(switch (format.kind()) {
        case AVRO -> "application/avro";
        case PARQUET -> "application/vnd.apache.parquet";
        case JSONL -> "application/x-ndjson";
      }).setMetadata(Map.of("cloudbridge-connector", connector, "cloudbridge-first-offset", Long.toString(first)))
          .build();
      ObjectUpload<TableRows.Row> upload = new ObjectUpload<>(storage, info, format, config.batchChunkBytes(),
          first, table, uploads);
      return new Staged(upload, rows, "gs://" + config.batchBucket() + "/" + name, first, System.currentTimeMillis());
    }

    private void rotate() throws IOException {
      if (current != null) {
        Staged s = current;
        current = null;
        finishing.add(s); // first: if ending fails, its records are read again from it
        s.upload.end();
      }
    }

    void progress(long now) {
      if (pausedUntil > 0 && now >= pausedUntil) {
        pausedUntil = 0;
        resume = true;
      }
      try {
        if (current != null && now - current.openedAt >= config.batchIntervalMs()) {
          rotate();
        }
        while (!finishing.isEmpty() && finishing.peek().upload.sent()) {
          Staged s = finishing.peek();
          s.upload.finish();
          finishing.poll();
          filesStaged.incrementAndGet();
          ready.add(s);
        }
      } catch (IOException | RuntimeException e) {
        uploadFailed(e, -1);
        return;
      }
      if (inFlight == null && !ready.isEmpty()) {
        inFlight = ready.poll();
        inFlight.loadStartedAt = now;
        // Files that became ready while the previous job ran go in the same job (fewer jobs: 1,500 a table a day).
        while (!ready.isEmpty() && ready.peek().encoder == inFlight.encoder && inFlight.with.size() < 999) {
          inFlight.with.add(ready.poll());
        }
      }
      if (inFlight != null && now - inFlight.checkedAt >= inFlight.checkDelay) {
        check(now);
      }
    }

    /** Inserts the load in flight (again, after a failure: same id) or asks BigQuery how it is. */
    private void check(long now) {
      Staged s = inFlight;
      if (s.checkedAt > 0) {
        s.checkDelay = Math.min(MAX_CHECK_MS, s.checkDelay * 2);
      }
      s.checkedAt = now;
      TableId id = s.rows.table();
      try {
        LoadJobs.Outcome outcome;
        if (!s.inserted) {
          s.jobId = LoadJobs.jobId(connector, id, tp, s.first, s.attempt);
          outcome = jobs.insert(s.jobId, id, tp, s.loadUris(), s.first, s.loadLast(), format.kind(),
              s.encoder.tableSchema());
          s.inserted = true;
        } else {
          outcome = jobs.get(s.jobId, id);
          if (outcome == null) {
            s.inserted = false; // deleted meanwhile: insert again
            return;
          }
        }
        endWait();
        decide(s, outcome);
      } catch (BigQueryException e) {
        if (!Outages.isOutage(e)) {
          throw new ConnectException(tp + ": load job " + s.jobId + " of " + s.describe(tp) + " into " + table
              + " could not be " + (s.inserted ? "read" : "inserted") + ": " + e.getMessage(), e);
        }
        waitOut(e, "load job " + s.jobId);
      }
    }

    private void decide(Staged s, LoadJobs.Outcome outcome) {
      LoadChain.Decision d = LoadChain.decide(outcome, s.uri, s.first, s.loadLast());
      switch (d.step()) {
        case WAIT -> { }
        case NEXT_ATTEMPT -> {
          log.info("{}: job {} failed earlier and loaded nothing ({}); loading {} as attempt {}", tp, s.jobId,
              outcome.error(), s.describe(tp), s.attempt + 1);
          s.attempt++;
          s.inserted = false;
          s.checkedAt = 0;
          s.checkDelay = FIRST_CHECK_MS;
        }
        case LOADED -> {
          boolean ours = outcome.uris().contains(s.uri);
          loads.incrementAndGet();
          if (ours) {
            rowsLoaded.addAndGet(s.loadRecords());
          } else {
            log.info("{}: records {}..{} were loaded already by job {} (from {}); not loading {} again", tp, s.first,
                d.loadedThrough(), outcome.jobId(), outcome.uris(), s.loadUris());
          }
          loadedThrough = Math.max(loadedThrough, d.loadedThrough());
          inFlight = null;
          writeMarker(outcome.jobId());
          if (!ours) {
            s.loadUris().forEach(this::delete); // staged again, never loaded
          }
          if (!config.batchKeepFiles()) {
            outcome.uris().forEach(this::delete); // loaded (also the file of a job an earlier owner inserted)
          }
          if (d.rewind()) {
            rewind(loadedThrough + 1, "the loaded job ended at another offset than this file");
          }
        }
        case FAILED -> {
          failedLoads.incrementAndGet();
          String message = "load job " + s.jobId + " of " + s.describe(tp) + " into table " + table + " failed: "
              + outcome.error() + (outcome.errors().isEmpty() ? "" : "; errors: " + String.join("; ",
              outcome.errors().subList(0, Math.min(5, outcome.errors().size()))));
          if (!hooks.reports()) {
            throw new ConnectException(message + ". Nothing of the file was loaded; the file is kept. Fix the cause"
                + " and restart the task (the next attempt loads it again), or set errors.tolerance=all and"
                + " errors.deadletterqueue.topic.name to send such ranges to a dead-letter topic.");
          }
          log.warn("{}: {}; sending records {}..{} to the errant-record reporter", tp, message, s.first,
              s.loadLast());
          inFlight = null;
          failed = new FailedRange(s.first, s.loadLast(), message);
          rewind(s.first, "a failed load's records go to the errant-record reporter");
        }
      }
    }

    private void delete(String uri) {
      try {
        storage.delete(BlobId.of(config.batchBucket(), uri.substring(uri.indexOf('/', 5) + 1)));
      } catch (StorageException e) {
        log.warn("{}: could not delete the loaded file {} ({}); a bucket lifecycle rule removes leftovers", tp, uri,
            e.getMessage());
      }
    }

    /** Drops every file not yet loading and reads the partition again from {@code offset}. */
    private void rewind(long offset, String why) {
      dropStaging();
      log.info("{}: reading again from offset {}: {}", tp, offset, why);
      rewindTo = offset;
      next = offset;
      rewoundInThisPut.add(tp);
    }

    /** On the task thread: the rewind, pause or resume asked for (by put() or by the timer). */
    void applyToConsumer() {
      if (rewindTo >= 0) {
        context.offset(tp, rewindTo);
        rewindTo = -1;
        rewoundInThisPut.add(tp); // the rest of this batch comes again from there
      }
      if (pause) {
        pause = false;
        context.pause(tp);
      }
      if (resume) {
        resume = false;
        context.resume(tp);
      }
    }

    private void dropStaging() {
      if (current != null) {
        current.upload.abandon();
        current = null;
      }
      finishing.forEach(s -> s.upload.abandon());
      finishing.clear();
      ready.forEach(s -> delete(s.uri));
      ready.clear();
    }

    /** The first offset of a file not loaded yet (or after the last record handled): what may be committed. */
    long committable() {
      long first = -1;
      for (Staged s : staged()) {
        if (first < 0 || s.first < first) {
          first = s.first;
        }
      }
      if (first >= 0) {
        return first;
      }
      if (failed != null) {
        return failed.first;
      }
      return next;
    }

    private List<Staged> staged() {
      List<Staged> all = new ArrayList<>();
      if (inFlight != null) {
        all.add(inFlight);
        all.addAll(inFlight.with);
      }
      all.addAll(ready);
      all.addAll(finishing);
      if (current != null) {
        all.add(current);
      }
      return all;
    }

    /**
     * An upload failed after the client's retries: the files not yet loading are dropped and their records read
     * again from the first of them (or from {@code failedAt}, the record being written, if earlier), and an outage is
     * waited out with the partition paused.
     */
    private void uploadFailed(Exception e, long failedAt) {
      long from = failedAt;
      for (Staged s : staged()) {
        if (s != inFlight && (inFlight == null || !inFlight.with.contains(s)) && (from < 0 || s.first < from)) {
          from = s.first;
        }
      }
      if (!isOutage(e)) {
        throw new ConnectException(tp + ": staging a file in gs://" + config.batchBucket() + " failed: "
            + e.getMessage(), e);
      }
      waitOut(e, "staging files in gs://" + config.batchBucket());
      if (from >= 0) {
        rewind(from, "staged files were dropped after an upload failure");
      }
      pause = true;
      resume = false;
      pausedUntil = System.currentTimeMillis() + outage.nextDelay();
    }

    void drop() {
      dropStaging();
      if (pausedUntil > 0) {
        pausedUntil = 0;
      }
    }
  }

  private static boolean isOutage(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StorageException se) {
        return GcpRetry.outageStatus(se.getCode());
      }
      if (t instanceof BigQueryException) {
        return Outages.isOutage(t);
      }
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** An outage of GCS or BigQuery: waited out up to the budget, then the task fails naming the cause. */
  private void waitOut(Exception cause, String what) {
    long now = System.currentTimeMillis();
    if (outage.start(now, cause)) {
      log.warn("{} fails for an outage ({}); trying again for up to {} ms ({})", what, cause.getMessage(),
          outage.budgetMs(), ServiceWait.OUTAGE_TIMEOUT);
    }
    if (outage.expired(now)) {
      throw new ConnectException(what + " kept failing for " + outage.waitedMs(now) + " ms ("
          + ServiceWait.OUTAGE_TIMEOUT + "=" + outage.budgetMs() + "): " + cause.getMessage(), cause);
    }
  }

  private void endWait() {
    if (outage.waiting()) {
      log.info("GCS and BigQuery answer again after {} ms", outage.waitedMs(System.currentTimeMillis()));
      outage.end(System.currentTimeMillis());
    }
  }
}
