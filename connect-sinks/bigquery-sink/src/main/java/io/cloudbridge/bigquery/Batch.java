package io.cloudbridge.bigquery;

import com.google.api.core.ApiFuture;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.ProtoSchema;
import com.google.protobuf.ByteString;
import java.util.List;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One AppendRows request on its way: the records whose rows it carries (a record twice when it makes two rows),
 * the rows and their writer schema (to send again what BigQuery did not refuse), and BigQuery's answer to come.
 */
record Batch(String table, List<SinkRecord> records, List<ByteString> rows, ProtoSchema schema, long bytes,
             ApiFuture<AppendRowsResponse> answer) {

  /** Why BigQuery refused the request, once answered; null while unanswered or when it was appended. */
  Throwable failure() {
    if (!answer.isDone()) {
      return null;
    }
    try {
      answer.get();
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.apache.kafka.connect.errors.ConnectException("Interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
  }

  /** {@code topic/partition@first..last} of the request's records, for errors. */
  String describe() {
    SinkRecord first = records.get(0);
    SinkRecord last = records.get(records.size() - 1);
    return records.size() + " records (" + first.topic() + "/" + first.kafkaPartition() + "@" + first.kafkaOffset()
        + " .. " + last.topic() + "/" + last.kafkaPartition() + "@" + last.kafkaOffset() + ") for table " + table;
  }
}
