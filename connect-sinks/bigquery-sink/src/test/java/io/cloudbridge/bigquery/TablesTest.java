package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.storage.v1.TableFieldSchema;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Table creation and schema changes against the stand-in, which enforces BigQuery's table update rate limit. */
class TablesTest {

  private BigQueryStandIn standIn;
  private BigQuery bigQuery;
  private Tables tables;

  @BeforeEach
  void start() {
    standIn = BigQueryStandIn.start();
    standIn.bigQuery().create(DatasetInfo.of("lake"));
    var config = StandInSink.config(standIn, "t", "lake");
    config.put("bigquery.partition.type", "none"); // an unpartitioned table: 5 updates per 10 s
    BigQuerySinkConfig c = new BigQuerySinkConfig(config);
    bigQuery = Clients.rest(c);
    tables = new Tables(bigQuery, c);
  }

  @AfterEach
  void stop() {
    standIn.close();
  }

  private static TableSchema columns(String... names) {
    TableSchema.Builder b = TableSchema.newBuilder();
    for (String n : names) {
      b.addFields(TableFieldSchema.newBuilder().setName(n).setType(TableFieldSchema.Type.STRING)
          .setMode(TableFieldSchema.Mode.NULLABLE));
    }
    return b.build();
  }

  @Test
  void twoTasksAddingColumnsToOneTablePastTheRateLimitBothEndWithEveryColumn() throws Exception {
    TableId id = TableId.of("lake", "shared");
    // Two tasks each see four schemas in a row, each adding a column of its own: twelve changes in all (two
    // creations racing, then the additions), far more than 5 per 10 s, and each task's schema read before the
    // other's change. Every change must land, none fail the task.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> tasks = new ArrayList<>();
      for (String task : List.of("a", "b")) {
        tasks.add(pool.submit(() -> {
          List<String> seen = new ArrayList<>(List.of("id"));
          for (int i = 0; i < 4; i++) {
            seen.add(task + i);
            tables.reconcile(id, columns(seen.toArray(String[]::new)), List.of());
          }
          return null;
        }));
      }
      for (Future<?> f : tasks) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    List<String> names = bigQuery.getTable(id).<StandardTableDefinition>getDefinition().getSchema().getFields()
        .stream().map(Field::getName).toList();
    assertThat(names).containsExactlyInAnyOrder("id", "a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3");
  }

  /**
   * Replies lost after BigQuery applied the call: a table insert answered 503 though the table was created, a
   * schema update answered 503 though the column was added, a get cut off after it was served. What the client does
   * not retry itself surfaces as an outage ({@link Outages}), which the task waits out and tries again (the
   * RetriableException / rewind paths); tried again, the sink meets its own change and every column lands.
   */
  @Test
  void repliesLostAfterTableChangesWereAppliedLeaveTheTableWithEveryColumnWhenTriedAgain() {
    TableId id = TableId.of("lake", "lost");
    standIn.restFaults().applyThenFailNext(1, "POST", "/tables", 503);
    int outages = reconcileAsTheTaskWould(id, columns("id", "a"));
    assertThat(standIn.restFaults().injected()).as("the insert's reply lost").isEqualTo(1);
    standIn.restFaults().applyThenDropNext(1, "GET", "/tables/lost");
    outages += reconcileAsTheTaskWould(id, columns("id", "a", "b"));
    assertThat(standIn.restFaults().injected()).as("the get's reply lost").isEqualTo(2);
    // The client sends tables.patch as POST with X-HTTP-Method-Override: PATCH (its HTTP transport has no PATCH).
    standIn.restFaults().applyThenFailNext(1, "POST", "/tables/lost", 503);
    outages += reconcileAsTheTaskWould(id, columns("id", "a", "b", "c"));
    assertThat(standIn.restFaults().injected()).as("the update's reply lost").isEqualTo(3);
    System.out.printf("TablesTest: %d lost replies, %d surfaced as outages the task waits out%n",
        standIn.restFaults().injected(), outages);
    assertThat(bigQuery.getTable(id).<StandardTableDefinition>getDefinition().getSchema().getFields())
        .extracting(Field::getName).containsExactly("id", "a", "b", "c");
  }

  /** Reconciles, and when that fails for an outage (only then), again, as the task does; returns the outages. */
  private int reconcileAsTheTaskWould(TableId id, TableSchema schema) {
    for (int outages = 0; outages < 5; outages++) {
      try {
        tables.reconcile(id, schema, List.of());
        return outages;
      } catch (org.apache.kafka.connect.errors.ConnectException e) {
        assertThat(Outages.isOutage(e)).as("waited out by the task: %s", e.getMessage()).isTrue();
      }
    }
    throw new AssertionError("still failing after 5 tries");
  }

  @Test
  void aChangeBigQueryRefusesForGoodFailsAtOnceNamingTheTable() {
    TableId id = TableId.of("lake", "typed");
    tables.reconcile(id, columns("id"), List.of());
    TableSchema retyped = TableSchema.newBuilder().addFields(TableFieldSchema.newBuilder().setName("id")
        .setType(TableFieldSchema.Type.INT64).setMode(TableFieldSchema.Mode.NULLABLE)).build();
    long start = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> tables.reconcile(id, retyped, List.of()))
        .hasMessageContaining("column id is NULLABLE STRING in the table");
    assertThat(System.nanoTime() - start).as("no retries").isLessThan(5_000_000_000L);
    assertThat(Tables.transientChange(new com.google.cloud.bigquery.BigQueryException(400,
        "Provided Schema does not match Table p:d.t. Field x has changed type from DATE to STRING"))).isFalse();
  }
}
