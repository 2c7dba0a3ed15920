package io.cloudbridge.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The record of where each group of a partition's objects ended. Before a task finalizes the objects that hold
 * offsets {@code start..end} of a partition, it writes a small marker object named after the partition and
 * {@code start} that says {@code end} and lists the objects. A task that later reads those offsets again (after a
 * crash, a rebalance or an offset reset) finds the marker, ends its group at the same offset, and skips the
 * objects that already exist: each offset ends up in exactly one object, once.
 */
final class GroupMarkers {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A group of a partition's offsets, start and end inclusive, and the final name of each object by the name it had
   * while written (the same unless names hold {{end_offset}}).
   */
  record Group(long start, long end, Map<String, String> objects) {}

  private final Storage storage;
  private final String bucket;
  private final String prefix;

  GroupMarkers(Storage storage, String bucket, String prefix) {
    this.storage = storage;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  private String dir(TopicPartition tp) {
    return prefix + tp.topic() + "/" + tp.partition() + "/";
  }

  private String name(TopicPartition tp, long start) {
    return dir(tp) + String.format("%020d", start) + ".json";
  }

  /** The group that starts at {@code start}, if objects of it were ever finalized. */
  Group startingAt(TopicPartition tp, long start) {
    Blob b = storage.get(BlobId.of(bucket, name(tp, start)));
    return b == null ? null : read(b);
  }

  /**
   * The group that holds {@code offset}, if any: the one with the greatest start not after it, if its end is not
   * before it. Needed only when reading starts where no group started, e.g. after an offset reset. Looks back from
   * {@code offset} over a window that starts at {@code typicalGroup} offsets and grows, so a partition with many
   * markers is not listed whole.
   */
  Group holding(TopicPartition tp, long offset, long typicalGroup) {
    long window = Math.max(1, typicalGroup);
    while (true) {
      long from = Math.max(0, offset - window);
      Blob last = null;
      for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(dir(tp)),
          Storage.BlobListOption.startOffset(name(tp, from)),
          Storage.BlobListOption.endOffset(name(tp, offset + 1))).iterateAll()) {
        last = b;
      }
      if (last != null) {
        Group g = read(last);
        return g.end >= offset ? g : null;
      }
      if (from == 0) {
        return null;
      }
      window = window > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : window * 4;
    }
  }

  /**
   * Records that the group {@code start..end} is being finalized. If a marker for {@code start} exists (another task
   * got there first), its end must agree: otherwise two writers disagree on the objects, and the task stops rather
   * than write a duplicate.
   */
  void write(TopicPartition tp, long start, long end, Map<String, String> objects) {
    ObjectNode body = JSON.createObjectNode().put("topic", tp.topic()).put("partition", tp.partition())
        .put("start", start).put("end", end);
    objects.values().forEach(body.putArray("objects")::add);
    ObjectNode written = body.putObject("written_as");
    objects.forEach(written::put);
    BlobInfo info = BlobInfo.newBuilder(bucket, name(tp, start)).setContentType("application/json").build();
    try {
      storage.create(info, body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          Storage.BlobTargetOption.doesNotExist());
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw e;
      }
      Group existing = startingAt(tp, start);
      if (existing == null || existing.end != end) {
        throw new ConnectException("Another writer finalized offsets " + start + ".." + (existing == null ? "?"
            : existing.end) + " of " + tp + " while this task was about to finalize " + start + ".." + end
            + "; stopping so that a restart continues from what was written");
      }
    }
  }

  private Group read(Blob b) {
    try {
      JsonNode n = JSON.readTree(b.getContent());
      Map<String, String> objects = new LinkedHashMap<>();
      n.path("written_as").fields().forEachRemaining(e -> objects.put(e.getKey(), e.getValue().asText()));
      return new Group(n.get("start").asLong(), n.get("end").asLong(), objects);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable group marker " + b.getName(), e);
    }
  }
}
