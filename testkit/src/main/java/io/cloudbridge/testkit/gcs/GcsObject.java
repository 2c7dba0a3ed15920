package io.cloudbridge.testkit.gcs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * One live object generation: its bytes and the metadata GCS reports for it. Immutable; a metadata patch
 * makes a new instance with the same generation and the next metageneration. The MD5 and CRC32C of the
 * bytes are computed once, when the instance is made ({@link #of}), not on every read or listing.
 */
public record GcsObject(
    String bucket,
    String name,
    long generation,
    long metageneration,
    String contentType,
    String contentEncoding,
    String contentDisposition,
    String cacheControl,
    Map<String, String> metadata,
    byte[] data,
    Instant timeCreated,
    Instant updated,
    /* base64 of the 16-byte MD5, as in the {@code md5Hash} field */
    String md5Base64,
    /* base64 of the big-endian CRC32C, as in the {@code crc32c} field */
    String crc32cBase64) {

  /** An object generation with the hashes of its bytes. */
  static GcsObject of(String bucket, String name, long generation, long metageneration, String contentType,
                      String contentEncoding, String contentDisposition, String cacheControl,
                      Map<String, String> metadata, byte[] data, Instant timeCreated, Instant updated) {
    return new GcsObject(bucket, name, generation, metageneration, contentType, contentEncoding, contentDisposition,
        cacheControl, metadata, data, timeCreated, updated, md5Base64(data), crc32cBase64(data));
  }

  public long size() {
    return data.length;
  }

  private static String md5Base64(byte[] bytes) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String crc32cBase64(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  public String etag() {
    return "C" + Long.toString(generation, 36) + "/" + metageneration;
  }

  /** The object resource as the JSON API returns it: int64s as strings, hashes in base64. */
  public ObjectNode toJson(String baseUrl) {
    String encodedName = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("kind", "storage#object");
    o.put("id", bucket + "/" + name + "/" + generation);
    o.put("selfLink", baseUrl + "/storage/v1/b/" + bucket + "/o/" + encodedName);
    o.put("mediaLink", baseUrl + "/download/storage/v1/b/" + bucket + "/o/" + encodedName
        + "?generation=" + generation + "&alt=media");
    o.put("name", name);
    o.put("bucket", bucket);
    o.put("generation", Long.toString(generation));
    o.put("metageneration", Long.toString(metageneration));
    o.put("contentType", contentType);
    if (contentEncoding != null) {
      o.put("contentEncoding", contentEncoding);
    }
    if (contentDisposition != null) {
      o.put("contentDisposition", contentDisposition);
    }
    if (cacheControl != null) {
      o.put("cacheControl", cacheControl);
    }
    o.put("storageClass", "STANDARD");
    o.put("size", Long.toString(size()));
    o.put("md5Hash", md5Base64());
    o.put("crc32c", crc32cBase64());
    o.put("etag", etag());
    o.put("timeCreated", timeCreated.toString());
    o.put("updated", updated.toString());
    o.put("timeStorageClassUpdated", timeCreated.toString());
    if (!metadata.isEmpty()) {
      ObjectNode m = o.putObject("metadata");
      new TreeMap<>(metadata).forEach(m::put);
    }
    return o;
  }
}
