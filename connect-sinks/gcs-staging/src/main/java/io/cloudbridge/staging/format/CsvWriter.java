package io.cloudbridge.staging.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * CSV (RFC 4180 quoting, through jackson-dataformat-csv): a header row, then a row per record. Columns are the
 * fields of a struct value or the keys of the first map value; a record with other columns starts a new object.
 * Cells hold scalars in their {@link JsonText} forms, nested values as JSON text, nulls as empty cells. With the
 * envelope the columns are fixed: topic, partition, offset, timestamp, key, value, headers (a JSON object).
 */
final class CsvWriter implements RecordWriter<SinkRecord> {

  private static final List<String> ENVELOPE = List.of("topic", "partition", "offset", "timestamp", "key", "value",
      "headers");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectWriter ROW = new CsvMapper().writerFor(List.class).with(CsvSchema.emptySchema());

  private final OutputStream out;
  private final boolean envelope;
  private List<String> columns;
  private Schema schema;

  CsvWriter(OutputStream out, boolean envelope) {
    this.out = out;
    this.envelope = envelope;
  }

  @Override
  public boolean accepts(SinkRecord r) {
    if (columns == null || envelope) {
      return true;
    }
    if (r.value() instanceof Struct s) {
      return s.schema() == schema || s.schema().equals(schema);
    }
    return !(r.value() instanceof Map<?, ?> m) || schema == null && m.size() == columns.size()
        && columns.containsAll(m.keySet());
  }

  @Override
  public void write(SinkRecord r) throws IOException {
    List<String> names = columns == null && !envelope ? columnsOf(r) : envelope ? ENVELOPE : columns;
    List<String> cells = RecordWriter.encode(r, () -> envelope ? envelope(r) : cells(r, names));
    cells.replaceAll(c -> c == null ? "" : c); // a null would be left out, shortening the row
    byte[] row = ROW.writeValueAsBytes(cells);
    if (columns == null) {
      out.write(ROW.writeValueAsBytes(names));
      columns = names;
      schema = r.value() instanceof Struct s ? s.schema() : null;
    }
    out.write(row);
  }

  /** The columns an object opened by this record has: its struct's fields or its map's keys. */
  private static List<String> columnsOf(SinkRecord r) {
    List<String> names = new ArrayList<>();
    if (r.value() instanceof Struct s) {
      s.schema().fields().forEach(f -> names.add(f.name()));
    } else if (r.value() instanceof Map<?, ?> m) {
      m.keySet().forEach(k -> names.add(String.valueOf(k)));
    }
    return names;
  }

  private static List<String> cells(SinkRecord r, List<String> names) {
    List<String> cells = new ArrayList<>(names.size());
    if (r.value() instanceof Struct s) {
      for (Field f : s.schema().fields()) {
        cells.add(JsonText.of(f.schema(), s.get(f)));
      }
    } else if (r.value() instanceof Map<?, ?> m) {
      Schema values = r.valueSchema() == null ? null : r.valueSchema().valueSchema();
      for (String name : names) {
        cells.add(JsonText.of(values, m.get(name)));
      }
    } else {
      throw new DataException("csv rows need a struct or map value, not "
          + (r.value() == null ? "null" : r.value().getClass().getSimpleName()));
    }
    return cells;
  }

  private static List<String> envelope(SinkRecord r) {
    List<String> cells = new ArrayList<>(ENVELOPE.size());
    cells.add(r.topic());
    cells.add(Integer.toString(r.kafkaPartition()));
    cells.add(Long.toString(r.kafkaOffset()));
    cells.add(r.timestamp() == null ? null
        : JsonText.of(org.apache.kafka.connect.data.Timestamp.SCHEMA, new java.util.Date(r.timestamp())));
    cells.add(JsonText.of(r.keySchema(), r.key()));
    cells.add(JsonText.of(r.valueSchema(), r.value()));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      headers.put(h.key(), JsonText.of(h.schema(), h.value()));
    }
    try {
      cells.add(JSON.writeValueAsString(headers));
    } catch (JsonProcessingException e) {
      throw new DataException("headers: " + e.getMessage(), e);
    }
    return cells;
  }

  @Override
  public void finish() throws IOException {
    out.flush();
  }
}
