package io.cloudbridge.bigquery;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The row changes a change event carries, for BigQuery change data capture. Two shapes are read:
 * <ul>
 *   <li>Debezium's envelope ({@code op}, {@code before}, {@code after}, {@code source}): {@code c}, {@code r} and
 *   {@code u} upsert {@code after}; {@code d} deletes {@code before} (or the key when the binlog kept no before
 *   image); an update that changes the primary key deletes the old key, then upserts the new row; {@code t}
 *   (truncate) and {@code m} (message) change no row.</li>
 *   <li>A row as ExtractNewRecordState leaves it: a delete when {@code __deleted} is {@code "true"} or {@code __op}
 *   is {@code d} (use {@code delete.tombstone.handling.mode=rewrite}), else an upsert.</li>
 * </ul>
 * The sequence number orders changes of one key: from the binlog position ({@code source.file} index,
 * {@code source.pos}, {@code source.row}, or the {@code __source_*} fields ExtractNewRecordState adds with
 * {@code add.fields=source.file,source.pos,source.row}) followed by the Kafka offset, which breaks ties between
 * events of one binlog event in their Kafka order; the Kafka offset alone when the record carries no position.
 * A late or replayed event thus never overwrites newer state.
 */
final class ChangeEvents {

  /** One row change: the row (all columns, or at least the key ones for a delete), and its sequence number. */
  record Change(Struct row, boolean delete, String sequence) {}

  private ChangeEvents() {}

  /** The changes of a record whose value is not null; a value neither shape fits fails naming the record. */
  static List<Change> of(SinkRecord r) {
    if (!(r.value() instanceof Struct value)) {
      throw new DataException(TableRows.describe(r) + ": a change event must be a struct with a schema, not "
          + r.value().getClass().getSimpleName());
    }
    Schema schema = value.schema();
    if (schema.field("op") != null && schema.field("after") != null && schema.field("before") != null) {
      return envelope(r, value);
    }
    String op = string(value, "__op");
    boolean delete = "d".equals(op) || "true".equals(string(value, "__deleted"));
    String sequence = sequence(string(value, "__source_file"), number(value, "__source_pos"),
        number(value, "__source_row"), r.kafkaOffset());
    return List.of(new Change(value, delete, sequence));
  }

  private static List<Change> envelope(SinkRecord r, Struct value) {
    String op = value.getString("op");
    Struct before = value.getStruct("before");
    Struct after = value.getStruct("after");
    Struct source = value.schema().field("source") == null ? null : value.getStruct("source");
    String sequence = source == null ? sequence(null, null, null, r.kafkaOffset())
        : sequence(string(source, "file"), number(source, "pos"), number(source, "row"), r.kafkaOffset());
    switch (op == null ? "" : op) {
      case "c", "r" -> {
        return List.of(new Change(require(after, "after", r), false, sequence));
      }
      case "u" -> {
        require(after, "after", r);
        List<Change> out = new ArrayList<>(2);
        if (before != null && keyChanged(r, before, after)) {
          out.add(new Change(before, true, sequence));
        }
        out.add(new Change(after, false, sequence));
        return out;
      }
      case "d" -> {
        Struct row = before != null ? before : r.key() instanceof Struct key ? key : null;
        return List.of(new Change(require(row, "before (or a struct key)", r), true, sequence));
      }
      case "t", "m" -> {
        return List.of();
      }
      default -> throw new DataException(TableRows.describe(r) + ": unknown Debezium op '" + op + "'");
    }
  }

  /** Whether an update moves the row to another primary key (the Kafka key's fields). */
  private static boolean keyChanged(SinkRecord r, Struct before, Struct after) {
    if (!(r.key() instanceof Struct key)) {
      return false;
    }
    for (Field f : key.schema().fields()) {
      if (before.schema().field(f.name()) != null
          && !Objects.deepEquals(before.get(f.name()), after.get(f.name()))) {
        return true;
      }
    }
    return false;
  }

  private static Struct require(Struct row, String what, SinkRecord r) {
    if (row == null) {
      throw new DataException(TableRows.describe(r) + ": the change event has no " + what);
    }
    return row;
  }

  /** {@code file/pos/row/offset} in hex, from the binlog file's index; the Kafka offset alone without a position. */
  static String sequence(String file, Long pos, Long row, long kafkaOffset) {
    if (file == null || pos == null) {
      return Long.toHexString(kafkaOffset).toUpperCase(java.util.Locale.ROOT);
    }
    int dot = file.lastIndexOf('.');
    long index;
    try {
      index = Long.parseLong(file.substring(dot + 1));
    } catch (NumberFormatException e) {
      throw new DataException("binlog file name '" + file + "' does not end in a number");
    }
    return String.join("/", Long.toHexString(index), Long.toHexString(pos),
        Long.toHexString(row == null ? 0 : row), Long.toHexString(kafkaOffset)).toUpperCase(java.util.Locale.ROOT);
  }

  private static String string(Struct s, String field) {
    Field f = s.schema().field(field);
    Object v = f == null ? null : s.get(f);
    return v == null ? null : v.toString();
  }

  private static Long number(Struct s, String field) {
    Field f = s.schema().field(field);
    Object v = f == null ? null : s.get(f);
    return v instanceof Number n ? n.longValue() : null;
  }
}
