package io.cloudbridge.bench;

import io.cloudbridge.gcs.GcsSinkConfig;
import io.cloudbridge.staging.format.OutputFormat;
import io.cloudbridge.staging.format.RecordWriter;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Records per second and MB/s through one task of the GCS sink into the GCS stand-in, for JSON lines uncompressed
 * and gzip, next to two baselines from the same run: a null sink on the same topic (what the Connect runtime
 * reaches: consume, convert, deliver) and the same records encoded by the sink's own format code into a discarding
 * stream. The targets: uncompressed JSON lines at least 0.8 of the null sink; each format at least 0.7 of
 * its encode-only baseline. Every run drains a backlog produced beforehand; done when the task's metric says every
 * record is in a finalized object (for the null sink: when Connect has handed it every record).
 */
final class GcsSinkScenario implements Scenario {

  private GcsStandIn gcs;
  private String topic;
  /** The same values with a JsonConverter schema, for Parquet. */
  private String schemaTopic;
  private int loaded;
  private long valueBytes;

  @Override
  public String name() {
    return "gcs-sink";
  }

  @Override
  public String description() {
    return "GCS sink, 1 task, JSON lines (none, gzip) and Parquet (snappy) vs a null sink and vs encode-only";
  }

  private void load(ConnectCluster cluster, int records) throws Exception {
    if (gcs == null) {
      gcs = GcsStandIn.inMemory();
      gcs.createBucket("bench");
    }
    if (loaded == records) {
      return;
    }
    topic = "bench-gcs-" + System.nanoTime();
    schemaTopic = topic + "-schema";
    valueBytes = SinkRuns.backlog(cluster, topic, records, GcsSinkScenario::value);
    SinkRuns.backlog(cluster, schemaTopic, records, i -> withSchema(value(i)));
    loaded = records;
  }

  private static String value(int i) {
    return "{\"action\":\"" + (i % 3 == 0 ? "view" : "click") + "\",\"user\":\"u-" + (i % 1000) + "\",\"page\":\"/p/"
        + i + "\",\"ms\":" + (i % 997) + ",\"ua\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\",\"n\":" + i
        + "}";
  }

  private static final String SCHEMA = "{\"type\":\"struct\",\"name\":\"bench.Action\",\"optional\":false,"
      + "\"fields\":[{\"field\":\"action\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"user\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"page\",\"type\":\"string\",\"optional\":false},"
      + "{\"field\":\"ms\",\"type\":\"int64\",\"optional\":false},"
      + "{\"field\":\"ua\",\"type\":\"string\",\"optional\":true},"
      + "{\"field\":\"n\",\"type\":\"int64\",\"optional\":false}]}";

  private static String withSchema(String value) {
    return "{\"schema\":" + SCHEMA + ",\"payload\":" + value + "}";
  }

  /** The null sink: what the Connect runtime reaches by itself. */
  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    load(cluster, records);
    return nullSink(cluster, records, topic, false);
  }

  private Result nullSink(ConnectCluster cluster, int records, String from, boolean schemas) throws Exception {
    String name = "bench-null-" + System.nanoTime();
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", "io.cloudbridge.fixture.NullSink");
    c.put("tasks.max", "1");
    c.put("topics", from);
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", Boolean.toString(schemas));
    settle();
    HeapWatch.reset();
    CpuWatch cpu = CpuWatch.start();
    long start = System.nanoTime();
    cluster.configureConnector(name, c);
    long firstRead = 0;
    while (SinkRuns.sinkTaskMetric(name, "sink-record-send-total") < records) {
      if (firstRead == 0 && SinkRuns.sinkTaskMetric(name, "sink-record-read-total") > 0) {
        firstRead = System.nanoTime();
      }
      Thread.sleep(5); // a completion check, at most 5 ms late
    }
    System.out.printf("null sink: first record read %.2f s after the connector was created%n",
        (firstRead - start) / 1e9);
    long nanos = System.nanoTime() - start;
    System.out.println("null sink" + (schemas ? " (schemas)" : "") + ": " + cpu.stop());
    cluster.deleteConnector(name);
    return new Result("baseline: null sink" + (schemas ? " (schemas)" : " (Connect runtime)"), records, valueBytes,
        nanos, new long[0], HeapWatch.peak());
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    load(cluster, records);
    Result plain = run(cluster, records, topic, "jsonl", "none");
    Result gzip = run(cluster, records, topic, "jsonl", "gzip");
    Result parquetNull = nullSink(cluster, records, schemaTopic, true);
    Result parquet = run(cluster, records, schemaTopic, "parquet", "snappy");
    Result upload = uploadOnly(records);
    Result[][] pairs = {
        {plain, encodeOnly(records, "jsonl", "none")},
        {gzip, encodeOnly(records, "jsonl", "gzip")},
        {parquet, encodeOnly(records, "parquet", "snappy")}};
    System.out.println(Result.header());
    for (Result[] pair : pairs) {
      System.out.println(pair[0].row());
      System.out.println(pair[1].row());
    }
    System.out.println(parquetNull.row());
    System.out.println(upload.row());
    for (Result[] pair : pairs) {
      System.out.printf("%s: sink/encode-only %.2f (target 0.7)%n", pair[0].label(),
          pair[0].recordsPerSecond() / pair[1].recordsPerSecond());
    }
    System.out.printf("parquet snappy: sink/null sink with schemas %.2f%n",
        parquet.recordsPerSecond() / parquetNull.recordsPerSecond());
    System.out.println("(the summary below: jsonl none against the schemaless null sink, target 0.8)");
    return plain;
  }

  private Result run(ConnectCluster cluster, int records, String from, String format, String compression)
      throws Exception {
    String name = "bench-gcs-" + format + "-" + compression + "-" + System.nanoTime();
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", "io.cloudbridge.gcs.GcsSinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", from);
    c.put("gcs.bucket.name", "bench");
    c.put("gcs.endpoint.override", gcs.url());
    c.put("gcp.credentials.source", "none");
    c.put("gcp.project.id", "bench");
    c.put("file.name.template", name + "/{{topic}}+{{partition}}+{{start_offset}}");
    c.put("format.output.type", format);
    c.put("file.compression.type", compression);
    // Objects end by flush.size (the record counts are multiples of it); the default 1 MiB chunks go to the upload
    // threads while the task encodes. The schedule only bounds a warm-up's last object.
    c.put("flush.size", "50000");
    c.put("rotate.schedule.interval.ms", "2000");
    c.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    c.put("value.converter.schemas.enable", Boolean.toString(format.equals("parquet")));
    settle();
    HeapWatch.reset();
    CpuWatch cpu = CpuWatch.start();
    long start = System.nanoTime();
    cluster.configureConnector(name, c);
    cluster.awaitRunning(name, 1, Duration.ofSeconds(60));
    long firstRead = 0;
    long allRead = 0;
    while (written(name) < records) {
      if (firstRead == 0 && SinkRuns.sinkTaskMetric(name, "sink-record-read-total") > 0) {
        firstRead = System.nanoTime();
      }
      if (allRead == 0 && SinkRuns.sinkTaskMetric(name, "sink-record-send-total") >= records) {
        allRead = System.nanoTime();
      }
      Thread.sleep(5); // a completion check, at most 5 ms late
    }
    System.out.printf("GCS sink %s %s: first record read %.2f s after the connector was created; all handed to the"
        + " task %.2f s before the last object was complete%n", format, compression, (firstRead - start) / 1e9,
        (System.nanoTime() - allRead) / 1e9);
    long nanos = System.nanoTime() - start;
    long peak = HeapWatch.peak();
    System.out.println("GCS sink " + format + " " + compression + ": " + cpu.stop());
    cluster.deleteConnector(name);
    for (String object : gcs.objectNames("bench")) {
      gcs.client().delete("bench", object); // the stand-in keeps objects in memory: free them for the next run
    }
    return new Result("measured: GCS sink " + format + " " + compression, records, valueBytes, nanos, new long[0],
        peak);
  }

  /** Every run starts from a collected heap, so none pays for the garbage of the one before. */
  private static void settle() {
    System.gc();
  }

  private static long written(String connector) {
    try {
      return PluginMetrics.task(connector, "records-written-total");
    } catch (Exception notYet) {
      return 0;
    }
  }

  /**
   * The raw client loop: the records' JSON lines uploaded by the real client straight to the stand-in, in objects of
   * 50,000 records and 1 MiB chunks, with nothing of Kafka or Connect: what the client and stand-in cost by
   * themselves on this machine.
   */
  private Result uploadOnly(int records) throws Exception {
    com.google.cloud.storage.Storage client = gcs.client();
    settle();
    long start = System.nanoTime();
    for (int from = 0, object = 0; from < records; from += 50_000, object++) {
      com.google.cloud.storage.BlobInfo info = com.google.cloud.storage.BlobInfo.newBuilder("bench",
          "raw-" + System.nanoTime() + "-" + object + ".jsonl").build();
      try (com.google.cloud.WriteChannel channel = client.writer(info,
          com.google.cloud.storage.Storage.BlobWriteOption.doesNotExist())) {
        channel.setChunkSize(1 << 20);
        StringBuilder lines = new StringBuilder(64 * 1024);
        for (int i = from; i < Math.min(records, from + 50_000); i++) {
          lines.append(value(i)).append('\n');
          if (lines.length() >= 60 * 1024) {
            channel.write(java.nio.ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
            lines.setLength(0);
          }
        }
        channel.write(java.nio.ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
      }
    }
    long nanos = System.nanoTime() - start;
    for (String object : gcs.objectNames("bench")) {
      client.delete("bench", object);
    }
    return new Result("raw client loop: jsonl uploads only", records, valueBytes, nanos, new long[0], 0);
  }

  /** The same records, converted as the worker converts them (not timed), encoded by the sink's format code. */
  private Result encodeOnly(int records, String format, String compression) throws Exception {
    boolean schemas = format.equals("parquet");
    JsonConverter converter = new JsonConverter();
    converter.configure(Map.of("schemas.enable", Boolean.toString(schemas)), false);
    List<SinkRecord> converted = new ArrayList<>(records);
    for (int i = 0; i < records; i++) {
      String json = schemas ? withSchema(value(i)) : value(i);
      var v = converter.toConnectData(topic, json.getBytes(StandardCharsets.UTF_8));
      converted.add(new SinkRecord(topic, 0, null, null, v.schema(), v.value(), i));
    }
    OutputFormat output = new GcsSinkConfig(Map.of("gcs.bucket.name", "bench",
        "format.output.type", format, "file.compression.type", compression)).outputFormat();
    HeapWatch.reset();
    long start = System.nanoTime();
    for (int from = 0; from < records; from += 50_000) {
      try (OutputStream out = output.compress(OutputStream.nullOutputStream())) {
        RecordWriter w = output.writer(out);
        for (int i = from; i < Math.min(records, from + 50_000); i++) {
          w.write(converted.get(i));
        }
        w.finish();
      }
    }
    return new Result("encode-only " + format + " " + compression, records, valueBytes, System.nanoTime() - start,
        new long[0], HeapWatch.peak());
  }
}
