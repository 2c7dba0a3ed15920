package io.cloudbridge.s3events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the object events out of an SQS message body in every shape S3 delivers them: an S3 event notification
 * ({@code Records[]}), an EventBridge event from source {@code aws.s3}, and either of them wrapped in an SNS
 * notification (raw delivery off). The S3 test event, sent when a notification configuration is saved, has no
 * object events.
 *
 * <p>Keys in S3 event notifications are form-encoded ('+' for space, %XX for UTF-8 bytes) and are decoded here;
 * EventBridge events carry keys as they are.
 */
final class NotificationParser {

  private static final ObjectMapper JSON = new ObjectMapper();

  private NotificationParser() {}

  /** The object events of a body; empty for a test event. */
  static List<ObjectEvent> parse(String body) throws MalformedNotificationException {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedNotificationException("not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new MalformedNotificationException("not a JSON object");
    }
    if ("Notification".equals(root.path("Type").asText(null)) && root.path("Message").isTextual()) {
      return parse(root.get("Message").asText());
    }
    if (root.has("Records")) {
      return s3Notification(root.get("Records"));
    }
    if ("s3:TestEvent".equals(root.path("Event").asText(null))) {
      return List.of();
    }
    if ("aws.s3".equals(root.path("source").asText(null)) && root.path("detail").isObject()) {
      return List.of(eventBridge(root));
    }
    throw new MalformedNotificationException("neither an S3 event notification, an EventBridge S3 event, nor an"
        + " SNS notification carrying one");
  }

  private static List<ObjectEvent> s3Notification(JsonNode records) throws MalformedNotificationException {
    if (!records.isArray()) {
      throw new MalformedNotificationException("Records is not an array");
    }
    List<ObjectEvent> out = new ArrayList<>();
    for (JsonNode r : records) {
      JsonNode s3 = r.path("s3");
      String bucket = text(s3.path("bucket"), "name");
      String rawKey = text(s3.path("object"), "key");
      String eventName = r.path("eventName").asText("");
      if (bucket == null || rawKey == null) {
        throw new MalformedNotificationException("record without s3.bucket.name or s3.object.key");
      }
      JsonNode object = s3.path("object");
      String key;
      try {
        key = URLDecoder.decode(rawKey, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new MalformedNotificationException("s3.object.key " + rawKey + " is not form-encoded as S3 sends it: "
            + e.getMessage());
      }
      out.add(new ObjectEvent(bucket, key, text(object, "versionId"),
          unquote(text(object, "eTag")), object.path("size").isNumber() ? object.get("size").asLong() : null,
          text(object, "sequencer"), eventName, text(r, "eventTime"),
          // eventName has no "s3:" prefix in notifications; accept it anyway.
          eventName.replaceFirst("^s3:", "").startsWith("ObjectCreated:")));
    }
    return out;
  }

  private static ObjectEvent eventBridge(JsonNode root) throws MalformedNotificationException {
    JsonNode detail = root.get("detail");
    String bucket = text(detail.path("bucket"), "name");
    JsonNode object = detail.path("object");
    String key = text(object, "key");
    if (bucket == null || key == null) {
      throw new MalformedNotificationException("EventBridge S3 event without detail.bucket.name or detail.object.key");
    }
    String type = root.path("detail-type").asText("");
    return new ObjectEvent(bucket, key, text(object, "version-id"), unquote(text(object, "etag")),
        object.path("size").isNumber() ? object.get("size").asLong() : null, text(object, "sequencer"), type,
        text(root, "time"), "Object Created".equals(type));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  private static String unquote(String etag) {
    return etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1) : etag;
  }

  /** A body that carries no S3 event this connector can read. */
  static final class MalformedNotificationException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedNotificationException(String message) {
      super(message);
    }
  }
}
