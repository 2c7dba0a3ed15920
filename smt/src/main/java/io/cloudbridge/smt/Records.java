package io.cloudbridge.smt;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.sink.SinkRecord;

/** How transforms name a record in their errors: topic/partition, and @offset when it is known (sink side). */
final class Records {

  private Records() {}

  static String describe(ConnectRecord<?> r) {
    String where = "record " + r.topic() + "/" + r.kafkaPartition();
    return r instanceof SinkRecord s ? where + "@" + s.kafkaOffset() : where;
  }
}
