package io.cloudbridge.bench;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the benchmark scenarios through a real in-JVM Kafka broker and Connect worker whose plugin.path holds
 * the packaged plugins, and prints each scenario's figures next to its baseline from the same run.
 *
 * <p>Usage: {@code bin/cloudbridge-bench [scenario ...]} with {@code -Dbench.records=N} (default 100000) and
 * {@code -Dbench.warmup=N} (records of the unreported warm-up runs, default 5000). {@code bin/cloudbridge-bench soak}
 * runs the soak scenario ({@link Soak}) alone.
 */
public final class Bench {

  private static final List<Scenario> SCENARIOS = List.of(new SinkPipelineScenario(), new SqsSourceScenario(),
      new S3SourceScenario(), new GcsSinkScenario(), new BigQueryEncodeScenario(),
      new BigQuerySinkScenario("at_least_once"), new BigQuerySinkScenario("exactly_once"),
      new BigQuerySinkScenario("cdc"), new BigQueryLoadScenario());

  private Bench() {}

  public static void main(String[] args) throws Exception {
    int records = Integer.getInteger("bench.records", 100_000);
    Path plugins = Path.of(System.getProperty("bench.plugins", "bench/target/plugins"));
    List<String> wanted = List.of(args);
    if (wanted.equals(List.of("soak"))) {
      Soak.run(plugins);
      System.exit(0);
    }
    ConnectCluster.Builder builder = ConnectCluster.builder().workers(1).pluginPath(plugins)
        .workerProperty("value.converter", "org.apache.kafka.connect.storage.StringConverter");
    // -Dbench.worker.<property>=<value> sets a worker property, e.g. -Dbench.worker.producer.linger.ms=5.
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.worker."))
        .forEach(k -> builder.workerProperty(k.substring("bench.worker.".length()), System.getProperty(k)));
    try (ConnectCluster cluster = builder.start()) {
      for (Scenario s : SCENARIOS) {
        if (!wanted.isEmpty() && !wanted.contains(s.name())) {
          continue;
        }
        System.out.printf("%n== %s: %s (%d records, %d cores, max heap %d MiB)%n", s.name(), s.description(), records,
            Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        // Warm-up of both sides, not reported: the JIT compiles the baseline's and the connector's paths alike.
        int warmup = Math.min(records, Integer.getInteger("bench.warmup", 5_000));
        s.baseline(cluster, warmup);
        s.measured(cluster, warmup);
        Result baseline = s.baseline(cluster, records);
        Result measured = s.measured(cluster, records);
        System.out.println(Result.header());
        System.out.println(baseline.row());
        System.out.println(measured.row());
        System.out.printf("measured/baseline throughput: %.2f%n", measured.recordsPerSecond() / baseline.recordsPerSecond());
      }
    }
    System.exit(0);
  }
}
