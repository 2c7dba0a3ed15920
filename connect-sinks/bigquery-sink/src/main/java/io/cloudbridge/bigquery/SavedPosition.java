package io.cloudbridge.bigquery;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What exactly-once saves with a partition's committed Kafka offset, in the commit's metadata: the record at that
 * offset becomes logical row {@code row}; logical rows from {@code base} on go to {@code stream} at offset
 * {@code row - base}, rows below {@code base} are already in earlier (finalized) streams; {@code refused} are the
 * Kafka offsets at or after the committed one whose rows BigQuery refused (sent to the dead-letter topic), which
 * take no row.
 */
record SavedPosition(String stream, long base, long row, SortedSet<Long> refused) {

  private static final String VERSION = "cb-bq1";
  /** Kafka's default offset.metadata.max.bytes. */
  static final int MAX_LENGTH = 4096;

  public SavedPosition {
    refused = new TreeSet<>(refused);
  }

  /** The metadata text, for {@code OffsetAndMetadata}. */
  String encode() {
    StringBuilder b = new StringBuilder(VERSION).append(';').append(stream).append(';').append(base).append(';')
        .append(row).append(';');
    List<String> offsets = new ArrayList<>();
    refused.forEach(o -> offsets.add(Long.toString(o)));
    b.append(String.join(",", offsets));
    if (b.length() > MAX_LENGTH) {
      throw new IllegalStateException("too many refused records to save with the offset commit (" + refused.size()
          + ")");
    }
    return b.toString();
  }

  /** The saved position in {@code metadata}, or null when it holds none (absent, another connector's, damaged). */
  static SavedPosition decode(String metadata) {
    if (metadata == null || !metadata.startsWith(VERSION + ";")) {
      return null;
    }
    String[] p = metadata.split(";", -1);
    if (p.length != 5) {
      return null;
    }
    try {
      SortedSet<Long> refused = new TreeSet<>();
      for (String o : p[4].split(",")) {
        if (!o.isEmpty()) {
          refused.add(Long.parseLong(o));
        }
      }
      return new SavedPosition(p[1], Long.parseLong(p[2]), Long.parseLong(p[3]), refused);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
