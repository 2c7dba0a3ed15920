package io.cloudbridge.bench;

import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The BigQuery sink's {@code batch_load} mode (rows staged as Avro files in the GCS stand-in, loaded by load jobs of
 * the BigQuery stand-in) next to {@code at_least_once} through Storage Write, on the same topic in the same run:
 * records per second end to end (until every row is in the table) with CPU µs per record of the whole process
 * (Connect, broker and stand-ins), then the latency from a record produced to its row visible, for a trickle of
 * records at the default rotation (10 minutes; {@code -Dbench.load.interval.ms} to change it), and the cost of 1 TiB
 * ingested each way at Google's list prices. The throughput run rotates files by records (a quarter of the backlog),
 * so the timer does not decide it.
 */
final class BigQueryLoadScenario implements Scenario {

  private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"bench.Access\",\"optional\":false,"
      + "\"fields\":[{\"field\":\"method\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"path\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"status\",\"type\":\"int32\",\"optional\":false},"
      + "{\"field\":\"bytes\",\"type\":\"int64\",\"optional\":true},"
      + "{\"field\":\"agent\",\"type\":\"string\",\"optional\":true},"
      + "{\"field\":\"at\",\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,"
      + "\"optional\":false},"
      + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false}]}";

  private GcsStandIn gcs;
  private BigQueryStandIn bigQuery;
  private String topic;
  private int loaded;
  private long valueBytes;

  @Override
  public String name() {
    return "bigquery-batch-load";
  }

  @Override
  public String description() {
    return "BigQuery sink, 1 task, batch_load (Avro files, load jobs) vs at_least_once (Storage Write) on the same"
        + " topic";
  }

  private static String value(long n, long at) {
    return "{\"schema\":" + SCHEMA + ",\"payload\":{\"method\":\"" + (n % 5 == 0 ? "POST" : "GET")
        + "\",\"path\":\"/api/v1/items/" + n + "?q=straße\",\"status\":" + (n % 50 == 0 ? 500 : 200) + ",\"bytes\":"
        + (n % 7 == 0 ? "null" : Long.toString(n * 13 % 100_000)) + ",\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)"
        + " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\",\"at\":" + at + ",\"n\":" + n + "}}";
  }

  private void load(ConnectCluster cluster, int records) {
    if (bigQuery == null) {
      gcs = GcsStandIn.inMemory();
      gcs.createBucket("bench-staging");
      bigQuery = BigQueryStandIn.start().readsFrom(gcs);
      bigQuery.bigQuery().create(com.google.cloud.bigquery.DatasetInfo.of("bench"));
    }
    if (loaded == records) {
      return;
    }
    topic = "bench_load_" + System.nanoTime();
    long at = System.currentTimeMillis();
    valueBytes = SinkRuns.backlog(cluster, topic, records, i -> value(i, at + i));
    loaded = records;
  }

  private Map<String, String> config(String from, String mode, String table) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", "io.cloudbridge.bigquery.BigQuerySinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", from);
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", "true");
    c.put("bigquery.dataset", "bench");
    c.put("bigquery.table.name.template", table);
    c.put("gcp.project.id", BigQueryStandIn.PROJECT);
    c.put("gcp.credentials.source", "none");
    c.put("bigquery.endpoint.override", bigQuery.restUrl());
    c.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
    c.put("bigquery.storage.plaintext", "true");
    c.put("bigquery.write.mode", mode);
    if (mode.equals("batch_load")) {
      c.put("bigquery.batch.gcs.bucket", "bench-staging");
      c.put("bigquery.batch.gcs.endpoint.override", gcs.url());
    }
    return c;
  }

  private static long rows(String connector, String mode) {
    try {
      return PluginMetrics.task(connector, mode.equals("batch_load") ? "load-rows-total" : "rows-appended-total");
    } catch (Exception notYet) {
      return 0;
    }
  }

  private Result throughput(ConnectCluster cluster, int records, String mode) throws Exception {
    load(cluster, records);
    String name = "bench-" + mode.replace('_', '-') + "-" + System.nanoTime();
    Map<String, String> c = config(topic, mode, "t_" + System.nanoTime());
    c.put("bigquery.batch.flush.records", Integer.toString(Math.max(1_000, records / 4)));
    System.gc();
    CpuWatch cpu = CpuWatch.start();
    long start = System.nanoTime();
    cluster.configureConnector(name, c);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    while (rows(name, mode) < records) {
      Thread.sleep(5); // a completion check, at most 5 ms late
    }
    long nanos = System.nanoTime() - start;
    System.out.printf("%s: %.1f µs CPU per record (the whole process: Connect, broker, stand-ins); %s%n", mode,
        cpu.processNanos() / 1e3 / records, cpu.stop());
    cluster.deleteConnector(name);
    return new Result((mode.equals("batch_load") ? "measured: batch_load" : "baseline: at_least_once")
        + " throughput", records, valueBytes, nanos, new long[0], 0);
  }

  /**
   * A trickle of records (rate per second for the given seconds) into a fresh topic with the connector running;
   * each record's latency is the time from its send to the first time its row is seen in the table (polled every
   * 100 ms).
   */
  private Result latency(ConnectCluster cluster, String mode, int perSecond, int seconds) throws Exception {
    String from = "bench_latency_" + mode + "_" + System.nanoTime();
    String table = "lat_" + System.nanoTime();
    cluster.createTopic(from, 1);
    String name = "bench-lat-" + mode.replace('_', '-') + "-" + System.nanoTime();
    Map<String, String> c = config(from, mode, table);
    String interval = System.getProperty("bench.load.interval.ms");
    if (interval != null) {
      c.put("bigquery.batch.flush.interval.ms", interval);
    }
    cluster.configureConnector(name, c);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    int total = perSecond * seconds;
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    long start = System.nanoTime();
    long[] latencies = new long[total];
    Map<Long, Boolean> seen = new HashMap<>();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      long next = start;
      int n = 0;
      while (seen.size() < total) {
        long now = System.nanoTime();
        while (n < total && now >= next) {
          sentAt.put((long) n, now);
          producer.send(new ProducerRecord<>(from, 0, null, value(n, System.currentTimeMillis())));
          n++;
          next += 1_000_000_000L / perSecond;
        }
        producer.flush();
        try {
          for (Map<String, Object> row : bigQuery.rows("bench", table)) {
            long k = ((Number) row.get("n")).longValue();
            if (seen.putIfAbsent(k, Boolean.TRUE) == null) {
              latencies[(int) k] = (System.nanoTime() - sentAt.get(k)) / 1_000;
            }
          }
        } catch (RuntimeException noTableYet) {
          // the table is created with the first rows
        }
        Thread.sleep(100); // the poll interval of the visibility check (the figures' resolution)
      }
    }
    cluster.deleteConnector(name);
    return new Result((mode.equals("batch_load") ? "measured: batch_load" : "baseline: at_least_once")
        + " latency", total, 0, System.nanoTime() - start, latencies, 0);
  }

  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    return throughput(cluster, records, "at_least_once");
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    Result result = throughput(cluster, records, "batch_load");
    // Not in the warm-up run; -Dbench.load.latency=false skips it (it lasts the rotation interval, 10 minutes).
    if (records >= 10_000 && Boolean.parseBoolean(System.getProperty("bench.load.latency", "true"))) {
      String interval = System.getProperty("bench.load.interval.ms", "600000 (the default)");
      System.out.printf("%nLatency, record produced to row visible: 20 records/s for 30 s; batch_load at rotation"
          + " interval %s ms and 1,000,000 records%n", interval);
      Result storageWrite = latency(cluster, "at_least_once", 20, 30);
      Result batch = latency(cluster, "batch_load", 20, 30);
      System.out.println(Result.header());
      System.out.println(storageWrite.row());
      System.out.println(batch.row());
      costs();
    }
    return result;
  }

  /**
   * What 1 TiB ingested costs each way at Google's list prices (US multi-region, December 2026):
   * Storage Write API $0.025 per GiB beyond the first 2 TiB a month (cloud.google.com/bigquery/pricing, "Data
   * ingestion pricing"); batch loading free on the shared slot pool (same page, "Free operations": loading data);
   * the staged files' uploads are GCS Class A operations at $0.005 per 1,000 (cloud.google.com/storage/pricing,
   * Standard storage), one per 8 MiB chunk plus one to start each file; their storage for minutes is negligible.
   */
  private static void costs() {
    double gib = 1024;
    double storageWrite = gib * 0.025;
    double chunks = gib * 1024 / 8;
    double files = gib; // 1 GiB files (bigquery.batch.flush.bytes)
    double uploads = (chunks + files) / 1000 * 0.005;
    System.out.printf("%nCost of 1 TiB ingested (list prices, past the Storage Write free 2 TiB/month):%n");
    System.out.printf("  at_least_once / exactly_once (Storage Write): $%.2f%n", storageWrite);
    System.out.printf("  batch_load (load jobs free; %,.0f GCS Class A requests for staging): $%.2f%n",
        chunks + files, uploads);
  }
}
