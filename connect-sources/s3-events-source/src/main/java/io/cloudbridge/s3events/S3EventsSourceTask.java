package io.cloudbridge.s3events;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.config.TopicTemplate;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.common.retry.ServiceWait;
import io.cloudbridge.common.sqs.SqsQueueIntake;
import io.cloudbridge.s3events.NotificationParser.MalformedNotificationException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Reads the objects that S3 notifications on an SQS queue announce, one object at a time, and turns their contents
 * into records. Each record's offset says how far its object was read, so a restarted task resumes inside a
 * half-read object, and a notification for an object already read to the end is recognised as a duplicate. A
 * notification is deleted only once every record of its objects is acknowledged by Kafka. With exactly-once source
 * support on the workers, records and offsets are written in one transaction per poll.
 */
public class S3EventsSourceTask extends SourceTask {

  private static final Logger log = LoggerFactory.getLogger(S3EventsSourceTask.class);
  private static final int REMEMBERED_OBJECTS = 10_000;

  private S3EventsSourceConfig config;
  private AwsClients aws;
  private S3Client s3;
  private String queueUrl;
  private SqsQueueIntake queue;
  private ObjectOpener opener;
  private RecordBuilder builder;
  private TaskMetrics metrics;
  private final Deque<Pending> pending = new ArrayDeque<>();
  private ObjectRead current;
  /** The latest offset this task emitted per object: fresher than the offset store until it is committed. */
  private final Map<Map<String, String>, Map<String, Object>> emitted = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Map<String, String>, Map<String, Object>> eldest) {
      return size() > REMEMBERED_OBJECTS;
    }
  };
  private final AtomicLong lagMillis = new AtomicLong();
  /** Records handed to Connect and not yet acknowledged by Kafka: bounded by max.unacknowledged.records. */
  private final AtomicLong unacknowledged = new AtomicLong();

  private Counter malformedNotifications;
  private Counter ignoredEvents;
  private Counter duplicates;
  private Counter superseded;
  private Counter objectsRead;
  private Counter recordsProduced;
  private Counter recordsAcknowledged;
  private Counter errorsMissing;
  private Counter errorsAccess;
  private Counter errorsCorrupt;
  private Counter errorsRecord;
  private Counter readRetries;
  /** Reads of objects failing for reasons not the object's (S3 down, 5xx, the network): the wait and its budget. */
  private ServiceWait s3Outage;
  /** When the object whose read failed is opened again. */
  private long reopenAt;

  /** An object event waiting to be read, and the notification it came in. */
  private record Pending(ObjectEvent event, NotificationHold hold) {}

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new S3EventsSourceConfig(props);
    aws = new AwsClients(config.aws());
    s3 = aws.configure(S3Client.builder(), 4, config.s3Endpoint())
        .forcePathStyle(config.pathStyle())
        .build();
    metrics = TaskMetrics.from(context);
    ServiceWait sqsOutage = new ServiceWait(config.queue().outageTimeoutMs());
    s3Outage = new ServiceWait(config.queue().outageTimeoutMs());
    ServiceWait.gauges(metrics, "SQS or S3", sqsOutage, s3Outage);
    queue = new SqsQueueIntake(aws, config.queue(), metrics, "notifications", 1, sqsOutage);
    queueUrl = queue.queueUrl();
    malformedNotifications = metrics.counter("notifications-malformed-total",
        "SQS messages that are not S3 notifications; left to the queue's redrive policy.");
    ignoredEvents = metrics.counter("events-ignored-total",
        "Object events not read: not object-created, or the key does not pass the filters.");
    duplicates = metrics.counter("events-duplicate-total",
        "Object events for content already read (or older than it); the object was not read again.");
    superseded = metrics.counter("events-superseded-total",
        "Object events not read because the object's content changed since (its etag no longer matches); the"
            + " notification of the new content is read instead.");
    objectsRead = metrics.counter("objects-read-total", "Objects read to the end.");
    Counter bytes = metrics.counter("bytes-read-total", "Bytes read from S3 (as stored, before decompression).");
    recordsProduced = metrics.counter("records-produced-total", "Records handed to Kafka Connect.");
    recordsAcknowledged = metrics.counter("records-acknowledged-total", "Records Kafka acknowledged.");
    errorsMissing = metrics.counter("errors-missing-object-total", "Objects gone before they were read.");
    errorsAccess = metrics.counter("errors-access-denied-total", "Objects the credentials may not read.");
    errorsCorrupt = metrics.counter("errors-corrupt-object-total", "Objects with damaged compression or format.");
    errorsRecord = metrics.counter("errors-bad-record-total", "Lines or records the format could not read.");
    readRetries = metrics.counter("s3-read-retries-total",
        "Reads of an object from S3 that failed (connection, timeout, 5xx) and were tried again from where they stopped.");
    metrics.gauge("event-to-produce-lag-ms", "From the S3 event time to when its last record was produced.",
        lagMillis::get);
    opener = new ObjectOpener(s3, config, bytes);
    metrics.gauge("schema-changes-total", "How often the schema learned for the task's JSON records widened with a"
        + " new field; rare once the records' shapes are known.", opener::schemaChanges);
    builder = new RecordBuilder(config);
    log.info("Reading objects announced on {} as {}", queueUrl, config.format().name().toLowerCase());
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    List<SourceRecord> out = new ArrayList<>();
    while (out.size() < config.batchRecords()) {
      if (!roomForMore(!out.isEmpty())) {
        break;
      }
      if (current == null) {
        if (pending.isEmpty()) {
          takeNotifications(out.isEmpty() ? Duration.ofSeconds(1) : Duration.ZERO);
        }
        Pending next = pending.poll();
        if (next == null) {
          break;
        }
        current = begin(next, out);
        continue;
      }
      if (current.reader == null) {
        boolean open = reopen(current, out);
        if (current.finished) {
          current = null;
          continue;
        }
        if (!open) {
          break; // S3 failed again: hand over what was read, and try again on the next poll
        }
      }
      if (!step(current, out)) {
        finish(current);
        current = null;
      }
    }
    recordsProduced.add(out.size());
    return out.isEmpty() ? null : out;
  }

  private void takeNotifications(Duration wait) throws InterruptedException {
    for (Message m : queue.take(config.queue().maxMessages(), wait)) {
      List<ObjectEvent> events;
      try {
        events = NotificationParser.parse(m.body());
      } catch (MalformedNotificationException e) {
        malformedNotifications.increment();
        log.warn("SQS message {} on {} is not an S3 notification ({}); leaving it to the queue's redrive policy",
            m.messageId(), queueUrl, e.getMessage());
        queue.leave(m.messageId());
        continue;
      }
      NotificationHold hold = new NotificationHold(m.messageId(), () -> queue.done(m.messageId()));
      for (ObjectEvent e : events) {
        if (!e.created()) {
          ignoredEvents.increment();
          log.debug("Ignoring {} of {} (message {}): not an object-created event", e.eventName(), e.describe(),
              m.messageId());
        } else if (!config.wanted(e.key())) {
          ignoredEvents.increment();
          log.debug("Ignoring {} (message {}): the key filters exclude it", e.describe(), m.messageId());
        } else {
          hold.hold();
          pending.add(new Pending(e, hold));
        }
      }
      hold.sealed();
    }
  }

  /** Starts reading an object, or decides it needs no reading; null when there is nothing to read. */
  private ObjectRead begin(Pending p, List<SourceRecord> out) {
    ObjectEvent e = p.event();
    Map<String, String> partition = ObjectOffsets.partition(e);
    Map<String, ?> offset = emitted.get(partition);
    if (offset == null) {
      offset = context.offsetStorageReader().offset(partition);
    }
    ObjectOffsets.Action action = ObjectOffsets.decide(e, offset);
    if (action == ObjectOffsets.Action.DUPLICATE || action == ObjectOffsets.Action.STALE) {
      duplicates.increment();
      log.info("Not reading {} again (message {}): {}", e.describe(), p.hold().messageId(),
          action == ObjectOffsets.Action.DUPLICATE ? "it was read to the end already" : "a later version was read");
      p.hold().done();
      return null;
    }
    String topic;
    try {
      topic = builder.topic(e);
    } catch (TopicTemplate.MissingValueException missing) {
      objectFailed(new ObjectRead(p, partition, null), "bad-record",
          errorsRecord, missing.getMessage() + " (topic " + config.topic() + ")", out);
      return null;
    }
    ObjectRead r = new ObjectRead(p, partition, topic);
    if (action == ObjectOffsets.Action.RESUME) {
      r.index = ObjectOffsets.number(offset.get(ObjectOffsets.RECORDS), 0);
      r.position = ObjectOffsets.number(offset.get(ObjectOffsets.POSITION), -1);
      r.line = ObjectOffsets.number(offset.get(ObjectOffsets.LINE), 0);
      log.info("Resuming {} after {} records", e.describe(), r.index);
    }
    reopen(r, out);
    return r.finished ? null : r;
  }

  /**
   * Opens (or opens again, after a failed read) the object where reading stopped; false when it could not be
   * opened now (the object stays current and is tried again) or it ended with an error policy.
   */
  private boolean reopen(ObjectRead r, List<SourceRecord> out) {
    ObjectEvent e = r.pending.event();
    if (r.attempts > 0) {
      // Waiting out S3: a second at most per poll, so the task stops promptly and hands over what it has.
      long left = reopenAt - System.currentTimeMillis();
      if (left > 0) {
        pause(Math.min(1_000L, left));
        if (System.currentTimeMillis() < reopenAt) {
          return false;
        }
      }
    }
    boolean seek = opener.seekable(e) && r.position > 0;
    try {
      r.reader = opener.open(e, seek ? r.position : 0, seek ? r.line : 0);
      if (!seek && r.index > 0) {
        long skipped = r.reader.skip(r.index);
        if (skipped < r.index) {
          log.warn("{} has {} records, fewer than the {} its offset says were read; nothing left to read",
              e.describe(), skipped, r.index);
        }
      }
      return true;
    } catch (NoSuchKeyException missing) {
      objectFailed(r, "missing-object", errorsMissing, "the object does not exist (any more)", out);
    } catch (S3Exception s3e) {
      int status = s3e.statusCode();
      String detail = s3e.awsErrorDetails() == null ? s3e.getMessage()
          : s3e.awsErrorDetails().errorCode() + ": " + s3e.awsErrorDetails().errorMessage();
      if (status == 403) {
        objectFailed(r, "access-denied", errorsAccess, "access denied (" + detail + ")", out);
      } else if (status == 404) {
        objectFailed(r, "missing-object", errorsMissing, "not found (" + detail + ")", out);
      } else if (status == 412) {
        superseded.increment();
        log.info("Not reading {}: its content changed since the notification (etag {} no longer matches); the"
            + " notification of the new content will be read", e.describe(), e.etag());
        closeQuietly(r);
        r.pending.hold().done();
        r.finished = true;
      } else {
        readFailed(r, s3e);
      }
    } catch (SdkException | S3ReadException transientFailure) {
      readFailed(r, transientFailure);
    } catch (IOException corrupt) {
      objectFailed(r, "corrupt-object", errorsCorrupt, corrupt.getMessage(), out);
    }
    return false;
  }

  /** Reads one more record of the object into {@code out}; false at its end (or when it ended with an error). */
  private boolean step(ObjectRead r, List<SourceRecord> out) {
    RecordReader.Parsed parsed;
    try {
      parsed = r.reader.next();
    } catch (BadRecordException bad) {
      emitLookahead(r, out, false);
      long index = r.index++;
      r.line = bad.line();
      if (bad.positionAfter() >= 0) {
        r.position = bad.positionAfter();
      }
      badRecord(r, index, bad, out);
      return true;
    } catch (S3ReadException broken) {
      emitLookahead(r, out, false);
      readFailed(r, broken);
      return true;
    } catch (IOException corrupt) {
      emitLookahead(r, out, false);
      objectFailed(r, "corrupt-object", errorsCorrupt, corrupt.getMessage() + " after " + r.index + " records", out);
      return false;
    }
    r.attempts = 0;
    if (s3Outage.waiting()) {
      log.info("Reading from S3 works again after {} ms", s3Outage.waitedMs(System.currentTimeMillis()));
      s3Outage.end(System.currentTimeMillis());
    }
    if (parsed == null) {
      emitLookahead(r, out, true);
      return false;
    }
    emitLookahead(r, out, false);
    r.lookahead = parsed;
    r.lookaheadIndex = r.index++;
    r.line = parsed.line();
    r.position = parsed.positionAfter();
    return true;
  }

  /**
   * Emits the record read before the current one: only once the next read shows whether it was the object's last
   * can its offset say so.
   */
  private void emitLookahead(ObjectRead r, List<SourceRecord> out, boolean last) {
    RecordReader.Parsed p = r.lookahead;
    if (p == null) {
      return;
    }
    r.lookahead = null;
    Map<String, Object> offset = ObjectOffsets.offset(r.pending.event(), r.lookaheadIndex + 1, p.positionAfter(),
        p.line(), last);
    emitted.put(r.partition, offset);
    ObjectRecord record = builder.record(r.pending.hold(), r.pending.event(), r.topic, r.partition, offset,
        r.lookaheadIndex, p);
    emit(out, record);
    Long eventMillis = builder.eventMillis(r.pending.event());
    if (eventMillis != null) {
      lagMillis.set(System.currentTimeMillis() - eventMillis);
    }
  }

  /** Hands a record to Connect: its notification waits for it, and it counts until Kafka acknowledges it. */
  private void emit(List<SourceRecord> out, ObjectRecord record) {
    record.hold().hold();
    unacknowledged.incrementAndGet();
    out.add(record);
  }

  /**
   * Whether reading may go on: fewer records than max.unacknowledged.records await Kafka's acknowledgement. When
   * nothing was read yet in this poll, waits up to a second for acknowledgements.
   */
  private boolean roomForMore(boolean anyRead) throws InterruptedException {
    int max = config.maxUnacknowledged();
    if (unacknowledged.get() < max) {
      return true;
    }
    if (anyRead) {
      return false;
    }
    long deadline = System.nanoTime() + 1_000_000_000L;
    synchronized (unacknowledged) {
      while (unacknowledged.get() >= max) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        unacknowledged.wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }

  private void badRecord(ObjectRead r, long index, BadRecordException bad, List<SourceRecord> out) {
    errorsRecord.increment();
    ObjectEvent e = r.pending.event();
    String where = e.describe() + (bad.line() > 0 ? " line " + bad.line() : " record " + index);
    switch (config.policy(S3EventsSourceConfig.RECORD_POLICY)) {
      case FAIL -> throw new ConnectException("Cannot read " + where + ": " + bad.getMessage()
          + " (errors.bad.record.policy=fail)");
      case SKIP -> log.warn("Skipping {}: {} (errors.bad.record.policy=skip)", where, bad.getMessage());
      case DEAD_LETTER -> {
        log.warn("Sending {} to {}: {}", where, config.deadLetterTopic(), bad.getMessage());
        Map<String, Object> offset = ObjectOffsets.offset(e, index + 1, r.position, bad.line(), false);
        emitted.put(r.partition, offset);
        emit(out, builder.deadLetter(r.pending.hold(), e, r.partition, offset, index, bad.line(), "bad-record",
            bad.getMessage(), bad.raw()));
      }
    }
  }

  /** The object cannot be read (any further): fail, dead-letter or skip it as configured. */
  private void objectFailed(ObjectRead r, String kind, Counter counter, String reason, List<SourceRecord> out) {
    counter.increment();
    ObjectEvent e = r.pending.event();
    closeQuietly(r);
    String setting = switch (kind) {
      case "missing-object" -> S3EventsSourceConfig.MISSING_POLICY;
      case "access-denied" -> S3EventsSourceConfig.ACCESS_POLICY;
      case "corrupt-object" -> S3EventsSourceConfig.CORRUPT_POLICY;
      default -> S3EventsSourceConfig.RECORD_POLICY;
    };
    switch (config.policy(setting)) {
      case FAIL -> throw new ConnectException("Cannot read " + e.describe() + " (message " + r.pending.hold().messageId()
          + "): " + reason + " (" + setting + "=fail)");
      case SKIP -> log.warn("Skipping {} (message {}): {} ({}=skip)", e.describe(), r.pending.hold().messageId(),
          reason, setting);
      case DEAD_LETTER -> {
        log.warn("Sending an error record for {} to {}: {}", e.describe(), config.deadLetterTopic(), reason);
        Map<String, Object> offset = ObjectOffsets.offset(e, r.index, r.position, r.line, true);
        emitted.put(r.partition, offset);
        emit(out, builder.deadLetter(r.pending.hold(), e, r.partition, offset, r.index, r.line, kind, reason, null));
      }
    }
    r.finished = true;
    r.pending.hold().done();
  }

  /** Reading from S3 failed for a reason that is not the object's: try again from where reading stopped. */
  private void readFailed(ObjectRead r, Exception cause) {
    closeQuietly(r);
    r.attempts++;
    readRetries.increment();
    ObjectEvent e = r.pending.event();
    long now = System.currentTimeMillis();
    s3Outage.start(now, cause);
    if (s3Outage.expired(now)) {
      throw new ConnectException("Reading " + e.describe() + " failed " + r.attempts + " times in a row over "
          + s3Outage.waitedMs(now) + " ms (" + ServiceWait.OUTAGE_TIMEOUT + "=" + s3Outage.budgetMs() + "); last: "
          + cause.getMessage(), cause);
    }
    long delay = s3Outage.nextDelay();
    reopenAt = now + delay;
    log.warn("Reading {} failed after {} records (attempt {}, failing for {} ms); reading on from there in {} ms: {}",
        e.describe(), r.index, r.attempts, s3Outage.waitedMs(now), delay, cause.getMessage());
  }

  private void finish(ObjectRead r) {
    closeQuietly(r);
    if (!r.finished) {
      objectsRead.increment();
      r.finished = true;
      r.pending.hold().done();
    }
  }

  private static void closeQuietly(ObjectRead r) {
    if (r.reader != null) {
      try {
        r.reader.close();
      } catch (IOException | RuntimeException e) {
        log.debug("Closing the reader of {} failed", r.pending.event().describe(), e);
      }
      r.reader = null;
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    // metadata is null when a transform dropped the record: that, too, is the pipeline being done with it.
    recordsAcknowledged.increment();
    if (record instanceof ObjectRecord r) {
      r.hold().done();
      if (unacknowledged.decrementAndGet() < config.maxUnacknowledged()) {
        synchronized (unacknowledged) {
          unacknowledged.notifyAll();
        }
      }
    }
  }

  @Override
  public void stop() {
    if (current != null) {
      closeQuietly(current);
    }
    if (queue != null) {
      queue.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {s3, aws}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          log.debug("Closing {} failed", c, e);
        }
      }
    }
  }

  /** The object being read: where reading stands, and the record read but not yet emitted. */
  private static final class ObjectRead {
    final Pending pending;
    final Map<String, String> partition;
    final String topic;
    RecordReader reader;
    long index;
    long position = -1;
    long line;
    RecordReader.Parsed lookahead;
    long lookaheadIndex;
    int attempts;
    boolean finished;

    ObjectRead(Pending pending, Map<String, String> partition, String topic) {
      this.pending = pending;
      this.partition = partition;
      this.topic = topic;
    }
  }
}
