package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudbridge.testkit.http.HttpRequest;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * REST {@code tables.list} and {@code tabledata.list} bodies as BigQuery sends them: rows as {@code {"f":[{"v":…}]}}
 * in schema order, every scalar as a string, records as nested {@code f} lists, repeated fields as lists of
 * {@code {"v":…}}; timestamps as float seconds unless {@code formatOptions.useInt64Timestamp} (µs) or
 * {@code formatOptions.timestampOutputFormat} ask otherwise; paging by {@code maxResults}, {@code startIndex} and
 * {@code pageToken}.
 */
final class TableData {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int DEFAULT_PAGE = 100_000;

  private TableData() {}

  static ObjectNode tableList(List<Table> tables) {
    ObjectNode out = NODES.objectNode().put("kind", "bigquery#tableList").put("etag", "l" + tables.size());
    ArrayNode list = out.putArray("tables");
    for (Table t : tables) {
      ObjectNode item = list.addObject().put("kind", "bigquery#table").put("id", t.legacyName());
      item.set("tableReference", t.resource.path("tableReference").deepCopy());
      item.put("type", "TABLE").put("creationTime", Long.toString(t.createdMillis));
      copyIfPresent(t.resource, item, "timePartitioning");
      copyIfPresent(t.resource, item, "clustering");
    }
    out.put("totalItems", tables.size());
    return out;
  }

  static ObjectNode list(Table table, HttpRequest r) {
    List<Map<String, Object>> rows = table.visibleRows();
    long start = parseIndex(r.query("pageToken") != null ? r.query("pageToken") : r.query("startIndex"));
    long max = r.query("maxResults") == null ? DEFAULT_PAGE : parseIndex(r.query("maxResults"));
    String timestamps = timestampFormat(r);
    ObjectNode out = NODES.objectNode().put("kind", "bigquery#tableDataList").put("etag", "r" + rows.size())
        .put("totalRows", Integer.toString(rows.size()));
    ArrayNode page = out.putArray("rows");
    long end = Math.min(rows.size(), start + max);
    for (long i = start; i < end; i++) {
      page.add(record(table.columns, rows.get((int) i), timestamps));
    }
    if (end < rows.size()) {
      out.put("pageToken", Long.toString(end));
    }
    return out;
  }

  private static ObjectNode record(List<Column> columns, Map<String, Object> row, String timestamps) {
    ObjectNode rec = NODES.objectNode();
    ArrayNode f = rec.putArray("f");
    for (Column c : columns) {
      Object v = row == null ? null : value(row, c.name());
      ObjectNode cell = f.addObject();
      if (v == null) {
        cell.putNull("v");
      } else if (c.repeated() && v instanceof List<?> list) {
        ArrayNode items = cell.putArray("v");
        for (Object item : list) {
          items.addObject().set("v", scalarOrRecord(c, item, timestamps));
        }
      } else {
        cell.set("v", scalarOrRecord(c, v, timestamps));
      }
    }
    return rec;
  }

  @SuppressWarnings("unchecked")
  private static JsonNode scalarOrRecord(Column c, Object v, String timestamps) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (c.type().equals("STRUCT")) {
      return record(c.fields(), (Map<String, Object>) v, timestamps);
    }
    return NODES.textNode(text(c.type(), v, timestamps));
  }

  private static String text(String type, Object v, String timestamps) {
    return switch (type) {
      case "BYTES" -> Base64.getEncoder().encodeToString((byte[]) v);
      case "TIMESTAMP" -> {
        Instant t = (Instant) v;
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, t);
        yield switch (timestamps) {
          case "INT64" -> Long.toString(micros);
          case "ISO8601_STRING" -> t.toString();
          default -> Double.toString(micros / 1_000_000.0);
        };
      }
      case "NUMERIC", "BIGNUMERIC" -> ((BigDecimal) v).toPlainString();
      case "DATETIME", "TIME", "DATE" -> v.toString();
      default -> v.toString();
    };
  }

  /** Row maps are keyed by the column names writers used; columns match case-insensitively, as in BigQuery. */
  private static Object value(Map<String, Object> row, String column) {
    Object v = row.get(column);
    if (v != null || row.containsKey(column)) {
      return v;
    }
    for (Map.Entry<String, Object> e : row.entrySet()) {
      if (e.getKey().equalsIgnoreCase(column)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String timestampFormat(HttpRequest r) {
    String format = r.query("formatOptions.timestampOutputFormat");
    if (format != null && !format.equals("TIMESTAMP_OUTPUT_FORMAT_UNSPECIFIED")) {
      return format;
    }
    return "true".equals(r.query("formatOptions.useInt64Timestamp")) ? "INT64" : "FLOAT64";
  }

  private static long parseIndex(String text) {
    if (text == null) {
      return 0;
    }
    try {
      long n = Long.parseLong(text);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw BigQueryError.invalid("Invalid value: " + text);
    }
  }

  private static void copyIfPresent(JsonNode from, ObjectNode to, String field) {
    if (from.has(field)) {
      to.set(field, from.get(field).deepCopy());
    }
  }
}
