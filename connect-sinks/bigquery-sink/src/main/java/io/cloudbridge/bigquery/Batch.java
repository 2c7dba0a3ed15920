package io.cloudbridge.bigquery;

import com.google.api.core.ApiFuture;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;

/** One AppendRows request on its way: the records whose rows it carries, and BigQuery's answer to come. */
record Batch(String table, List<SinkRecord> records, long bytes, ApiFuture<AppendRowsResponse> answer) {

  /** {@code topic/partition@first..last} of the request's records, for errors. */
  String describe() {
    SinkRecord first = records.get(0);
    SinkRecord last = records.get(records.size() - 1);
    return records.size() + " records (" + first.topic() + "/" + first.kafkaPartition() + "@" + first.kafkaOffset()
        + " .. " + last.topic() + "/" + last.kafkaPartition() + "@" + last.kafkaOffset() + ") for table " + table;
  }
}
