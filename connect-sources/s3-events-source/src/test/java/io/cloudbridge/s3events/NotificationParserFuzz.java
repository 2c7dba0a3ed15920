package io.cloudbridge.s3events;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Notification bodies in every shape that reaches the queue (S3 event notifications, EventBridge "Object Created",
 * SNS wrappers of either, test events, anything else): object events with a bucket and key, or a
 * {@code MalformedNotificationException} that says why; nothing else.
 */
class NotificationParserFuzz {

  @FuzzTest(maxDuration = "15s")
  void parsesOrRefusesWithAClearError(byte[] input) {
    try {
      List<ObjectEvent> events = NotificationParser.parse(new String(input, StandardCharsets.UTF_8));
      for (ObjectEvent e : events) {
        if (e.bucket() == null || e.bucket().isEmpty() || e.key() == null || e.key().isEmpty()) {
          throw new AssertionError("an event without bucket or key: " + e);
        }
      }
    } catch (NotificationParser.MalformedNotificationException expected) {
      if (expected.getMessage() == null || expected.getMessage().isBlank()) {
        throw new AssertionError("a refusal must say why", expected);
      }
    }
  }
}
