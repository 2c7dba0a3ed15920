package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import io.cloudbridge.bigquery.rows.RowEncoder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * The columns the sink adds to every row when configured: where the record was in Kafka ({@code _kafka_topic},
 * {@code _kafka_partition}, {@code _kafka_offset}, {@code _kafka_timestamp}, {@code _kafka_key}) and when the sink
 * wrote it (the insert-time column). All NULLABLE; a key that is bytes is written in base64.
 */
final class AddedColumns {

  /** The Kafka metadata a row can carry. */
  enum Kafka {
    TOPIC(TableFieldSchema.Type.STRING), PARTITION(TableFieldSchema.Type.INT64),
    OFFSET(TableFieldSchema.Type.INT64), TIMESTAMP(TableFieldSchema.Type.TIMESTAMP), KEY(TableFieldSchema.Type.STRING);

    final TableFieldSchema.Type type;

    Kafka(TableFieldSchema.Type type) {
      this.type = type;
    }

    String column() {
      return "_kafka_" + name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<Kafka> kafka;
  private final boolean insertTime;
  private final List<RowEncoder.Extra> extras = new ArrayList<>();

  AddedColumns(List<Kafka> kafka, String insertTimeColumn) {
    this.kafka = List.copyOf(kafka);
    kafka.forEach(k -> extras.add(new RowEncoder.Extra(k.column(), k.type)));
    this.insertTime = !insertTimeColumn.isEmpty();
    if (insertTime) {
      extras.add(new RowEncoder.Extra(insertTimeColumn, TableFieldSchema.Type.TIMESTAMP));
    }
  }

  List<RowEncoder.Extra> extras() {
    return extras;
  }

  /** The added columns' values for a record's row, in the order of {@link #extras()}; null when none are added. */
  Object[] values(SinkRecord r) {
    if (extras.isEmpty()) {
      return null;
    }
    Object[] v = new Object[extras.size()];
    for (int i = 0; i < kafka.size(); i++) {
      v[i] = switch (kafka.get(i)) {
        case TOPIC -> r.topic();
        case PARTITION -> r.kafkaPartition() == null ? null : (long) r.kafkaPartition();
        case OFFSET -> r.kafkaOffset();
        case TIMESTAMP -> r.timestamp() == null ? null : r.timestamp() * 1_000L;
        case KEY -> key(r.key());
      };
    }
    if (insertTime) {
      v[kafka.size()] = System.currentTimeMillis() * 1_000L;
    }
    return v;
  }

  private static String key(Object key) {
    if (key == null) {
      return null;
    }
    if (key instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (key instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return Base64.getEncoder().encodeToString(bytes);
    }
    return key.toString();
  }
}
