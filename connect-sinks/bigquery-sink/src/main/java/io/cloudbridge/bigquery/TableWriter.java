package io.cloudbridge.bigquery;

import com.google.api.gax.batching.FlowController;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.ProtoSchema;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import com.google.protobuf.ByteString;
import org.apache.kafka.connect.errors.DataException;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The rows of one table, appended to its default stream: records are encoded as they come, packed into requests
 * up to the configured size, and sent without waiting for earlier ones (the client bounds the bytes in flight).
 * A record with another schema first makes the table take it (new NULLABLE columns, relaxed REQUIRED ones), then
 * closes the request and opens a writer with that schema, so new columns are written at once.
 */
final class TableWriter implements AutoCloseable {

  private final TableId table;
  private final String stream;
  private final BigQueryWriteClient client;
  private final BigQuerySinkConfig config;
  private final TableRows rowsOf;
  private final Consumer<Batch> sent;
  private final boolean changes;
  private RowEncoder current;
  private StreamWriter writer;
  private ProtoRows.Builder rows = ProtoRows.newBuilder();
  private List<SinkRecord> records = new ArrayList<>();
  private List<ByteString> rowList = new ArrayList<>();
  private long bytes;

  TableWriter(TableRows rowsOf, BigQueryWriteClient client, BigQuerySinkConfig config, Consumer<Batch> sent) {
    this.rowsOf = rowsOf;
    this.table = rowsOf.table();
    this.stream = "projects/" + table.getProject() + "/datasets/" + table.getDataset() + "/tables/"
        + table.getTable() + "/streams/_default";
    this.client = client;
    this.config = config;
    this.sent = sent;
    this.changes = config.mode() == BigQuerySinkConfig.Mode.CDC;
  }

  /** Adds the record's row; a value the table's rows cannot take fails with a DataException before anything. */
  void add(SinkRecord r) {
    if (changes) {
      addChanges(r);
      return;
    }
    TableRows.Row row = rowsOf.row(r);
    add(r, row.encoder(), row.bytes());
  }

  /** cdc: the record's row changes, all encoded before any is added (so a bad one adds none). */
  private void addChanges(SinkRecord r) {
    List<ChangeEvents.Change> changes = ChangeEvents.of(r);
    RowEncoder[] encoders = new RowEncoder[changes.size()];
    ByteString[] rows = new ByteString[changes.size()];
    for (int i = 0; i < rows.length; i++) {
      ChangeEvents.Change c = changes.get(i);
      encoders[i] = rowsOf.changeEncoder(r, c.row());
      rows[i] = rowsOf.encodeChange(encoders[i], r, c);
    }
    for (int i = 0; i < rows.length; i++) {
      add(r, encoders[i], rows[i]);
    }
  }

  private void add(SinkRecord r, RowEncoder encoder, ByteString row) {
    if (encoder != current) {
      send();
      open(encoder);
    }
    if (!records.isEmpty() && bytes + row.size() > config.requestBytes()) {
      send();
    }
    rows.addSerializedRows(row);
    rowList.add(row);
    records.add(r);
    bytes += row.size();
  }

  private void open(RowEncoder encoder) {
    if (writer != null) {
      writer.close(); // waits for its appends in flight
    }
    writer = openWriter(stream, encoder.protoSchema(), client, config);
    current = encoder;
  }

  /** A writer on {@code stream} for rows of {@code schema}, with the configured bytes in flight and retries. */
  static StreamWriter openWriter(String stream, ProtoSchema schema, BigQueryWriteClient client,
      BigQuerySinkConfig config) {
    try {
      return StreamWriter.newBuilder(stream, client)
          .setWriterSchema(schema)
          .setMaxInflightBytes(config.inflightBytes())
          .setLimitExceededBehavior(FlowController.LimitExceededBehavior.Block)
          .setRetrySettings(config.retrySettings())
          .setMaxRetryDuration(config.connectionRetryDuration())
          .setTraceId("cloudbridge:bigquery-sink")
          .build();
    } catch (IOException e) {
      throw new ConnectException("Cannot open a Storage Write stream " + stream + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sends again the rows of {@code failed} at {@code keep} (those BigQuery did not refuse), on the current writer when
   * it has their schema, else on a writer of their own that is closed once they are answered.
   */
  Batch resend(Batch failed, List<Integer> keep) {
    List<SinkRecord> again = new ArrayList<>();
    List<ByteString> rowsAgain = new ArrayList<>();
    long size = 0;
    ProtoRows.Builder proto = ProtoRows.newBuilder();
    for (int i : keep) {
      again.add(failed.records().get(i));
      rowsAgain.add(failed.rows().get(i));
      proto.addSerializedRows(failed.rows().get(i));
      size += failed.rows().get(i).size();
    }
    if (current != null && current.protoSchema().equals(failed.schema())) {
      return new Batch(failed.table(), again, rowsAgain, failed.schema(), size, live().append(proto.build()));
    }
    try (StreamWriter own = openWriter(stream, failed.schema(), client, config)) {
      Batch b = new Batch(failed.table(), again, rowsAgain, failed.schema(), size, own.append(proto.build()));
      try {
        b.answer().get();
      } catch (java.util.concurrent.ExecutionException settledLater) {
        // the task settles the answer like any other
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ConnectException("Interrupted", e);
      }
      return b;
    }
  }

  /**
   * The writer, opened again if the client closed it: after a connection failure that outlasted its retries, a
   * StreamWriter refuses every later append (StreamWriterClosedException) and a new one is needed.
   */
  private StreamWriter live() {
    if (writer.isClosed() && !writer.isUserClosed()) {
      writer.close();
      writer = openWriter(stream, current.protoSchema(), client, config);
    }
    return writer;
  }

  String tableName() {
    return Tables.name(table);
  }

  /** Sends the open request, if it holds rows. */
  void send() {
    if (records.isEmpty()) {
      return;
    }
    Batch batch = new Batch(Tables.name(table), records, rowList, current.protoSchema(), bytes,
        live().append(rows.build()));
    rows = ProtoRows.newBuilder();
    rowList = new ArrayList<>();
    records = new ArrayList<>();
    bytes = 0;
    sent.accept(batch);
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
  }
}
