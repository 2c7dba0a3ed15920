package io.cloudbridge.s3events;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.Headers;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record read from an object, remembering the notification it came from, so that its acknowledgement
 * ({@code commitRecord}, which gets the record as poll returned it) can let that notification go.
 */
final class ObjectRecord extends SourceRecord {

  private final transient NotificationHold hold;

  ObjectRecord(NotificationHold hold, Map<String, ?> partition, Map<String, ?> offset, String topic,
      Schema keySchema, Object key, Schema valueSchema, Object value, Long timestamp, Headers headers) {
    super(partition, offset, topic, null, keySchema, key, valueSchema, value, timestamp, headers);
    this.hold = hold;
  }

  NotificationHold hold() {
    return hold;
  }
}
