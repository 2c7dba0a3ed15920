package io.cloudbridge.s3events;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Source partitions and offsets of objects. The partition is the object (bucket, key, and version id on versioned
 * buckets); the offset says which content it was (etag, S3 sequencer) and how far it was read: records read
 * (bad ones included), the byte position after the last one where the format can resume from a position (else
 * -1), the last line number, and whether the object was read to the end.
 */
final class ObjectOffsets {

  static final String BUCKET = "bucket";
  static final String KEY = "key";
  static final String VERSION = "version";
  static final String ETAG = "etag";
  static final String SEQUENCER = "sequencer";
  static final String RECORDS = "records";
  static final String POSITION = "position";
  static final String LINE = "line";
  static final String DONE = "done";

  /** What to do with an object event, given what the offsets say about that object. */
  enum Action {
    /** Never read (or different content): read from the start. */
    READ,
    /** The same content, partly read: go on from the offset. */
    RESUME,
    /** The same content, read to the end: a duplicate notification. */
    DUPLICATE,
    /** Older content than what was read already (lower sequencer): an out-of-order notification. */
    STALE
  }

  private ObjectOffsets() {}

  static Map<String, String> partition(ObjectEvent e) {
    Map<String, String> p = new HashMap<>();
    p.put(BUCKET, e.bucket());
    p.put(KEY, e.key());
    if (e.versionId() != null) {
      p.put(VERSION, e.versionId());
    }
    return p;
  }

  static Map<String, Object> offset(ObjectEvent e, long records, long position, long line, boolean done) {
    Map<String, Object> o = new HashMap<>();
    o.put(ETAG, e.etag() == null ? "" : e.etag());
    o.put(SEQUENCER, e.sequencer() == null ? "" : e.sequencer());
    o.put(RECORDS, records);
    o.put(POSITION, position);
    o.put(LINE, line);
    o.put(DONE, done);
    return o;
  }

  static Action decide(ObjectEvent e, Map<String, ?> offset) {
    if (offset == null) {
      return Action.READ;
    }
    String etag = string(offset.get(ETAG));
    String sequencer = string(offset.get(SEQUENCER));
    // An offset with neither etag nor sequencer was written by an operator (KIP-875): it is about this content.
    boolean sameContent = e.replay() || e.versionId() != null || (etag.isEmpty() && sequencer.isEmpty())
        || (e.etag() != null && e.etag().equals(etag))
        || (e.etag() == null && e.sequencer() != null && compareSequencers(e.sequencer(), sequencer) == 0);
    if (sameContent) {
      return Boolean.TRUE.equals(offset.get(DONE)) ? Action.DUPLICATE : Action.RESUME;
    }
    if (e.sequencer() != null && !sequencer.isEmpty() && compareSequencers(e.sequencer(), sequencer) < 0) {
      return Action.STALE;
    }
    return Action.READ;
  }

  /**
   * Orders two sequencers of the same key: right-pad the shorter with '0', compare as hex text (case ignored).
   */
  static int compareSequencers(String a, String b) {
    String x = a.toUpperCase(Locale.ROOT);
    String y = b.toUpperCase(Locale.ROOT);
    int n = Math.max(x.length(), y.length());
    return pad(x, n).compareTo(pad(y, n));
  }

  private static String pad(String s, int n) {
    return s.length() >= n ? s : s + "0".repeat(n - s.length());
  }

  static long number(Object o, long otherwise) {
    return o instanceof Number n ? n.longValue() : otherwise;
  }

  private static String string(Object o) {
    return o == null ? "" : o.toString();
  }

  /**
   * Why an offset a user wants to write (KIP-875) is not one this connector can honour, or null when it is.
   * A null offset (a reset) is always fine.
   */
  static String problem(Map<String, ?> partition, Map<String, ?> offset) {
    if (partition == null || !(partition.get(BUCKET) instanceof String b) || b.isEmpty()
        || !(partition.get(KEY) instanceof String k) || k.isEmpty()) {
      return "a partition needs the string fields 'bucket' and 'key' (and 'version' on versioned buckets): "
          + partition;
    }
    for (String field : partition.keySet()) {
      if (!field.equals(BUCKET) && !field.equals(KEY) && !field.equals(VERSION)) {
        return "unknown partition field '" + field + "' in " + partition;
      }
    }
    if (offset == null) {
      return null;
    }
    if (!(offset.get(RECORDS) instanceof Number n) || n.longValue() < 0) {
      return "offset of " + partition + " needs 'records', a number of records already read (0 or more): " + offset;
    }
    if (offset.containsKey(DONE) && !(offset.get(DONE) instanceof Boolean)) {
      return "offset field 'done' must be true or false: " + offset;
    }
    for (String field : new String[] {POSITION, LINE}) {
      if (offset.containsKey(field) && !(offset.get(field) instanceof Number)) {
        return "offset field '" + field + "' must be a number: " + offset;
      }
    }
    if (number(offset.get(POSITION), -1) > 0 && number(offset.get(RECORDS), 0) == 0) {
      return "offset of " + partition + " has a position but no records before it: " + offset;
    }
    return null;
  }
}
