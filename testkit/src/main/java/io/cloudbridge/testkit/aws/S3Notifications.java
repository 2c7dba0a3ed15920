package io.cloudbridge.testkit.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * S3 event notifications as S3 sends them to an SQS queue (PROTOCOL-FACTS D.1): one record, the key form-encoded
 * (space as '+', '+' as %2B, '/' kept), size, eTag and sequencer. S3Proxy sends none, so tests and the local demo
 * send them after putting the object, as S3 would.
 */
public final class S3Notifications {

  private static final ObjectMapper JSON = new ObjectMapper();

  private S3Notifications() {}

  /** A notification of {@code eventName} (e.g. {@code ObjectCreated:Put}); a null etag is left out, as for deletes. */
  public static String s3(String eventName, String bucket, String key, String etag, long size, String sequencer,
      Instant eventTime) {
    ObjectNode record = JSON.createObjectNode();
    record.put("eventVersion", "2.1");
    record.put("eventSource", "aws:s3");
    record.put("awsRegion", "us-east-1");
    record.put("eventTime", eventTime.toString());
    record.put("eventName", eventName);
    record.putObject("userIdentity").put("principalId", "AWS:AIDAEXAMPLE");
    ObjectNode s3 = record.putObject("s3");
    s3.put("s3SchemaVersion", "1.0");
    s3.put("configurationId", "logs");
    s3.putObject("bucket").put("name", bucket).put("arn", "arn:aws:s3:::" + bucket)
        .putObject("ownerIdentity").put("principalId", "A3NL1KOZZKExample");
    ObjectNode object = s3.putObject("object");
    object.put("key", URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/"));
    object.put("size", size);
    if (etag != null) {
      object.put("eTag", etag);
    }
    object.put("sequencer", sequencer);
    ObjectNode root = JSON.createObjectNode();
    root.putArray("Records").add(record);
    return root.toString();
  }

  /** {@code ObjectCreated:Put} for an object just put, stamped now, with a sequencer that grows over time. */
  public static String created(String bucket, String key, String etag, long size) {
    return s3("ObjectCreated:Put", bucket, key, etag, size, String.format("%016X", System.nanoTime()), Instant.now());
  }
}
