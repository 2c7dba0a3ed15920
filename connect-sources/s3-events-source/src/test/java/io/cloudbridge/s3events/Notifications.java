package io.cloudbridge.s3events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Notification bodies in the shapes S3 delivers them to SQS (see PROTOCOL-FACTS D.1, D.2, D.4): an S3 event
 * notification with a form-encoded key, an EventBridge "Object Created" event with the key as is, an SNS
 * notification wrapping either, and the test event S3 sends when a configuration is saved.
 */
final class Notifications {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** When the test objects were "created": a little before now, as in real notifications. */
  static final java.time.Instant EVENT_TIME = java.time.Instant.now().minusSeconds(600)
      .truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusMillis(789);

  private Notifications() {}

  static String s3(String eventName, String bucket, String key, String etag, long size, String sequencer) {
    return io.cloudbridge.testkit.aws.S3Notifications.s3(eventName, bucket, key, etag, size, sequencer, EVENT_TIME);
  }

  static String created(String bucket, String key, String etag, String sequencer) {
    return s3("ObjectCreated:Put", bucket, key, etag, 1, sequencer);
  }

  static String eventBridge(String bucket, String key, String etag, String sequencer) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "0");
    root.put("id", "17793124-05d4-b198-2fde-7ededc63b103");
    root.put("detail-type", "Object Created");
    root.put("source", "aws.s3");
    root.put("account", "123456789012");
    root.put("time", EVENT_TIME.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    root.put("region", "us-east-1");
    root.putArray("resources").add("arn:aws:s3:::" + bucket);
    ObjectNode detail = root.putObject("detail");
    detail.put("version", "0");
    detail.putObject("bucket").put("name", bucket);
    detail.putObject("object").put("key", key).put("size", 1).put("etag", etag).put("sequencer", sequencer);
    detail.put("request-id", "N4N7GDK58NMKJ12R");
    detail.put("requester", "123456789012");
    detail.put("source-ip-address", "1.2.3.4");
    detail.put("reason", "PutObject");
    return root.toString();
  }

  static String sns(String message) {
    ObjectNode root = JSON.createObjectNode();
    root.put("Type", "Notification");
    root.put("MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324");
    root.put("TopicArn", "arn:aws:sns:us-east-1:123456789012:s3-events");
    root.put("Subject", "Amazon S3 Notification");
    root.put("Message", message);
    root.put("Timestamp", EVENT_TIME.plusSeconds(1).toString());
    root.put("SignatureVersion", "1");
    root.put("Signature", "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=");
    root.put("SigningCertURL", "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem");
    root.put("UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe");
    return root.toString();
  }

  static String testEvent(String bucket) {
    return "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"" + EVENT_TIME + "\","
        + "\"Bucket\":\"" + bucket + "\",\"RequestId\":\"5582815E1AEA5ADF\",\"HostId\":\"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE\"}";
  }
}
