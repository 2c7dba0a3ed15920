package io.cloudbridge.gcs;

import io.cloudbridge.staging.ObjectUpload;
import io.cloudbridge.staging.Uploads;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import io.cloudbridge.staging.format.OutputFormat;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The objects of one Kafka partition. Records go to the open object of their name (one per rendered template);
 * together the open objects form a group that starts at one offset and ends at one offset. A group ends when one
 * of its objects is full (records or bytes), when record time or the wall clock says so, or when memory is short;
 * then a {@link GroupMarkers marker} records its end and every object is finalized. The offset committed to Kafka
 * is the start of the open group, so everything before it is in finalized objects.
 *
 * <p>Reading offsets again that a group already covers, the writer ends its group where the marker says and skips
 * the group's objects that exist, and the records of offsets that a group before the one it starts in holds.
 */
final class PartitionWriter {

  private static final Logger log = LoggerFactory.getLogger(PartitionWriter.class);

  /** What finalizing and skipping tell the task, for its metrics. */
  interface Listener {
    void finalized(ObjectUpload<SinkRecord> upload);

    void skipped(long records);
  }

  private final TopicPartition tp;
  private final GcsSinkConfig config;
  private final Storage storage;
  private final ObjectNamer namer;
  private final OutputFormat format;
  private final GroupMarkers markers;
  private final Listener listener;
  private final java.time.Clock clock;
  private final Uploads uploads;
  private final Map<String, ObjectUpload<SinkRecord>> open = new LinkedHashMap<>();
  /** Groups ended and being finalized, oldest first. */
  private final ArrayDeque<EndingGroup> ending = new ArrayDeque<>();
  /** Names (group keys) whose object of this group exists already: their records are skipped. */
  private final Set<String> existing = new HashSet<>();
  private final String connector;
  /** Where objects whose names hold their end offset are written until it is known. */
  private final String pending;

  private long groupStart = -1;
  /** The end a marker gives the group being written again, or -1. */
  private long markedEnd = -1;
  /** The objects the marker lists, by the name they had while written. */
  private Map<String, String> markedObjects = Map.of();
  /** Offsets up to this one are in objects of an earlier group (reading resumed inside it). */
  private long skipThrough = -1;
  private long lastOffset = -1;
  private long groupFirstTimestamp = -1;
  private long groupOpenedAt;
  private boolean firstGroup = true;

  PartitionWriter(TopicPartition tp, GcsSinkConfig config, Storage storage, ObjectNamer namer, OutputFormat format,
      GroupMarkers markers, String connector, Uploads uploads, Listener listener) {
    this(tp, config, storage, namer, format, markers, connector, uploads, listener, java.time.Clock.systemUTC());
  }

  /** With the wall clock the schedule is read from ({@code rotate.schedule.interval.ms}). */
  PartitionWriter(TopicPartition tp, GcsSinkConfig config, Storage storage, ObjectNamer namer, OutputFormat format,
      GroupMarkers markers, String connector, Uploads uploads, Listener listener, java.time.Clock clock) {
    this.clock = clock;
    this.uploads = uploads;
    this.tp = tp;
    this.config = config;
    this.storage = storage;
    this.namer = namer;
    this.format = format;
    this.markers = markers;
    this.connector = connector;
    // "~" is in no topic name, so this is no partition's marker directory.
    this.pending = config.markerPrefix() + connector + "/~pending/";
    this.listener = listener;
  }

  /**
   * Writes one record. A record the name template or the format cannot take throws a {@code DataException} and
   * leaves the objects as they were; the caller reports it, then calls {@link #passed} for it.
   */
  void write(SinkRecord r) throws IOException {
    if (!ending.isEmpty()) {
      completeEnded(false);
    }
    long offset = r.kafkaOffset();
    if (offset <= lastOffset) {
      return; // delivered again within this assignment: it is in an object of this group or a finalized one
    }
    if (groupStart >= 0 && markedEnd >= 0 && offset > markedEnd) {
      endGroup(); // the marked end itself never came (compacted away, or a transaction marker)
    }
    if (groupStart < 0 && offset > skipThrough) {
      beginGroup(offset);
    }
    if (offset <= skipThrough) {
      listener.skipped(1);
      lastOffset = offset;
      return;
    }
    if (markedEnd < 0 && config.rotateIntervalMillis() >= 0 && r.timestamp() != null && groupFirstTimestamp >= 0
        && r.timestamp() - groupFirstTimestamp >= config.rotateIntervalMillis()) {
      endGroup();
      beginGroup(offset);
    }
    String key = namer.groupKey(r, groupOpenedAt);
    ObjectUpload<SinkRecord> upload = existing.contains(key) ? null : open.get(key);
    if (upload != null && !upload.accepts(r)) {
      // Avro, Parquet and CSV objects hold one schema: another one starts a new group here.
      if (markedEnd >= 0) {
        log.warn("{}: the schema changes at offset {} inside offsets {}..{} written before as one group (was the"
            + " format changed?); starting a new group", tp, offset, groupStart, markedEnd);
      }
      endGroup();
      beginGroup(offset);
      key = namer.groupKey(r, groupOpenedAt);
      upload = null;
    }
    if (upload == null && !existing.contains(key)) {
      upload = openObject(key, offset);
    }
    if (upload == null) {
      listener.skipped(1); // its object of this group exists already
    } else {
      upload.write(r, r.kafkaOffset());
      if (groupFirstTimestamp < 0 && r.timestamp() != null) {
        groupFirstTimestamp = r.timestamp();
      }
    }
    lastOffset = offset;
    boolean full = upload != null && (upload.records() >= config.flushSize()
        || upload.storedBytes() + upload.bufferedBytes() >= config.maxBytes());
    if (markedEnd >= 0 ? offset >= markedEnd : full) {
      endGroup();
    }
  }

  /** Moves past a record that was reported as bad instead of written. */
  void passed(SinkRecord r) {
    lastOffset = Math.max(lastOffset, r.kafkaOffset());
    if (groupStart < 0) {
      return;
    }
    if (markedEnd >= 0 && lastOffset >= markedEnd) {
      endGroupQuietly();
    }
  }

  private void beginGroup(long offset) {
    groupStart = offset;
    markedEnd = -1;
    existing.clear();
    groupFirstTimestamp = -1;
    groupOpenedAt = clock.millis();
    GroupMarkers.Group marked = markers.startingAt(tp, offset);
    if (marked == null && firstGroup) {
      // Reading may resume inside a group written before (an offset reset): skip what that group holds.
      GroupMarkers.Group holding = markers.holding(tp, offset, 10L * config.flushSize());
      if (holding != null) {
        log.info("{}: offsets {}..{} are in objects written before; skipping them", tp, offset, holding.end());
        skipThrough = holding.end();
        groupStart = -1;
        firstGroup = false;
        return;
      }
    }
    firstGroup = false;
    if (marked != null) {
      markedEnd = marked.end();
      markedObjects = marked.objects();
      log.info("{}: offsets {}..{} were written before; writing only the objects of them that are missing", tp,
          offset, markedEnd);
    }
  }

  private ObjectUpload<SinkRecord> openObject(String key, long offset) throws IOException {
    String name = namer.name(key, offset);
    if (markedEnd >= 0) {
      String finalName = namer.hasEndOffset() ? markedObjects.get(name) : name;
      if (finalName != null && storage.get(BlobId.of(config.bucket(), finalName)) != null) {
        existing.add(key);
        if (namer.hasEndOffset()) {
          deleteQuietly(BlobId.of(config.bucket(), pending + name)); // left behind if a crash came between
        }
        return null;
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("kafka-topic", tp.topic());
    metadata.put("kafka-partition", Integer.toString(tp.partition()));
    metadata.put("kafka-start-offset", Long.toString(offset));
    metadata.put("cloudbridge-connector", connector);
    // With {{end_offset}} in names, an object is written under a name of its own and copied to its name at the end.
    String target = namer.hasEndOffset() ? pending + name : name;
    BlobInfo info = BlobInfo.newBuilder(config.bucket(), target).setContentType(format.contentType())
        .setContentEncoding(format.contentEncoding()).setMetadata(metadata).build();
    ObjectUpload<SinkRecord> upload = new ObjectUpload<>(storage, info, format, config.chunkBytes(), offset, key, uploads);
    open.put(key, upload);
    return upload;
  }

  /** Finalizes the group if the wall-clock schedule says it is time; true if it did. */
  boolean endIfScheduled(long now) throws IOException {
    if (open.isEmpty() || config.rotateScheduleMillis() < 0 || markedEnd >= 0
        || now - groupOpenedAt < config.rotateScheduleMillis()) {
      return false;
    }
    endGroup();
    return true;
  }

  /** Finalizes every open object of the group, after writing the marker that says where the group ends. */
  void endGroup() throws IOException {
    if (groupStart < 0) {
      return;
    }
    long end = lastOffset;
    if (!open.isEmpty()) {
      if (markedEnd < 0) {
        Map<String, String> names = new LinkedHashMap<>();
        open.values().forEach(u -> names.put(namer.name(u.groupKey(), u.startOffset()), finalName(u)));
        markers.write(tp, groupStart, end, names);
      }
      for (ObjectUpload<SinkRecord> upload : open.values()) {
        if (upload.records() > 0) {
          upload.end(); // the upload threads send the last chunks and finalize; the task writes on meanwhile
        }
      }
      ending.add(new EndingGroup(groupStart, end, List.copyOf(open.values())));
    }
    open.clear();
    existing.clear();
    groupStart = -1;
    markedEnd = -1;
    markedObjects = Map.of();
  }

  /** A group whose objects are being finalized by the upload threads; its offsets are not committable yet. */
  private record EndingGroup(long start, long end, List<ObjectUpload<SinkRecord>> uploads) {
    boolean sent() {
      return uploads.stream().allMatch(ObjectUpload::sent);
    }
  }

  /**
   * Completes the groups whose uploads are done, oldest first (with {@code wait}, all of them, waiting for their
   * uploads): an upload that failed fails here, naming its object.
   */
  void completeEnded(boolean wait) throws IOException {
    while (!ending.isEmpty() && (wait || ending.peek().sent())) {
      EndingGroup g = ending.peek();
      for (ObjectUpload<SinkRecord> upload : g.uploads()) {
        try {
          finish(upload);
        } catch (StorageException e) {
          throw new StorageException(e.getCode(), "Finalizing " + describe(upload) + ": " + e.getMessage(), e);
        } catch (IOException e) {
          throw new IOException("Finalizing " + describe(upload) + ": " + e.getMessage(), e);
        }
      }
      ending.poll();
    }
  }

  private String describe(ObjectUpload<SinkRecord> upload) {
    return "gs://" + config.bucket() + "/" + upload.name() + " (offsets " + upload.startOffset() + ".."
        + upload.lastOffset() + " of " + tp + ")";
  }

  private void endGroupQuietly() {
    try {
      endGroup();
    } catch (IOException e) {
      throw new ConnectException("Finalizing the objects of " + tp + ": " + e.getMessage(), e);
    }
  }

  private void finish(ObjectUpload<SinkRecord> upload) throws IOException {
    if (upload.records() == 0) {
      // Its only records were bad ones (reported): no object; a replay reaches the same conclusion.
      log.debug("{} holds no records; not creating it", upload.name());
      upload.abandon();
      return;
    }
    try {
      upload.finish();
    } catch (StorageException | IOException e) {
      // A 412 may come with the final chunk (a StorageException) or with an earlier one, which the client's write
      // channel wraps in an IOException: either way GCS checked ifGenerationMatch=0, so the object exists.
      if (ObjectUpload.preconditionFailed(e) == null) {
        throw e;
      }
      // Created meanwhile by another writer of the same group (the marker agreed on its end): the same records.
      log.info("{} exists already (written by another task for the same offsets); keeping it", upload.name());
      if (!namer.hasEndOffset()) {
        return;
      }
    }
    if (namer.hasEndOffset()) {
      publish(upload);
      return;
    }
    listener.finalized(upload);
    addEndMetadata(upload);
  }

  private String finalName(ObjectUpload<SinkRecord> upload) {
    return namer.hasEndOffset() ? namer.name(upload.groupKey(), upload.startOffset(), upload.lastOffset())
        : upload.name();
  }

  /**
   * Copies an object written under its own name to the name with its end offset (only if no object has that name:
   * a replay may have got there first), with the end in its metadata, then deletes the first.
   */
  private void publish(ObjectUpload<SinkRecord> upload) {
    BlobInfo target = upload.info().toBuilder().setBlobId(BlobId.of(config.bucket(), finalName(upload)))
        .setMetadata(endMetadata(upload)).build();
    try {
      storage.copy(Storage.CopyRequest.newBuilder().setSource(upload.info().getBlobId())
          .setTarget(target, Storage.BlobTargetOption.doesNotExist()).build()).getResult();
      listener.finalized(upload);
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw e;
      }
      log.info("{} exists already (written before for the same offsets); keeping it", target.getName());
    }
    deleteQuietly(upload.info().getBlobId());
  }

  private void deleteQuietly(BlobId id) {
    try {
      storage.delete(id);
    } catch (StorageException e) {
      log.debug("Could not delete {}: {}", id.getName(), e.getMessage());
    }
  }

  /**
   * The end of the object's offsets, for people and tools reading the bucket; the marker is what replays use. The
   * whole metadata is sent (known from the object's creation), so no read comes first; best effort, not retried.
   */
  private void addEndMetadata(ObjectUpload<SinkRecord> upload) {
    try {
      storage.update(upload.info().toBuilder().setMetadata(endMetadata(upload)).build());
    } catch (StorageException e) {
      log.debug("Could not add the end offset to {}'s metadata: {}", upload.name(), e.getMessage());
    }
  }

  private static Map<String, String> endMetadata(ObjectUpload<SinkRecord> upload) {
    Map<String, String> metadata = new LinkedHashMap<>(upload.info().getMetadata());
    metadata.put("kafka-end-offset", Long.toString(upload.lastOffset()));
    metadata.put("kafka-records", Long.toString(upload.records()));
    return metadata;
  }

  /** The offset to commit: nothing before it is left outside a finalized object. -1 when nothing was read. */
  long committable() {
    if (!ending.isEmpty()) {
      return ending.peek().start();
    }
    if (groupStart >= 0) {
      return groupStart;
    }
    return lastOffset < 0 ? -1 : lastOffset + 1;
  }

  /** Records read since the open group started: their offsets wait for its objects to be finalized. */
  long uncommitted() {
    long committable = committable();
    return committable < 0 ? 0 : lastOffset + 1 - committable;
  }

  /** When the open group's first object was opened (wall clock), or -1 without one. */
  long groupOpenedAt() {
    return open.isEmpty() ? -1 : groupOpenedAt;
  }

  /** The open object holding the most unsent bytes, or null. */
  ObjectUpload<SinkRecord> largestBuffer() {
    ObjectUpload<SinkRecord> largest = null;
    for (ObjectUpload<SinkRecord> u : open.values()) {
      if (largest == null || u.heldBytes() > largest.heldBytes()) {
        largest = u;
      }
    }
    return largest;
  }

  /** Unsent bytes of the open objects. */
  long heldBytes() {
    long held = 0;
    for (ObjectUpload<SinkRecord> u : open.values()) {
      held += u.heldBytes();
    }
    return held;
  }

  int openObjects() {
    return open.size();
  }

  /** Drops the open objects unfinished: their uploads never complete, and the offsets are read again later. */
  void abandon() {
    open.values().forEach(ObjectUpload::abandon);
    open.clear();
    ending.clear();
    existing.clear();
    groupStart = -1;
  }

  TopicPartition partition() {
    return tp;
  }
}
