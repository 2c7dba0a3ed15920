package io.cloudbridge.testkit.gcs;

import io.cloudbridge.testkit.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One resumable upload session and GCS's chunk protocol: non-final chunks are persisted in 256 KiB units
 * and acknowledged with 308 + {@code Range: bytes=0-N}; bytes sent again are skipped; a chunk that starts past
 * what was persisted is refused; preconditions are checked only when the upload finalizes.
 */
final class ResumableUpload {

  static final int QUANTUM = 256 * 1024;
  private static final Pattern RANGE = Pattern.compile("bytes (\\*|(\\d+)-(\\d+))/(\\*|\\d+)");

  final String id;
  final String bucket;
  final ObjectAttributes attrs;
  final Preconditions preconditions;
  private final ByteArrayOutputStream persisted = new ByteArrayOutputStream();
  private GcsObject result;
  private boolean cancelled;

  ResumableUpload(String id, String bucket, ObjectAttributes attrs, Preconditions preconditions) {
    this.id = id;
    this.bucket = bucket;
    this.attrs = attrs;
    this.preconditions = preconditions;
  }

  synchronized void cancel() {
    cancelled = true;
  }

  /**
   * Handles a PUT to the session URI. {@code finalizer} turns the complete bytes into the stored object
   * (checking preconditions), or throws a {@link GcsError}.
   */
  synchronized HttpResponse put(String contentRange, byte[] body, String baseUrl,
                                Function<byte[], GcsObject> finalizer) {
    if (cancelled) {
      throw new GcsError(410, "gone", "The upload session was cancelled.");
    }
    if (result != null) {
      return HttpResponse.json(200, result.toJson(baseUrl).toString());
    }
    Matcher m = RANGE.matcher(contentRange == null ? "" : contentRange.trim());
    if (!m.matches()) {
      throw GcsError.badRequest("Failed to parse Content-Range header: " + contentRange);
    }
    Long total = "*".equals(m.group(4)) ? null : Long.parseLong(m.group(4));
    if (!"*".equals(m.group(1))) {
      long first = Long.parseLong(m.group(2));
      long last = Long.parseLong(m.group(3));
      if (last - first + 1 != body.length) {
        throw GcsError.badRequest("Content-Range " + contentRange + " does not match a body of " + body.length + " bytes");
      }
      if (first > persisted.size()) {
        // What real GCS answers when a chunk leaves a gap; the Java client reports it as data loss.
        return HttpResponse.text(503, "text/plain; charset=utf-8", "Invalid request. According to the Content-Range header,"
            + " the upload offset is " + first + " byte(s), which exceeds already uploaded size of "
            + persisted.size() + " byte(s).");
      }
      // A chunk sent again after its reply was lost may lie partly or wholly below what is persisted: the bytes GCS
      // has are kept and only the rest is written; the answer says how far the upload got (308 with Range).
      int skip = (int) Math.min(body.length, persisted.size() - first);
      persisted.write(body, skip, body.length - skip);
      if (total == null) {
        truncateToQuantum();
      }
    }
    if (total == null) {
      return incomplete();
    }
    if (persisted.size() < total) {
      return incomplete();
    }
    if (persisted.size() > total) {
      throw GcsError.badRequest("Upload has " + persisted.size() + " bytes, more than the declared " + total);
    }
    result = finalizer.apply(persisted.toByteArray());
    return HttpResponse.json(200, result.toJson(baseUrl).toString());
  }

  private HttpResponse incomplete() {
    HttpResponse r = HttpResponse.empty(308);
    if (persisted.size() > 0) {
      r.header("Range", "bytes=0-" + (persisted.size() - 1));
    }
    return r;
  }

  private void truncateToQuantum() {
    int keep = persisted.size() / QUANTUM * QUANTUM;
    if (keep != persisted.size()) {
      byte[] kept = Arrays.copyOf(persisted.toByteArray(), keep);
      persisted.reset();
      persisted.write(kept, 0, kept.length);
    }
  }
}
