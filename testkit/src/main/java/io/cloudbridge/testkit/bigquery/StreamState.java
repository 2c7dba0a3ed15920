package io.cloudbridge.testkit.bigquery;

import com.google.cloud.bigquery.storage.v1.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An application-created write stream: its type, rows written so far, and where it is in its lifecycle. */
final class StreamState {

  final String name;
  final Table table;
  final WriteStream.Type type;
  final long createdMillis;
  /** Every row appended, in offset order; for COMMITTED streams they are already in the table too. */
  final List<Map<String, Object>> rows = new ArrayList<>();
  long flushedUpTo;
  boolean finalized;
  boolean committed;

  StreamState(String name, Table table, WriteStream.Type type, long createdMillis) {
    this.name = name;
    this.table = table;
    this.type = type;
    this.createdMillis = createdMillis;
  }
}
