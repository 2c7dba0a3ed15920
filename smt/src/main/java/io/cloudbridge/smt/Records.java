package io.cloudbridge.smt;

import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * How transforms name a record in their errors. Sink side: topic/partition@offset. Source side, before the record
 * has a Kafka partition or offset: its topic and the source's own partition and offset (e.g. the SQS queue and
 * message id, the S3 object and position), which is what finds the input again.
 */
final class Records {

  private Records() {}

  static String describe(ConnectRecord<?> r) {
    if (r instanceof SinkRecord s) {
      return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + s.kafkaOffset();
    }
    if (r instanceof SourceRecord s && r.kafkaPartition() == null) {
      return "record for topic " + r.topic() + " from source partition " + s.sourcePartition() + " at source offset "
          + s.sourceOffset();
    }
    return "record " + r.topic() + "/" + r.kafkaPartition();
  }
}
