package io.cloudbridge.bigquery;

import com.google.api.gax.batching.FlowController;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import com.google.cloud.bigquery.storage.v1.ProtoRows;
import com.google.cloud.bigquery.storage.v1.StreamWriter;
import com.google.protobuf.ByteString;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
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
  private final Tables tables;
  private final Consumer<Batch> sent;
  private final Runnable schemaUpdates;
  private final Map<Schema, RowEncoder> encoders = new IdentityHashMap<>();
  private RowEncoder current;
  private StreamWriter writer;
  private ProtoRows.Builder rows = ProtoRows.newBuilder();
  private List<SinkRecord> records = new ArrayList<>();
  private long bytes;

  TableWriter(TableId table, BigQueryWriteClient client, BigQuerySinkConfig config, Tables tables,
      Consumer<Batch> sent, Runnable schemaUpdates) {
    this.schemaUpdates = schemaUpdates;
    this.table = table;
    this.stream = "projects/" + table.getProject() + "/datasets/" + table.getDataset() + "/tables/"
        + table.getTable() + "/streams/_default";
    this.client = client;
    this.config = config;
    this.tables = tables;
    this.sent = sent;
  }

  /** Adds the record's row; a value the table's rows cannot take fails with a DataException before anything. */
  void add(SinkRecord r) {
    if (!(r.value() instanceof Struct value)) {
      throw new DataException(describe(r) + ": the value is " + (r.value() == null ? "null"
          : "a " + r.value().getClass().getSimpleName()) + ", not a struct with a schema (use a converter with"
          + " schemas, e.g. JsonConverter with schemas.enable=true or an Avro converter)");
    }
    RowEncoder encoder;
    try {
      encoder = encoder(r.valueSchema());
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
    ByteString row;
    try {
      row = encoder.encode(value);
    } catch (DataException e) {
      throw new DataException(describe(r) + ": " + e.getMessage(), e);
    }
    if (encoder != current) {
      send();
      open(encoder);
    }
    if (!records.isEmpty() && bytes + row.size() > config.requestBytes()) {
      send();
    }
    rows.addSerializedRows(row);
    records.add(r);
    bytes += row.size();
  }

  private RowEncoder encoder(Schema schema) {
    RowEncoder e = encoders.get(schema);
    if (e == null) {
      try {
        e = RowEncoder.forSchema(schema);
      } catch (DataException bad) {
        throw new DataException("table " + Tables.name(table) + ": " + bad.getMessage(), bad);
      }
      if (tables.reconcile(table, e.tableSchema())) {
        schemaUpdates.run();
      }
      encoders.put(schema, e);
    }
    return e;
  }

  private void open(RowEncoder encoder) {
    if (writer != null) {
      writer.close(); // waits for its appends in flight
    }
    try {
      writer = StreamWriter.newBuilder(stream, client)
          .setWriterSchema(encoder.protoSchema())
          .setMaxInflightBytes(config.inflightBytes())
          .setLimitExceededBehavior(FlowController.LimitExceededBehavior.Block)
          .setRetrySettings(config.retrySettings())
          .setTraceId("cloudbridge:bigquery-sink")
          .build();
    } catch (IOException e) {
      throw new ConnectException("Cannot open a Storage Write stream for " + Tables.name(table) + ": "
          + e.getMessage(), e);
    }
    current = encoder;
  }

  /** Sends the open request, if it holds rows. */
  void send() {
    if (records.isEmpty()) {
      return;
    }
    Batch batch = new Batch(Tables.name(table), records, bytes, writer.append(rows.build()));
    rows = ProtoRows.newBuilder();
    records = new ArrayList<>();
    bytes = 0;
    sent.accept(batch);
  }

  private static String describe(SinkRecord r) {
    return "record " + r.topic() + "/" + r.kafkaPartition() + "@" + r.kafkaOffset();
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
  }
}
