package io.cloudbridge.bench;

import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.pipelines.ReferencePipelines;
import io.cloudbridge.testkit.pipelines.Traffic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The soak scenario ({@code bin/cloudbridge-bench soak}): reference pipelines 1 and 2 from config-examples on one
 * Connect worker process, fed at a steady rate for {@code bench.soak.minutes} (default 30). Each interval it prints
 * the worker JVM's heap after every GC cycle in it (from the worker's GC log), its thread count and open files (from
 * /proc), and the throughput of the interval: Kafka offsets and BigQuery rows per second next to the rate fed
 * (the baseline; Kafka's figure is end offsets, so it includes the transactions' commit markers). The broker and
 * the stand-ins run in this JVM, so the worker's figures are the connectors' alone.
 *
 * <p>Bounds, checked at the end (a third of the run is the warm-up and reference window): the highest heap after GC
 * of the last sixth is at most that of the second sixth plus {@code bench.soak.heap.growth.mib} (64); threads grow
 * by at most 10 and open files by at most 50 from the end of the reference window; after feeding stops, the backlog
 * drains within 3 minutes. It prints PASS or FAIL for each.
 */
final class Soak {

  private static final Pattern GC_LINE = Pattern.compile("GC\\((\\d+)\\) (.+?) (\\d+)M->(\\d+)M\\((\\d+)M\\)");

  private final int minutes = Integer.getInteger("bench.soak.minutes", 30);
  private final int intervalSeconds = Integer.getInteger("bench.soak.interval.seconds", 60);
  private final int eventsPerSecond = Integer.getInteger("bench.soak.events.per.second", 100) / 10 * 10;
  private final int linesPerArchive = Integer.getInteger("bench.soak.lines.per.second", 100) * 5;
  private final String workerHeap = System.getProperty("bench.soak.worker.heap", "512m");
  private final long heapGrowthMib = Long.getLong("bench.soak.heap.growth.mib", 64);

  private record Sample(long seconds, long kafkaRecords, long bigQueryRows, List<Long> heapAfterGc, long threads,
                        long openFiles) {}

  static void run(Path plugins) throws Exception {
    new Soak().soak(plugins);
  }

  private void soak(Path plugins) throws Exception {
    Path dir = Files.createTempDirectory("cloudbridge-soak");
    EmbeddedKafkaCluster kafka = ReferencePipelines.startKafka();
    Path gcLog = dir.resolve("worker-gc.log");
    ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory();
         GcsStandIn gcs = GcsStandIn.onDisk(dir.resolve("gcs"), 0); BigQueryStandIn bigQuery = BigQueryStandIn.start();
         SqsClient sqsClient = sqs.client(); S3Client s3Client = s3.client(); Admin admin = kafka.createAdminClient();
         ConnectWorkerProcess worker = ConnectWorkerProcess.start(kafka.bootstrapServers(), "soak", plugins, dir,
             Map.of("exactly.once.source.support", "enabled", "offset.flush.interval.ms", "5000"),
             List.of("-Xmx" + workerHeap, "-Xlog:gc:file=" + gcLog))) {
      ReferencePipelines.EVENT_TOPICS.forEach(t -> kafka.createTopic(t, 3));
      s3Client.createBucket(b -> b.bucket(ReferencePipelines.LOG_BUCKET));
      Map<String, Map<String, String>> configs = ReferencePipelines.load(Path.of("config-examples"),
          ReferencePipelines.EVENTS, ReferencePipelines.LOGS);
      ReferencePipelines.createResources(configs, sqs, gcs, bigQuery);
      ReferencePipelines.Endpoints endpoints = new ReferencePipelines.Endpoints(sqs.endpoint().uri(),
          s3.endpoint().uri(), gcs.url(), bigQuery.restUrl(), bigQuery.grpcEndpoint(), kafka.bootstrapServers());
      for (var entry : configs.entrySet()) {
        ReferencePipelines.point(entry.getValue(), endpoints);
        worker.putConnector(entry.getKey(), new com.fasterxml.jackson.databind.ObjectMapper()
            .writeValueAsString(entry.getValue()));
      }
      System.out.printf("%n== soak: pipelines 1 and 2, %d min, %d events/s and %d log lines/s fed; worker -Xmx%s, "
          + "%d cores%n", minutes, eventsPerSecond, linesPerArchive / 5, workerHeap,
          Runtime.getRuntime().availableProcessors());
      Traffic traffic = new Traffic(sqsClient, s3Client);
      AtomicInteger tick = new AtomicInteger();
      feeder.scheduleAtFixedRate(() -> {
        int t = tick.getAndIncrement();
        try {
          traffic.sendEvents("s" + t, eventsPerSecond);
          if (t % 5 == 0) {
            traffic.sendArchive("soak-" + t, linesPerArchive);
          }
        } catch (RuntimeException e) {
          System.out.println("feeding failed at second " + t + ": " + e);
        }
      }, 0, 1, TimeUnit.SECONDS);

      System.out.printf("%8s %10s %10s %12s %12s %10s %8s %6s  %s%n", "elapsed", "fed/s", "offsets/s", "bigquery/s",
          "offsets", "bq rows", "threads", "files", "worker heap after each GC cycle (MiB)");
      List<Sample> samples = new ArrayList<>();
      long start = System.nanoTime();
      Sample last = new Sample(0, 0, 0, List.of(), 0, 0);
      long gcLinesRead = 0;
      for (int i = 1; i <= minutes * 60 / intervalSeconds; i++) {
        long wakeAt = start + TimeUnit.SECONDS.toNanos((long) i * intervalSeconds);
        TimeUnit.NANOSECONDS.sleep(wakeAt - System.nanoTime()); // the sampling period, not a wait for anything
        List<String> gcLines = Files.readAllLines(gcLog);
        List<Long> afterGc = new ArrayList<>();
        for (String line : gcLines.subList((int) gcLinesRead, gcLines.size())) {
          Matcher m = GC_LINE.matcher(line);
          if (m.find()) {
            afterGc.add(Long.parseLong(m.group(4)));
          }
        }
        gcLinesRead = gcLines.size();
        Sample s = new Sample((System.nanoTime() - start) / 1_000_000_000, kafkaRecords(admin),
            bigQueryRows(bigQuery), afterGc, procStatus(worker.pid(), "Threads:"), openFiles(worker.pid()));
        long seconds = Math.max(1, s.seconds() - last.seconds());
        System.out.printf("%7ds %10d %10d %12d %12d %10d %8d %6d  %s%n", s.seconds(),
            eventsPerSecond + linesPerArchive / 5, (s.kafkaRecords() - last.kafkaRecords()) / seconds,
            (s.bigQueryRows() - last.bigQueryRows()) / seconds, s.kafkaRecords(), s.bigQueryRows(), s.threads(),
            s.openFiles(), afterGc);
        samples.add(s);
        last = s;
      }
      feeder.shutdown();
      feeder.awaitTermination(1, TimeUnit.MINUTES);
      long sent = traffic.events().size() + traffic.lines().size();
      long drainStart = System.nanoTime();
      while (bigQueryRows(bigQuery) < sent && System.nanoTime() - drainStart < TimeUnit.MINUTES.toNanos(3)) {
        TimeUnit.SECONDS.sleep(2); // polling for the drain, bounded
      }
      long drained = bigQueryRows(bigQuery);
      report(samples, sent, drained, (System.nanoTime() - drainStart) / 1e9);
    } finally {
      feeder.shutdownNow();
      kafka.stop();
    }
  }

  private void report(List<Sample> samples, long sent, long inBigQuery, double drainSeconds) {
    int sixth = Math.max(1, samples.size() / 6);
    long reference = maxHeap(samples.subList(sixth, Math.min(samples.size(), 2 * sixth)));
    long end = maxHeap(samples.subList(samples.size() - sixth, samples.size()));
    Sample ref = samples.get(Math.min(samples.size() - 1, 2 * sixth - 1));
    Sample fin = samples.get(samples.size() - 1);
    System.out.printf("%nheap after GC, highest: %d MiB in the reference window, %d MiB in the last; bound +%d MiB: %s%n",
        reference, end, heapGrowthMib, end <= reference + heapGrowthMib ? "PASS" : "FAIL");
    System.out.printf("threads: %d at the reference, %d at the end; bound +10: %s%n", ref.threads(), fin.threads(),
        fin.threads() <= ref.threads() + 10 ? "PASS" : "FAIL");
    System.out.printf("open files: %d at the reference, %d at the end; bound +50: %s%n", ref.openFiles(),
        fin.openFiles(), fin.openFiles() <= ref.openFiles() + 50 ? "PASS" : "FAIL");
    System.out.printf("backlog: %d events and lines fed, %d BigQuery rows %.0f s after feeding stopped: %s%n", sent,
        inBigQuery, drainSeconds, inBigQuery >= sent ? "PASS" : "FAIL");
  }

  private static long maxHeap(List<Sample> window) {
    return window.stream().flatMap(s -> s.heapAfterGc().stream()).mapToLong(Long::longValue).max().orElse(-1);
  }

  private static long kafkaRecords(Admin admin) throws Exception {
    List<String> topics = new ArrayList<>(ReferencePipelines.EVENT_TOPICS);
    topics.add(ReferencePipelines.LOG_TOPIC);
    Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
    for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
      d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
    }
    // End offsets count transaction markers too (pipeline 2 writes in transactions): a few per commit.
    return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
  }

  private static long bigQueryRows(BigQueryStandIn bigQuery) {
    return Traffic.bigQueryEventIds(bigQuery).size() + Traffic.bigQueryLines(bigQuery).size();
  }

  private static long procStatus(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim());
      }
    }
    return -1;
  }

  private static long openFiles(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }
}
