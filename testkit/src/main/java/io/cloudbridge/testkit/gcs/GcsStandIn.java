package io.cloudbridge.testkit.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.NoCredentials;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.cloudbridge.testkit.http.HttpRequest;
import io.cloudbridge.testkit.http.HttpResponse;
import io.cloudbridge.testkit.http.HttpStandIn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * A Google Cloud Storage stand-in that speaks the JSON API to the real {@code google-cloud-storage} client
 * ({@code StorageOptions.http().setHost(url)} with {@code NoCredentials}): buckets; media, multipart and
 * resumable uploads; generation and metageneration preconditions; object metadata, patch, download with
 * ranges, list with prefix/delimiter/paging, delete. Objects live in memory or under a directory.
 * Faults are injected through {@link #faults()}.
 */
public final class GcsStandIn extends HttpStandIn {

  public static final String PROJECT = "cloudbridge-local";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GcsStore store;
  private final Map<String, ResumableUpload> sessions = new ConcurrentHashMap<>();

  private GcsStandIn(int port, Path dir) {
    super(port);
    this.store = new GcsStore(dir);
    start();
  }

  /** Objects in memory, on a free port. */
  public static GcsStandIn inMemory() {
    return new GcsStandIn(0, null);
  }

  /** Objects under {@code dir}, on {@code port} (0 for a free one). */
  public static GcsStandIn onDisk(Path dir, int port) {
    return new GcsStandIn(port, dir.toAbsolutePath());
  }

  /** A real client of google-cloud-storage pointed at this stand-in. */
  public Storage client() {
    return StorageOptions.http().setHost(url()).setProjectId(PROJECT).setCredentials(NoCredentials.getInstance())
        .build().getService();
  }

  public void createBucket(String name) {
    store.createBucket(name);
  }

  /** The live bytes of an object, or null; for assertions. */
  public byte[] objectBytes(String bucket, String name) {
    GcsObject o = store.get(bucket, name);
    return o == null ? null : o.data();
  }

  /** Names of the live objects in a bucket, sorted. */
  public List<String> objectNames(String bucket) {
    return List.copyOf(store.objects(bucket).keySet());
  }

  @Override
  protected HttpResponse handle(HttpRequest r) {
    try {
      List<String> s = r.segments();
      if (s.size() >= 3 && s.get(0).equals("storage") && s.get(1).equals("v1") && s.get(2).equals("b")) {
        return metadataApi(r, s);
      }
      if (s.size() >= 5 && s.get(0).equals("upload") && s.get(3).equals("b") && "o".equals(r.segment(5))) {
        return uploadApi(r, s.get(4));
      }
      if (s.size() == 7 && s.get(0).equals("download") && s.get(3).equals("b") && s.get(5).equals("o")) {
        return media(r, s.get(4), s.get(6));
      }
      return error(404, "notFound", "Not Found");
    } catch (GcsError e) {
      return e.toResponse();
    }
  }

  @Override
  protected HttpResponse error(int status, String reason, String message) {
    return GcsError.body(status, reason, message);
  }

  private HttpResponse metadataApi(HttpRequest r, List<String> s) {
    String method = r.method();
    if (s.size() == 3) {
      if (method.equals("POST")) {
        return createBucket(r);
      }
      ObjectNode list = JsonNodeFactory.instance.objectNode().put("kind", "storage#buckets");
      ArrayNode items = list.putArray("items");
      store.bucketNames().forEach(b -> items.add(bucketJson(b)));
      return HttpResponse.json(200, list.toString());
    }
    String bucket = s.get(3);
    if (s.size() == 4) {
      return switch (method) {
        case "GET" -> {
          if (!store.bucketExists(bucket)) {
            throw GcsError.notFound("The specified bucket does not exist.");
          }
          yield HttpResponse.json(200, bucketJson(bucket).toString());
        }
        case "DELETE" -> {
          if (!store.deleteBucket(bucket)) {
            throw GcsError.notFound("The specified bucket does not exist.");
          }
          yield HttpResponse.empty(204);
        }
        default -> error(405, "methodNotAllowed", method + " is not allowed on a bucket");
      };
    }
    if (!"o".equals(s.get(4))) {
      return error(404, "notFound", "Not Found");
    }
    if (s.size() == 5) {
      return list(r, bucket);
    }
    String name = s.get(5);
    if (s.size() == 11 && s.get(6).equals("rewriteTo") && s.get(7).equals("b") && s.get(9).equals("o")
        && method.equals("POST")) {
      return rewrite(r, bucket, name, s.get(8), s.get(10));
    }
    return switch (method) {
      case "GET" -> "media".equals(r.query("alt")) ? media(r, bucket, name) : objectMetadata(r, bucket, name);
      case "PATCH" -> {
        ObjectAttributes attrs = ObjectAttributes.fromJson(readJson(r.body()));
        GcsObject patched = store.patch(bucket, name, attrs, Preconditions.from(r.query()));
        yield HttpResponse.json(200, patched.toJson(r.baseUrl()).toString());
      }
      case "DELETE" -> {
        store.delete(bucket, name, longParam(r, "generation"), Preconditions.from(r.query()));
        yield HttpResponse.empty(204);
      }
      default -> error(405, "methodNotAllowed", method + " is not allowed on an object");
    };
  }

  /**
   * objects.rewrite, done in one call (the service may take several for large or cross-location copies; the client
   * loops on {@code done}). The destination takes the metadata of the resource in the body, or the source's when
   * the body is empty; destination preconditions apply as on uploads.
   */
  private HttpResponse rewrite(HttpRequest r, String bucket, String name, String toBucket, String toName) {
    GcsObject source = live(bucket, name, longParam(r, "sourceGeneration"));
    byte[] body = r.body();
    ObjectAttributes attrs = body == null || body.length == 0
        ? new ObjectAttributes(toName, source.contentType(), source.contentEncoding(), source.contentDisposition(),
            source.cacheControl(), source.metadata(), null, null)
        : ObjectAttributes.fromJson(readJson(body)).withDefaultContentType(source.contentType());
    GcsObject written = store.put(toBucket, toName, attrs, source.data(), Preconditions.from(r.query()));
    ObjectNode response = JsonNodeFactory.instance.objectNode().put("kind", "storage#rewriteResponse")
        .put("totalBytesRewritten", Long.toString(written.size())).put("objectSize", Long.toString(written.size()))
        .put("done", true);
    response.set("resource", written.toJson(r.baseUrl()));
    return HttpResponse.json(200, response.toString());
  }

  private HttpResponse createBucket(HttpRequest r) {
    JsonNode body = readJson(r.body());
    String name = body.path("name").asText("");
    if (name.isEmpty()) {
      throw GcsError.badRequest("Required: bucket name");
    }
    if (!store.createBucket(name)) {
      throw new GcsError(409, "conflict", "Your previous request to create the named bucket succeeded and you already own it.");
    }
    return HttpResponse.json(200, bucketJson(name).toString());
  }

  private ObjectNode bucketJson(String name) {
    ObjectNode b = JsonNodeFactory.instance.objectNode();
    b.put("kind", "storage#bucket");
    b.put("id", name);
    b.put("name", name);
    b.put("projectNumber", "123456789012");
    b.put("metageneration", "1");
    b.put("location", "US");
    b.put("storageClass", "STANDARD");
    b.put("timeCreated", Instant.EPOCH.toString());
    b.put("updated", Instant.EPOCH.toString());
    b.put("etag", "CAE=");
    return b;
  }

  private HttpResponse objectMetadata(HttpRequest r, String bucket, String name) {
    GcsObject o = live(bucket, name, longParam(r, "generation"));
    Preconditions.from(r.query()).check(o);
    return HttpResponse.json(200, o.toJson(r.baseUrl()).toString());
  }

  private GcsObject live(String bucket, String name, Long generation) {
    GcsObject o = store.get(bucket, name);
    if (o == null || (generation != null && generation != o.generation())) {
      throw GcsError.notFound("No such object: " + bucket + "/" + name);
    }
    return o;
  }

  private HttpResponse media(HttpRequest r, String bucket, String name) {
    GcsObject o;
    try {
      o = live(bucket, name, longParam(r, "generation"));
    } catch (GcsError e) {
      // Real GCS answers a missing object on a media URL with a plain-text body, not JSON.
      return HttpResponse.text(404, "text/html; charset=UTF-8", "No such object: " + bucket + "/" + name);
    }
    Preconditions.from(r.query()).check(o);
    byte[] data = o.data();
    String acceptEncoding = r.header("Accept-Encoding");
    boolean transcode = "gzip".equals(o.contentEncoding()) && (acceptEncoding == null || !acceptEncoding.contains("gzip"));
    if (transcode) {
      data = gunzip(data);
    }
    String range = r.header("Range");
    int status = 200;
    String contentRange = null;
    if (range != null && range.startsWith("bytes=")) {
      String[] bounds = range.substring(6).split("-", -1);
      long first = Long.parseLong(bounds[0]);
      long last = bounds[1].isEmpty() ? data.length - 1 : Math.min(Long.parseLong(bounds[1]), data.length - 1);
      if (first >= data.length && data.length > 0 || first > last + 1) {
        return error(416, "requestedRangeNotSatisfiable", "The requested range cannot be satisfied.");
      }
      contentRange = "bytes " + first + "-" + last + "/" + data.length;
      byte[] slice = new byte[(int) Math.max(0, last - first + 1)];
      System.arraycopy(data, (int) first, slice, 0, slice.length);
      data = slice;
      status = 206;
    }
    HttpResponse resp = new HttpResponse(status, new java.util.LinkedHashMap<>(), data)
        .header("Content-Type", o.contentType())
        .header("ETag", o.etag())
        .header("x-goog-generation", Long.toString(o.generation()))
        .header("x-goog-metageneration", Long.toString(o.metageneration()))
        .header("x-goog-storage-class", "STANDARD")
        .header("x-goog-stored-content-length", Long.toString(o.size()))
        .header("x-goog-stored-content-encoding", o.contentEncoding() == null ? "identity" : o.contentEncoding())
        .header("x-goog-hash", "crc32c=" + o.crc32cBase64() + ",md5=" + o.md5Base64());
    if (contentRange != null) {
      resp.header("Content-Range", contentRange);
    }
    if (o.contentEncoding() != null && !transcode) {
      resp.header("Content-Encoding", o.contentEncoding());
    }
    if (o.contentDisposition() != null) {
      resp.header("Content-Disposition", o.contentDisposition());
    }
    return resp;
  }

  private HttpResponse list(HttpRequest r, String bucket) {
    NavigableMap<String, GcsObject> objects = store.objects(bucket);
    String prefix = r.query().getOrDefault("prefix", "");
    String delimiter = r.query("delimiter");
    int max = r.query("maxResults") == null ? 1000 : Math.max(1, Math.min(1000, Integer.parseInt(r.query("maxResults"))));
    String after = r.query("pageToken") == null ? null
        : new String(Base64.getUrlDecoder().decode(r.query("pageToken")), StandardCharsets.UTF_8);
    String startOffset = r.query("startOffset");
    String endOffset = r.query("endOffset");
    boolean trailing = "true".equals(r.query("includeTrailingDelimiter"));

    ObjectNode out = JsonNodeFactory.instance.objectNode().put("kind", "storage#objects");
    ArrayNode items = out.putArray("items");
    TreeSet<String> prefixes = new TreeSet<>();
    int count = 0;
    String last = null;
    NavigableMap<String, GcsObject> view = after == null ? objects.tailMap(prefix, true) : objects.tailMap(after, false);
    for (GcsObject o : view.values()) {
      String name = o.name();
      if (!name.startsWith(prefix)) {
        if (name.compareTo(prefix) > 0) {
          break;
        }
        continue;
      }
      if (startOffset != null && name.compareTo(startOffset) < 0 || endOffset != null && name.compareTo(endOffset) >= 0) {
        continue;
      }
      if (count == max) {
        out.put("nextPageToken", Base64.getUrlEncoder().withoutPadding().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        break;
      }
      int cut = delimiter == null || delimiter.isEmpty() ? -1 : name.indexOf(delimiter, prefix.length());
      if (cut >= 0) {
        String p = name.substring(0, cut + delimiter.length());
        if (prefixes.add(p)) {
          count++;
        }
        if (trailing && cut + delimiter.length() == name.length()) {
          items.add(o.toJson(r.baseUrl()));
        }
      } else {
        items.add(o.toJson(r.baseUrl()));
        count++;
      }
      last = name;
    }
    if (!prefixes.isEmpty()) {
      ArrayNode p = out.putArray("prefixes");
      prefixes.forEach(p::add);
    }
    return HttpResponse.json(200, out.toString());
  }

  private HttpResponse uploadApi(HttpRequest r, String bucket) {
    String uploadId = r.query("upload_id");
    if (uploadId != null) {
      ResumableUpload session = sessions.get(uploadId);
      if (session == null) {
        throw GcsError.notFound("No such upload session: " + uploadId);
      }
      if (r.method().equals("DELETE")) {
        session.cancel();
        sessions.remove(uploadId);
        return HttpResponse.empty(499);
      }
      byte[] body = r.body();
      String crc = hashFromHeader(r.header("x-goog-hash"));
      return session.put(r.header("Content-Range"), body, r.baseUrl(), bytes -> {
        verifyCrc32c(crc, bytes);
        verifyCrc32c(session.attrs.crc32c(), bytes);
        return store.put(session.bucket, session.attrs.name(), session.attrs, bytes, session.preconditions);
      });
    }
    if (!r.method().equals("POST")) {
      return error(405, "methodNotAllowed", r.method() + " is not allowed here");
    }
    store.objects(bucket); // 404 for a missing bucket before reading any data
    String type = r.query("uploadType");
    Preconditions pre = Preconditions.from(r.query());
    if ("media".equals(type)) {
      String name = requireName(r.query("name"), null);
      GcsObject o = store.put(bucket, name, ObjectAttributes.named(name, r.header("Content-Type")), r.body(), pre);
      return HttpResponse.json(200, o.toJson(r.baseUrl()).toString());
    }
    if ("multipart".equals(type)) {
      Multipart parts = Multipart.parse(r.header("Content-Type"), r.body());
      ObjectAttributes attrs = ObjectAttributes.fromJson(readJson(parts.first()))
          .withDefaultContentType(parts.secondContentType());
      attrs = attrs.withName(requireName(r.query("name"), attrs.name()));
      verifyCrc32c(attrs.crc32c(), parts.second());
      GcsObject o = store.put(bucket, attrs.name(), attrs, parts.second(), pre);
      return HttpResponse.json(200, o.toJson(r.baseUrl()).toString());
    }
    if ("resumable".equals(type)) {
      byte[] body = r.body();
      ObjectAttributes attrs = body.length == 0 ? ObjectAttributes.named(null, null) : ObjectAttributes.fromJson(readJson(body));
      attrs = attrs.withName(requireName(r.query("name"), attrs.name()))
          .withDefaultContentType(r.header("X-Upload-Content-Type"));
      // Preconditions are not evaluated here: GCS checks them when the upload finalizes.
      String id = UUID.randomUUID().toString().replace("-", "");
      sessions.put(id, new ResumableUpload(id, bucket, attrs, pre));
      return HttpResponse.empty(200).header("Location",
          r.baseUrl() + "/upload/storage/v1/b/" + bucket + "/o?uploadType=resumable&upload_id=" + id);
    }
    throw GcsError.badRequest("Invalid or missing uploadType: " + type);
  }

  private static String requireName(String fromQuery, String fromBody) {
    if (fromQuery != null && fromBody != null && !fromQuery.equals(fromBody)) {
      throw GcsError.badRequest("Object name in the URL (" + fromQuery + ") and in the metadata (" + fromBody + ") differ");
    }
    String name = fromQuery != null ? fromQuery : fromBody;
    if (name == null || name.isEmpty()) {
      throw GcsError.badRequest("Required: object name");
    }
    return name;
  }

  private static String hashFromHeader(String header) {
    if (header == null) {
      return null;
    }
    for (String part : header.split(",")) {
      String p = part.trim();
      if (p.startsWith("crc32c=")) {
        return p.substring(7);
      }
    }
    return null;
  }

  private static void verifyCrc32c(String expected, byte[] data) {
    if (expected == null) {
      return;
    }
    String actual = GcsObject.crc32cBase64(data);
    if (!expected.equals(actual)) {
      throw GcsError.badRequest("Provided CRC32C \"" + expected + "\" doesn't match calculated CRC32C \"" + actual + "\".");
    }
  }

  private static Long longParam(HttpRequest r, String name) {
    String v = r.query(name);
    return v == null ? null : Long.parseLong(v);
  }

  private static JsonNode readJson(byte[] body) {
    try {
      return body.length == 0 ? JsonNodeFactory.instance.objectNode() : JSON.readTree(body);
    } catch (IOException e) {
      throw GcsError.badRequest("Invalid JSON payload: " + e.getMessage());
    }
  }

  private static byte[] gunzip(byte[] data) {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("object marked gzip is not gzip", e);
    }
  }
}
