package io.cloudbridge.testkit.gcs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/** The writable object fields a client sends in metadata JSON (upload or patch). */
record ObjectAttributes(String name, String contentType, String contentEncoding, String contentDisposition,
                        String cacheControl, Map<String, String> metadata, String crc32c, String md5Hash) {

  static ObjectAttributes fromJson(JsonNode json) {
    Map<String, String> metadata = new HashMap<>();
    JsonNode m = json.path("metadata");
    m.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
    return new ObjectAttributes(text(json, "name"), text(json, "contentType"), text(json, "contentEncoding"),
        text(json, "contentDisposition"), text(json, "cacheControl"), metadata, text(json, "crc32c"),
        text(json, "md5Hash"));
  }

  static ObjectAttributes named(String name, String contentType) {
    return new ObjectAttributes(name, contentType, null, null, null, Map.of(), null, null);
  }

  ObjectAttributes withName(String newName) {
    return new ObjectAttributes(newName, contentType, contentEncoding, contentDisposition, cacheControl, metadata,
        crc32c, md5Hash);
  }

  ObjectAttributes withDefaultContentType(String type) {
    return contentType != null || type == null ? this
        : new ObjectAttributes(name, type, contentEncoding, contentDisposition, cacheControl, metadata, crc32c, md5Hash);
  }

  private static String text(JsonNode json, String field) {
    JsonNode v = json.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
