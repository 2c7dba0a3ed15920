package io.cloudbridge.testkit.gcs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/**
 * Buckets and their live objects. Every check-then-write happens under the store's lock, so of two
 * writers racing with {@code ifGenerationMatch=0} exactly one wins. With a directory, each object's bytes
 * are kept at {@code dir/<bucket>/<name>} (readable by a person) and its metadata beside it under
 * {@code dir/.gcs-metadata/}, and both are loaded again on start.
 */
final class GcsStore {

  private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

  private final Map<String, NavigableMap<String, GcsObject>> buckets = new ConcurrentHashMap<>();
  private final Path dir;
  private long lastGeneration;

  GcsStore(Path dir) {
    this.dir = dir;
    if (dir != null) {
      load();
    }
  }

  synchronized boolean createBucket(String name) {
    if (buckets.containsKey(name)) {
      return false;
    }
    buckets.put(name, new ConcurrentSkipListMap<>());
    if (dir != null) {
      mkdirs(dir.resolve(name));
    }
    return true;
  }

  boolean bucketExists(String name) {
    return buckets.containsKey(name);
  }

  synchronized boolean deleteBucket(String name) {
    NavigableMap<String, GcsObject> objects = buckets.get(name);
    if (objects != null && !objects.isEmpty()) {
      throw new GcsError(409, "conflict", "The bucket you tried to delete is not empty.");
    }
    return buckets.remove(name) != null;
  }

  GcsObject get(String bucket, String name) {
    return objects(bucket).get(name);
  }

  NavigableMap<String, GcsObject> objects(String bucket) {
    NavigableMap<String, GcsObject> objects = buckets.get(bucket);
    if (objects == null) {
      throw GcsError.notFound("The specified bucket does not exist.");
    }
    return objects;
  }

  /** Writes a new generation if the preconditions hold against the live one; returns it. */
  synchronized GcsObject put(String bucket, String name, ObjectAttributes attrs, byte[] data, Preconditions pre) {
    NavigableMap<String, GcsObject> objects = objects(bucket);
    pre.check(objects.get(name));
    Instant now = Instant.now();
    GcsObject written = GcsObject.of(bucket, name, nextGeneration(now), 1,
        attrs.contentType() == null ? "application/octet-stream" : attrs.contentType(),
        attrs.contentEncoding(), attrs.contentDisposition(), attrs.cacheControl(),
        Map.copyOf(attrs.metadata()), data, now, now);
    objects.put(name, written);
    persist(written);
    return written;
  }

  /** Replaces the given metadata fields of the live object; the generation stays, the metageneration grows. */
  synchronized GcsObject patch(String bucket, String name, ObjectAttributes attrs, Preconditions pre) {
    GcsObject live = get(bucket, name);
    if (live == null) {
      throw GcsError.notFound("No such object: " + bucket + "/" + name);
    }
    pre.check(live);
    Map<String, String> metadata = new HashMap<>(live.metadata());
    metadata.putAll(attrs.metadata());
    GcsObject patched = GcsObject.of(bucket, name, live.generation(), live.metageneration() + 1,
        attrs.contentType() != null ? attrs.contentType() : live.contentType(),
        attrs.contentEncoding() != null ? attrs.contentEncoding() : live.contentEncoding(),
        attrs.contentDisposition() != null ? attrs.contentDisposition() : live.contentDisposition(),
        attrs.cacheControl() != null ? attrs.cacheControl() : live.cacheControl(),
        Map.copyOf(metadata), live.data(), live.timeCreated(), Instant.now());
    objects(bucket).put(name, patched);
    persist(patched);
    return patched;
  }

  synchronized void delete(String bucket, String name, Long generation, Preconditions pre) {
    GcsObject live = get(bucket, name);
    if (live == null || (generation != null && generation != live.generation())) {
      throw GcsError.notFound("No such object: " + bucket + "/" + name);
    }
    pre.check(live);
    objects(bucket).remove(name);
    if (dir != null) {
      try {
        Files.deleteIfExists(dataPath(bucket, name));
        Files.deleteIfExists(metadataPath(bucket, name));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Generations grow strictly and look like GCS's: microseconds since the epoch. */
  private long nextGeneration(Instant now) {
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    lastGeneration = Math.max(micros, lastGeneration + 1);
    return lastGeneration;
  }

  private Path dataPath(String bucket, String name) {
    Path p = dir.resolve(bucket).resolve(name).normalize();
    if (!p.startsWith(dir.resolve(bucket)) || name.endsWith("/")) {
      // Names that cannot be a file path (e.g. "a/../b" or "dir/") are kept under an encoded name.
      p = dir.resolve(bucket).resolve(".encoded").resolve(encode(name));
    }
    return p;
  }

  private Path metadataPath(String bucket, String name) {
    return dir.resolve(".gcs-metadata").resolve(bucket).resolve(encode(name) + ".json");
  }

  private static String encode(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private void persist(GcsObject o) {
    if (dir == null) {
      return;
    }
    try {
      Path data = dataPath(o.bucket(), o.name());
      mkdirs(data.getParent());
      Files.write(data, o.data());
      Path meta = metadataPath(o.bucket(), o.name());
      mkdirs(meta.getParent());
      Map<String, Object> m = new HashMap<>();
      m.put("name", o.name());
      m.put("generation", o.generation());
      m.put("metageneration", o.metageneration());
      m.put("contentType", o.contentType());
      m.put("contentEncoding", o.contentEncoding());
      m.put("contentDisposition", o.contentDisposition());
      m.put("cacheControl", o.cacheControl());
      m.put("metadata", o.metadata());
      m.put("timeCreated", o.timeCreated().toString());
      m.put("updated", o.updated().toString());
      JSON.writeValue(meta.toFile(), m);
    } catch (IOException e) {
      throw new UncheckedIOException("persisting gs://" + o.bucket() + "/" + o.name(), e);
    }
  }

  private void load() {
    mkdirs(dir);
    try (Stream<Path> bucketDirs = Files.list(dir)) {
      for (Path b : bucketDirs.filter(Files::isDirectory).toList()) {
        String bucket = b.getFileName().toString();
        if (!bucket.startsWith(".")) {
          buckets.put(bucket, new ConcurrentSkipListMap<>());
        }
      }
      Path metaRoot = dir.resolve(".gcs-metadata");
      if (!Files.isDirectory(metaRoot)) {
        return;
      }
      try (Stream<Path> files = Files.walk(metaRoot)) {
        for (Path meta : files.filter(p -> p.toString().endsWith(".json")).toList()) {
          String bucket = meta.getParent().getFileName().toString();
          Map<String, Object> m = JSON.readValue(meta.toFile(), new TypeReference<>() {});
          String name = (String) m.get("name");
          @SuppressWarnings("unchecked")
          Map<String, String> metadata = (Map<String, String>) m.get("metadata");
          GcsObject o = GcsObject.of(bucket, name, ((Number) m.get("generation")).longValue(),
              ((Number) m.get("metageneration")).longValue(), (String) m.get("contentType"),
              (String) m.get("contentEncoding"), (String) m.get("contentDisposition"), (String) m.get("cacheControl"),
              metadata, Files.readAllBytes(dataPath(bucket, name)),
              Instant.parse((String) m.get("timeCreated")), Instant.parse((String) m.get("updated")));
          buckets.computeIfAbsent(bucket, k -> new ConcurrentSkipListMap<>()).put(name, o);
          lastGeneration = Math.max(lastGeneration, o.generation());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("loading GCS stand-in data from " + dir, e);
    }
  }

  private static void mkdirs(Path p) {
    try {
      Files.createDirectories(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<String> bucketNames() {
    return buckets.keySet().stream().sorted().toList();
  }
}
