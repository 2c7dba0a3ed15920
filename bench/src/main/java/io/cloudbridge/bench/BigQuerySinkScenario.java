package io.cloudbridge.bench;

import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Records per second through 1 task of the BigQuery sink into the BigQuery stand-in in one write mode
 * (at_least_once: the default stream; exactly_once: a COMMITTED stream with row offsets; cdc: upserts keyed by the
 * record's {@code n}), next to a null sink on the same topic with the same converter in the same run. Target for
 * at_least_once: 0.7 of the null sink. Done when the task's metric says BigQuery acknowledged every row.
 */
final class BigQuerySinkScenario implements Scenario {

  private final String mode;

  BigQuerySinkScenario(String mode) {
    this.mode = mode;
  }

  private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"bench.Action\",\"optional\":false,"
      + "\"fields\":[{\"field\":\"action\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"user\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"page\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"ms\",\"type\":\"int64\",\"optional\":false},"
      + "{\"field\":\"at\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,"
      + "\"optional\":false},"
      + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false}]}";

  private BigQueryStandIn bigQuery;
  private String topic;
  private int loaded;
  private long valueBytes;

  @Override
  public String name() {
    return mode.equals("at_least_once") ? "bigquery-sink" : "bigquery-sink-" + mode.replace('_', '-');
  }

  @Override
  public String description() {
    return "BigQuery sink, 1 task, " + mode + " into the stand-in vs a null sink";
  }

  private void load(ConnectCluster cluster, int records) throws Exception {
    if (bigQuery == null) {
      bigQuery = BigQueryStandIn.start();
      bigQuery.bigQuery().create(com.google.cloud.bigquery.DatasetInfo.of("bench"));
    }
    if (loaded == records) {
      return;
    }
    topic = "bench_bq_" + System.nanoTime();
    long at = System.currentTimeMillis();
    valueBytes = SinkRuns.backlog(cluster, topic, records, i -> "{\"schema\":" + SCHEMA + ",\"payload\":{\"action\":\""
        + (i % 3 == 0 ? "view" : "click") + "\",\"user\":\"u-" + (i % 1000) + "\",\"page\":\"/p/" + i + "\",\"ms\":"
        + (i % 997) + ",\"at\":" + (at + i) + ",\"n\":" + i + "}}");
    loaded = records;
  }

  private static Map<String, String> converter(Map<String, String> c) {
    c.put("tasks.max", "1");
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", "true");
    return c;
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    load(cluster, records);
    String name = "bench-bq-null-" + System.nanoTime();
    Map<String, String> c = converter(new HashMap<>());
    c.put("connector.class", "io.cloudbridge.fixture.NullSink");
    c.put("topics", topic);
    System.gc();
    long start = System.nanoTime();
    cluster.configureConnector(name, c);
    while (SinkRuns.sinkTaskMetric(name, "sink-record-send-total") < records) {
      Thread.sleep(5); // a completion check, at most 5 ms late
    }
    long nanos = System.nanoTime() - start;
    cluster.deleteConnector(name);
    return new Result("baseline: null sink (schemas)", records, valueBytes, nanos, new long[0], 0);
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    load(cluster, records);
    String name = "bench-bq-" + System.nanoTime();
    Map<String, String> c = converter(new HashMap<>());
    c.put("connector.class", "io.cloudbridge.bigquery.BigQuerySinkConnector");
    c.put("topics", topic);
    c.put("bigquery.dataset", "bench");
    c.put("bigquery.table.name.template", "{{topic}}_" + System.nanoTime());
    c.put("gcp.project.id", BigQueryStandIn.PROJECT);
    c.put("gcp.credentials.source", "none");
    c.put("bigquery.endpoint.override", bigQuery.restUrl());
    c.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
    c.put("bigquery.storage.plaintext", "true");
    c.put("bigquery.write.mode", mode);
    if (mode.equals("exactly_once")) {
      c.put("kafka.bootstrap.servers", cluster.bootstrapServers());
    }
    if (mode.equals("cdc")) {
      c.put("transforms", "key");
      c.put("transforms.key.type", "org.apache.kafka.connect.transforms.ValueToKey");
      c.put("transforms.key.fields", "n");
    }
    System.gc();
    long start = System.nanoTime();
    cluster.configureConnector(name, c);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    while (appended(name) < records) {
      Thread.sleep(5); // a completion check, at most 5 ms late
    }
    long nanos = System.nanoTime() - start;
    cluster.deleteConnector(name);
    return new Result("measured: BigQuery sink " + mode, records, valueBytes, nanos, new long[0], 0);
  }

  private static long appended(String connector) {
    try {
      return PluginMetrics.task(connector, "rows-appended-total");
    } catch (Exception notYet) {
      return 0;
    }
  }
}
