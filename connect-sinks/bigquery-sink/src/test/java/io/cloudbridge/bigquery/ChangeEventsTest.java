package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.testkit.bigquery.ChangeSequenceNumber;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class ChangeEventsTest {

  private static final Schema KEY = SchemaBuilder.struct().name("shop.customers.Key")
      .field("id", Schema.INT32_SCHEMA).build();
  private static final Schema ROW = SchemaBuilder.struct().name("shop.customers.Value").optional()
      .field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA).build();
  private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.mariadb.Source")
      .field("file", Schema.STRING_SCHEMA).field("pos", Schema.INT64_SCHEMA)
      .field("row", Schema.OPTIONAL_INT32_SCHEMA).build();
  private static final Schema ENVELOPE = SchemaBuilder.struct().name("shop.customers.Envelope")
      .field("before", ROW).field("after", ROW).field("source", SOURCE).field("op", Schema.STRING_SCHEMA).build();

  private static Struct row(int id, String name) {
    return new Struct(ROW).put("id", id).put("name", name);
  }

  private static SinkRecord event(String op, Struct before, Struct after, String file, long pos, long offset) {
    Struct value = new Struct(ENVELOPE).put("op", op).put("before", before).put("after", after)
        .put("source", new Struct(SOURCE).put("file", file).put("pos", pos).put("row", 1));
    int id = (after != null ? after : before).getInt32("id");
    return new SinkRecord("shop.customers", 0, KEY, new Struct(KEY).put("id", id), ENVELOPE, value, offset);
  }

  @Test
  void debeziumOpsBecomeUpsertsAndDeletesWithTheBinlogPositionAsSequence() {
    List<ChangeEvents.Change> created = ChangeEvents.of(event("c", null, row(1, "Ada"), "binlog.000012", 4000, 7));
    assertThat(created).singleElement().satisfies(c -> {
      assertThat(c.delete()).isFalse();
      assertThat(c.row().getString("name")).isEqualTo("Ada");
      assertThat(c.sequence()).isEqualTo("C/FA0/1/7");
    });
    assertThat(ChangeEvents.of(event("u", row(1, "Ada"), row(1, "Ada L."), "binlog.000012", 4100, 8)))
        .singleElement().satisfies(c -> assertThat(c.delete()).isFalse());
    assertThat(ChangeEvents.of(event("d", row(1, "Ada L."), null, "binlog.000012", 4200, 9)))
        .singleElement().satisfies(c -> {
          assertThat(c.delete()).isTrue();
          assertThat(c.row().getInt32("id")).isEqualTo(1);
        });
    Struct truncate = new Struct(ENVELOPE).put("op", "t")
        .put("source", new Struct(SOURCE).put("file", "binlog.000012").put("pos", 4300L));
    assertThat(ChangeEvents.of(new SinkRecord("shop.customers", 0, null, null, ENVELOPE, truncate, 10))).isEmpty();
  }

  @Test
  void anUpdateOfThePrimaryKeyDeletesTheOldKeyThenUpsertsTheNew() {
    List<ChangeEvents.Change> changes = ChangeEvents.of(event("u", row(3, "Linus"), row(30, "Linus"),
        "binlog.000001", 900, 3));
    assertThat(changes).extracting(ChangeEvents.Change::delete).containsExactly(true, false);
    assertThat(changes).extracting(c -> c.row().getInt32("id")).containsExactly(3, 30);
  }

  @Test
  void laterBinlogPositionsSortLaterAsBigQueryComparesSequenceNumbers() {
    // Section by section, as unsigned hex numbers: a later file wins over a larger position in an earlier one.
    String early = ChangeEvents.sequence("binlog.000009", 99_999L, 0L, 50);
    String late = ChangeEvents.sequence("binlog.000010", 4L, 0L, 20);
    assertThat(ChangeSequenceNumber.compare(late, early)).isPositive();
    assertThat(ChangeSequenceNumber.compare(ChangeEvents.sequence("binlog.000010", 4L, 1L, 21), late)).isPositive();
    assertThat(ChangeEvents.sequence(null, null, null, 255)).isEqualTo("FF");
    assertThatThrownBy(() -> ChangeEvents.sequence("binlog", 4L, 0L, 1)).isInstanceOf(DataException.class);
  }

  @Test
  void rowsUnwrappedByExtractNewRecordStateCarryTheirOpInTheirFields() {
    Schema flat = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).field("name", Schema.STRING_SCHEMA)
        .field("__op", Schema.OPTIONAL_STRING_SCHEMA).field("__deleted", Schema.OPTIONAL_STRING_SCHEMA)
        .field("__source_file", Schema.OPTIONAL_STRING_SCHEMA).field("__source_pos", Schema.OPTIONAL_INT64_SCHEMA)
        .build();
    Struct deleted = new Struct(flat).put("id", 2).put("name", "Grace").put("__op", "d").put("__deleted", "true")
        .put("__source_file", "mysql-bin.000003").put("__source_pos", 77L);
    assertThat(ChangeEvents.of(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 2), flat, deleted, 40)))
        .singleElement().satisfies(c -> {
          assertThat(c.delete()).isTrue();
          assertThat(c.sequence()).isEqualTo("3/4D/0/28");
        });
    Struct upserted = new Struct(flat).put("id", 2).put("name", "Grace").put("__op", "u").put("__deleted", "false");
    assertThat(ChangeEvents.of(new SinkRecord("t", 0, KEY, new Struct(KEY).put("id", 2), flat, upserted, 41)))
        .singleElement().satisfies(c -> {
          assertThat(c.delete()).isFalse();
          assertThat(c.sequence()).isEqualTo("29");
        });
  }
}
