package io.cloudbridge.testkit.bigquery;

import com.google.cloud.bigquery.storage.v1.AppendRowsRequest;
import com.google.cloud.bigquery.storage.v1.AppendRowsResponse;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsRequest;
import com.google.cloud.bigquery.storage.v1.BatchCommitWriteStreamsResponse;
import com.google.cloud.bigquery.storage.v1.BigQueryWriteGrpc;
import com.google.cloud.bigquery.storage.v1.CreateWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.FinalizeWriteStreamResponse;
import com.google.cloud.bigquery.storage.v1.FlushRowsRequest;
import com.google.cloud.bigquery.storage.v1.FlushRowsResponse;
import com.google.cloud.bigquery.storage.v1.GetWriteStreamRequest;
import com.google.cloud.bigquery.storage.v1.RowError;
import com.google.cloud.bigquery.storage.v1.StorageError;
import com.google.cloud.bigquery.storage.v1.StorageError.StorageErrorCode;
import com.google.cloud.bigquery.storage.v1.WriteStream;
import com.google.cloud.bigquery.storage.v1.WriteStreamView;
import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Storage Write API ({@code google.cloud.bigquery.storage.v1.BigQueryWrite}) on Google's generated stubs:
 * the {@code _default} stream and COMMITTED, PENDING and BUFFERED streams with row offsets, finalize,
 * batch commit and flush; errors in-band with a StorageError detail, worded as BigQuery words them.
 */
final class WriteService extends BigQueryWriteGrpc.BigQueryWriteImplBase {

  private final TableStore store;
  private final WriteFaults faults;
  private final Map<String, StreamState> streams = new ConcurrentHashMap<>();

  WriteService(TableStore store, WriteFaults faults) {
    this.store = store;
    this.faults = faults;
  }

  /** Thrown inside the service to answer with a gRPC status plus a StorageError detail. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient com.google.rpc.Status status;

    Failure(Status.Code code, StorageErrorCode storageCode, String entity, String message) {
      super(message);
      com.google.rpc.Status.Builder b = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message);
      if (storageCode != null) {
        b.addDetails(Any.pack(StorageError.newBuilder().setCode(storageCode).setEntity(entity)
            .setErrorMessage(message).build()));
      }
      this.status = b.build();
    }
  }

  @Override
  public void createWriteStream(CreateWriteStreamRequest request, StreamObserver<WriteStream> out) {
    unary("CreateWriteStream", out, () -> {
      Table table = table(request.getParent());
      WriteStream.Type type = request.getWriteStream().getType();
      if (type == WriteStream.Type.TYPE_UNSPECIFIED || type == WriteStream.Type.UNRECOGNIZED) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, null, "", "WriteStream type must be specified");
      }
      String name = table.storagePath() + "/streams/" + UUID.randomUUID().toString().replace("-", "");
      StreamState s = new StreamState(name, table, type, store.now());
      streams.put(name, s);
      return describe(s, WriteStreamView.FULL);
    });
  }

  @Override
  public void getWriteStream(GetWriteStreamRequest request, StreamObserver<WriteStream> out) {
    unary("GetWriteStream", out, () -> {
      if (isDefault(request.getName())) {
        Table table = table(tablePathOf(request.getName()));
        WriteStream.Builder b = WriteStream.newBuilder()
            .setName(table.storagePath() + "/streams/_default")
            .setType(WriteStream.Type.COMMITTED)
            .setCreateTime(timestamp(table.createdMillis))
            .setWriteMode(WriteStream.WriteMode.INSERT)
            .setLocation(table.resource.path("location").asText("US"));
        if (request.getView() == WriteStreamView.FULL) {
          synchronized (store) {
            b.setTableSchema(table.protoSchema());
          }
        }
        return b.build();
      }
      return describe(stream(request.getName()), request.getView());
    });
  }

  @Override
  public void finalizeWriteStream(FinalizeWriteStreamRequest request, StreamObserver<FinalizeWriteStreamResponse> out) {
    unary("FinalizeWriteStream", out, () -> {
      if (isDefault(request.getName())) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, StorageErrorCode.INVALID_STREAM_TYPE, request.getName(),
            "FinalizeWriteStream is not supported on the default stream: " + request.getName());
      }
      StreamState s = stream(request.getName());
      synchronized (store) {
        s.finalized = true;
        return FinalizeWriteStreamResponse.newBuilder().setRowCount(s.rows.size()).build();
      }
    });
  }

  /**
   * Commits PENDING streams all or nothing (fact sheet B.7: {@code commit_time} only when every stream committed,
   * else {@code stream_errors} and nothing committed; at most 10,000 streams). The parent names the table every stream
   * must belong to (the API's field documentation); a stream of another table is answered as not found there, and a
   * stream listed twice, or an empty list, is refused as INVALID_ARGUMENT — both shapes unverified against BigQuery,
   * made strict so that a sink cannot depend on leniency.
   */
  @Override
  public void batchCommitWriteStreams(BatchCommitWriteStreamsRequest request,
                                      StreamObserver<BatchCommitWriteStreamsResponse> out) {
    unary("BatchCommitWriteStreams", out, () -> {
      Table parent = table(request.getParent());
      if (request.getWriteStreamsCount() == 0 || request.getWriteStreamsCount() > 10_000) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, null, "", "write_streams must list 1 to 10,000 streams, not "
            + request.getWriteStreamsCount());
      }
      if (new java.util.HashSet<>(request.getWriteStreamsList()).size() != request.getWriteStreamsCount()) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, null, "", "write_streams lists a stream more than once");
      }
      BatchCommitWriteStreamsResponse.Builder response = BatchCommitWriteStreamsResponse.newBuilder();
      synchronized (store) {
        List<StreamState> toCommit = new ArrayList<>();
        for (String name : request.getWriteStreamsList()) {
          StreamState s = streams.get(name);
          StorageError error = s == null ? error(StorageErrorCode.STREAM_NOT_FOUND, name, "Stream not found: " + name)
              : s.table != parent ? error(StorageErrorCode.STREAM_NOT_FOUND, name, "Stream " + name
                  + " is not a stream of " + request.getParent())
              : s.type != WriteStream.Type.PENDING ? error(StorageErrorCode.INVALID_STREAM_TYPE, name,
                  "Stream " + name + " is not a PENDING stream and cannot be committed")
              : s.committed ? error(StorageErrorCode.STREAM_ALREADY_COMMITTED, name, "Stream " + name + " has already been committed")
              : !s.finalized ? error(StorageErrorCode.INVALID_STREAM_STATE, name, "Stream " + name + " is not finalized")
              : null;
          if (error != null) {
            response.addStreamErrors(error);
          } else {
            toCommit.add(s);
          }
        }
        if (response.getStreamErrorsCount() == 0) {
          // All or nothing: only when every stream can commit are any rows made visible.
          for (StreamState s : toCommit) {
            s.committed = true;
            store.append(s.table, s.rows);
          }
          response.setCommitTime(timestamp(store.now()));
        }
      }
      return response.build();
    });
  }

  @Override
  public void flushRows(FlushRowsRequest request, StreamObserver<FlushRowsResponse> out) {
    unary("FlushRows", out, () -> {
      StreamState s = stream(request.getWriteStream());
      synchronized (store) {
        if (s.type != WriteStream.Type.BUFFERED) {
          throw new Failure(Status.Code.INVALID_ARGUMENT, StorageErrorCode.INVALID_STREAM_TYPE, s.name,
              "FlushRows is only supported on BUFFERED streams: " + s.name);
        }
        long offset = request.getOffset().getValue();
        if (offset >= s.rows.size()) {
          throw new Failure(Status.Code.OUT_OF_RANGE, StorageErrorCode.OFFSET_OUT_OF_RANGE, s.name,
              "The offset is beyond stream, expected offset " + (s.rows.size() - 1) + ", received " + offset);
        }
        if (offset + 1 > s.flushedUpTo) {
          store.append(s.table, s.rows.subList((int) s.flushedUpTo, (int) offset + 1));
          s.flushedUpTo = offset + 1;
        }
        return FlushRowsResponse.newBuilder().setOffset(offset).build();
      }
    });
  }

  @Override
  public StreamObserver<AppendRowsRequest> appendRows(StreamObserver<AppendRowsResponse> out) {
    return new AppendConnection(out);
  }

  /** One AppendRows bidi connection: remembers its stream and writer schema across requests. */
  private final class AppendConnection implements StreamObserver<AppendRowsRequest> {
    private final StreamObserver<AppendRowsResponse> out;
    private String streamName;
    private RowDecoder decoder;
    private int schemaVersionSeen = -1;
    /** On a CDC table: whether this connection's rows carry a change type (null until its first row). */
    private Boolean changeRows;
    private boolean closed;

    AppendConnection(StreamObserver<AppendRowsResponse> out) {
      this.out = out;
    }

    @Override
    public synchronized void onNext(AppendRowsRequest request) {
      if (closed) {
        return;
      }
      Status.Code close = faults.takeOutage();
      if (close == null) {
        close = faults.takeConnectionClose();
      }
      if (close != null) {
        closed = true;
        out.onError(Status.fromCode(close).withDescription("Injected fault: connection closed").asRuntimeException());
        return;
      }
      if (!request.getWriteStream().isEmpty()) {
        streamName = request.getWriteStream();
      }
      AppendRowsResponse.Builder response = AppendRowsResponse.newBuilder().setWriteStream(streamName == null ? "" : streamName);
      try {
        if (request.getProtoRows().hasWriterSchema()) {
          decoder = new RowDecoder(request.getProtoRows().getWriterSchema().getProtoDescriptor());
        }
        append(request, response);
      } catch (Failure f) {
        response.clearAppendResult().setError(f.status);
      } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
        response.setError(new Failure(Status.Code.INVALID_ARGUMENT, null, "", "Invalid proto schema: " + e.getMessage()).status);
      }
      if (!response.hasError() && faults.takeLostReply()) {
        closed = true; // applied: the rows are stored; the reply is lost with the connection
        out.onError(Status.UNAVAILABLE.withDescription("Injected fault: connection closed after the append was"
            + " applied").asRuntimeException());
        return;
      }
      out.onNext(response.build());
    }

    private void append(AppendRowsRequest request, AppendRowsResponse.Builder response) throws Failure {
      if (streamName == null) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, null, "", "write_stream is required on the first request of a connection");
      }
      if (decoder == null) {
        throw new Failure(Status.Code.INVALID_ARGUMENT, null, streamName, "writer_schema is required on the first request of a connection");
      }
      Status.Code inBand = faults.takeInBandError();
      if (inBand != null) {
        throw new Failure(inBand, null, streamName, "Injected fault: " + inBand);
      }
      boolean toDefault = isDefault(streamName);
      StreamState stream = toDefault ? null : stream(streamName);
      Table table = toDefault ? table(tablePathOf(streamName)) : stream.table;
      synchronized (store) {
        if (faults.takeSchemaMismatch()) {
          throw new Failure(Status.Code.INVALID_ARGUMENT, StorageErrorCode.SCHEMA_MISMATCH_EXTRA_FIELDS, streamName,
              "Injected fault: Input schema has more fields than BigQuery schema");
        }
        List<Column> visible = table.writeColumns(store.now());
        try {
          decoder.checkAgainst(table, visible);
        } catch (RowDecoder.SchemaMismatch e) {
          throw new Failure(Status.Code.INVALID_ARGUMENT, e.extraFields ? StorageErrorCode.SCHEMA_MISMATCH_EXTRA_FIELDS
              : null, streamName, e.getMessage());
        }
        RowDecoder.Decoded decoded = decoder.decode(table, visible,
            request.getProtoRows().getRows().getSerializedRowsList());
        List<RowError> rowErrors = new ArrayList<>(decoded.rowErrors());
        if (!table.primaryKey().isEmpty() && rowErrors.isEmpty()) {
          checkChangeRows(decoded.rows(), toDefault, rowErrors);
        }
        for (int i = 0; i < decoded.rows().size() && rowErrors.isEmpty(); i++) {
          if (faults.rejects(decoded.rows().get(i))) {
            rowErrors.add(RowDecoder.rowError(i, "Injected fault: row " + i + " rejected"));
          }
        }
        if (!rowErrors.isEmpty()) {
          response.addAllRowErrors(rowErrors);
          throw new Failure(Status.Code.INVALID_ARGUMENT, null, streamName,
              "Errors found while processing rows. Please refer to the row_errors field for details. The list may not be"
                  + " complete because of the size limitations. Entity: " + streamName);
        }
        if (toDefault) {
          if (request.hasOffset()) {
            throw new Failure(Status.Code.INVALID_ARGUMENT, null, streamName,
                "Offset is not allowed on the default stream: " + streamName);
          }
          store.append(table, decoded.rows());
          response.setAppendResult(AppendRowsResponse.AppendResult.getDefaultInstance());
        } else {
          appendToStream(stream, request, decoded.rows(), response);
        }
        int version = table.writeSchemaVersion(store.now());
        if (schemaVersionSeen >= 0 && version != schemaVersionSeen) {
          response.setUpdatedSchema(table.writeProtoSchema(store.now()));
        }
        schemaVersionSeen = version;
      }
    }

    /**
     * BigQuery change data capture (fact sheet B.10): rows with {@code _CHANGE_TYPE} go to the {@code _default} stream
     * only, and UPSERT/DELETE rows may not be mixed with rows without a change type on one connection — "The given
     * value is not a valid CHANGE_TYPE".
     */
    private void checkChangeRows(List<Map<String, Object>> rows, boolean toDefault, List<RowError> rowErrors)
        throws Failure {
      for (int i = 0; i < rows.size(); i++) {
        boolean typed = rows.get(i).containsKey(TableStore.CHANGE_TYPE);
        if (typed && !toDefault) {
          throw new Failure(Status.Code.INVALID_ARGUMENT, null, streamName, "Change data capture (_CHANGE_TYPE) is"
              + " supported on the _default stream only: " + streamName);
        }
        if (changeRows == null) {
          changeRows = typed;
        } else if (typed != changeRows) {
          rowErrors.add(RowDecoder.rowError(i, "The given value is not a valid CHANGE_TYPE: "
              + (typed ? rows.get(i).get(TableStore.CHANGE_TYPE) + " (this connection wrote rows without one)"
                  : "none, on a connection that wrote UPSERT and DELETE rows")));
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      closed = true;
    }

    @Override
    public synchronized void onCompleted() {
      closed = true;
      out.onCompleted();
    }
  }

  private void appendToStream(StreamState s, AppendRowsRequest request, List<Map<String, Object>> rows,
                              AppendRowsResponse.Builder response) throws Failure {
    if (s.finalized) {
      throw new Failure(Status.Code.INVALID_ARGUMENT, StorageErrorCode.STREAM_FINALIZED, s.name,
          "Stream has been finalized and cannot be appended to. Entity: " + s.name);
    }
    long end = s.rows.size();
    if (request.hasOffset()) {
      long offset = request.getOffset().getValue();
      if (offset < end) {
        throw new Failure(Status.Code.ALREADY_EXISTS, StorageErrorCode.OFFSET_ALREADY_EXISTS, s.name,
            "The offset is within stream, expected offset " + end + ", received " + offset + " Entity: " + s.name);
      }
      if (offset > end) {
        throw new Failure(Status.Code.OUT_OF_RANGE, StorageErrorCode.OFFSET_OUT_OF_RANGE, s.name,
            "The offset is beyond stream, expected offset " + end + ", received " + offset + " Entity: " + s.name);
      }
    }
    s.rows.addAll(rows);
    if (s.type == WriteStream.Type.COMMITTED) {
      store.append(s.table, rows);
    }
    response.setAppendResult(AppendRowsResponse.AppendResult.newBuilder().setOffset(Int64Value.of(end)));
  }

  private WriteStream describe(StreamState s, WriteStreamView view) {
    WriteStream.Builder b = WriteStream.newBuilder()
        .setName(s.name)
        .setType(s.type)
        .setCreateTime(timestamp(s.createdMillis))
        .setWriteMode(WriteStream.WriteMode.INSERT)
        .setLocation(s.table.resource.path("location").asText("US"));
    if (s.type == WriteStream.Type.COMMITTED) {
      b.setCommitTime(timestamp(s.createdMillis));
    }
    if (view == WriteStreamView.FULL) {
      synchronized (store) {
        b.setTableSchema(s.table.protoSchema());
      }
    }
    return b.build();
  }

  private Table table(String path) throws Failure {
    Table t = store.tableByPath(path);
    if (t == null) {
      throw new Failure(Status.Code.NOT_FOUND, StorageErrorCode.TABLE_NOT_FOUND, path, "Table not found: " + path);
    }
    return t;
  }

  private StreamState stream(String name) throws Failure {
    StreamState s = streams.get(name);
    if (s == null) {
      throw new Failure(Status.Code.NOT_FOUND, StorageErrorCode.STREAM_NOT_FOUND, name, "Stream not found: " + name);
    }
    return s;
  }

  private static boolean isDefault(String name) {
    return name.endsWith("/_default");
  }

  /** {@code .../tables/t/streams/_default} or {@code .../tables/t/_default} to {@code .../tables/t}. */
  private static String tablePathOf(String streamName) {
    String s = streamName.substring(0, streamName.length() - "/_default".length());
    return s.endsWith("/streams") ? s.substring(0, s.length() - "/streams".length()) : s;
  }

  private static StorageError error(StorageErrorCode code, String entity, String message) {
    return StorageError.newBuilder().setCode(code).setEntity(entity).setErrorMessage(message).build();
  }

  private static Timestamp timestamp(long millis) {
    return Timestamp.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
  }

  private interface Call<T> {
    T run() throws Failure;
  }

  private <T> void unary(String rpc, StreamObserver<T> out, Call<T> call) {
    Status.Code down = faults.takeOutage();
    if (down != null) {
      out.onError(Status.fromCode(down).withDescription("Injected fault: outage").asRuntimeException());
      return;
    }
    try {
      T answer = call.run();
      if (faults.takeLostUnaryReply(rpc)) {
        out.onError(Status.UNAVAILABLE.withDescription("Injected fault: " + rpc + " was applied, its reply lost")
            .asRuntimeException());
        return;
      }
      out.onNext(answer);
      out.onCompleted();
    } catch (Failure f) {
      out.onError(StatusProto.toStatusRuntimeException(f.status));
    }
  }
}
