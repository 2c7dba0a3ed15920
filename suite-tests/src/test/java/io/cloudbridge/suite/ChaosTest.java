package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectWorkerProcess;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.http.FaultProxy;
import io.cloudbridge.testkit.pipelines.ReferencePipelines;
import io.cloudbridge.testkit.pipelines.Traffic;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Reference pipelines 1 and 2, as config-examples has them, on two Connect worker processes while faults hit them
 * one after another with data in flight: GCS 5xx answers and dropped uploads, BigQuery UNAVAILABLE appends and
 * dropped streams, SQS and S3 5xx answers and reset connections (through a proxy in front of ElasticMQ and S3Proxy),
 * the Kafka broker stopped and started, a worker killed (SIGKILL) and another one started. After each fault the
 * test waits until everything sent so far has arrived (its recovery time), and at the end compares what went in
 * with what came out per connector guarantee: nothing lost anywhere; no duplicates in pipeline 2 (exactly once in
 * Kafka, BigQuery and GCS) nor between Kafka and GCS in pipeline 1; repeats allowed only where the guarantee is at
 * least once (SQS → Kafka → BigQuery), and counted. It prints a table of the phases.
 */
class ChaosTest {

  private static final Path EXAMPLES = Path.of("../config-examples");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int EVENTS = 100;
  private static final int ARCHIVES = 2;
  private static final int LINES = 100;
  private static final Duration ARRIVAL = Duration.ofMinutes(4);
  /** How long the broker stays down: the length of the fault, not a wait for anything. */
  private static final Duration BROKER_OUTAGE = Duration.ofSeconds(15);
  /** Longer than each client's own retries here, so the connectors wait it out themselves (outage.timeout.ms). */
  private static final Duration SERVICE_OUTAGE = Duration.ofSeconds(40);

  private record Phase(String fault, int injected, int in, int out, int exactlyOnceDuplicates, int atLeastOnceRepeats,
                       Duration recovery) {}

  @Test
  void noRecordIsLostAndNoneDuplicatedWhereExactlyOnceWhileFaultsHitThePipelines(@TempDir Path dir) throws Exception {
    EmbeddedKafkaCluster kafka = ReferencePipelines.startKafka();
    List<ConnectWorkerProcess> workers = new CopyOnWriteArrayList<>();
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start(); FaultProxy sqsProxy = FaultProxy.to(sqs.endpoint().uri());
         FaultProxy s3Proxy = FaultProxy.to(s3.endpoint().uri()); SqsClient sqsClient = sqs.client();
         S3Client s3Client = s3.client()) {
      ReferencePipelines.EVENT_TOPICS.forEach(t -> kafka.createTopic(t, 3));
      s3Client.createBucket(b -> b.bucket(ReferencePipelines.LOG_BUCKET));
      Map<String, Map<String, String>> configs = ReferencePipelines.load(EXAMPLES, ReferencePipelines.EVENTS,
          ReferencePipelines.LOGS);
      ReferencePipelines.createResources(configs, sqs, gcs, bigQuery);
      workers.add(startWorker(kafka, dir));
      workers.add(startWorker(kafka, dir));
      ReferencePipelines.Endpoints endpoints = new ReferencePipelines.Endpoints(sqsProxy.uri(), s3Proxy.uri(),
          gcs.url(), bigQuery.restUrl(), bigQuery.grpcEndpoint(), kafka.bootstrapServers());
      for (var entry : configs.entrySet()) {
        ReferencePipelines.point(entry.getValue(), endpoints);
        entry.getValue().computeIfPresent("rotate.schedule.interval.ms", (k, v) -> "3000");
        // The Google clients' own retries scaled down (they last minutes by default), so that the long outage below
        // outlasts them and the connectors' own outage handling is what carries the pipelines through.
        for (String service : List.of("gcs", "bigquery")) {
          if (entry.getValue().containsKey(service.equals("gcs") ? "gcs.bucket.name" : "bigquery.dataset")) {
            entry.getValue().put(service + ".retry.max.attempts", "3");
            entry.getValue().put(service + ".retry.max.backoff.ms", "1000");
          }
        }
        workers.get(0).putConnector(entry.getKey(), JSON.writeValueAsString(entry.getValue()));
      }
      awaitAllRunning(workers.get(0), configs);

      Traffic traffic = new Traffic(sqsClient, s3Client);
      List<Phase> phases = new ArrayList<>();
      Run run = new Run(traffic, kafka, gcs, bigQuery, phases);
      run.phase("none (baseline)", () -> 0, () -> {});
      // More failures in a row than the clients' own retries absorb, so the connectors' retries are tested too.
      run.phase("GCS: 503 on 12 upload calls, 3 uploads dropped mid-body", () -> gcs.faults().injected(), () ->
          gcs.faults().failNext(12, null, "/upload/", 503).dropConnectionNext(3, "PUT", "/upload/"));
      run.phase("BigQuery: 12 appends UNAVAILABLE, 3 streams closed", () -> bigQuery.writeFaults().injected(), () ->
          bigQuery.writeFaults().failNextAppends(12, Status.Code.UNAVAILABLE)
              .closeConnectionOnNextAppends(3, Status.Code.UNAVAILABLE));
      run.phase("SQS: 500 on 15 calls, 5 connections reset", () -> sqsProxy.faults().injected(), () ->
          sqsProxy.faults().failNext(15, "POST", "/", 500).dropConnectionNext(5, "POST", "/"));
      run.phase("S3: 503 on 8 object reads, 3 connections reset", () -> s3Proxy.faults().injected(), () ->
          s3Proxy.faults().failNext(8, "GET", "/demo-logs/", 503).dropConnectionNext(3, "GET", "/demo-logs/"));
      run.phase("replies lost after GCS, BigQuery, SQS and S3 applied the call", () -> gcs.faults().injected()
          + bigQuery.writeFaults().injected() + sqsProxy.faults().injected() + s3Proxy.faults().injected(), () -> {
            gcs.faults().applyThenDropNext(3, "PUT", "/upload/").applyThenFailNext(2, "POST", "uploadType=multipart",
                503);
            bigQuery.writeFaults().loseReplyOfNextAppends(3);
            sqsProxy.faults().applyThenFailNext(4, "POST", "/", 503);
            s3Proxy.faults().applyThenDropNext(2, "GET", "/demo-logs/");
          });
      run.phase("GCS, BigQuery, SQS and S3 all down " + SERVICE_OUTAGE.toSeconds() + " s (past the clients' retries)",
          () -> gcs.faults().injected() + bigQuery.writeFaults().injected() + sqsProxy.faults().injected()
              + s3Proxy.faults().injected(), () -> {
            gcs.faults().failNext(Integer.MAX_VALUE, null, "", 503);
            bigQuery.writeFaults().outage(Status.Code.UNAVAILABLE);
            sqsProxy.faults().failNext(Integer.MAX_VALUE, "POST", "/", 503);
            s3Proxy.faults().failNext(Integer.MAX_VALUE, "GET", "/demo-logs/", 503);
            run.sendWave(); // straight to ElasticMQ and S3Proxy: the events and archives wait there
            Thread.sleep(SERVICE_OUTAGE.toMillis()); // the outage itself
            gcs.faults().clear();
            bigQuery.writeFaults().endOutage();
            sqsProxy.faults().clear();
            s3Proxy.faults().clear();
          });
      AtomicInteger outages = new AtomicInteger();
      run.phase("Kafka broker stopped " + BROKER_OUTAGE.toSeconds() + " s, then started", outages::get, () -> {
        outages.incrementAndGet();
        kafka.stopOnlyBrokers();
        run.sendWave();
        Thread.sleep(BROKER_OUTAGE.toMillis()); // the outage itself
        kafka.restartOnlyBrokers();
      });
      AtomicInteger kills = new AtomicInteger();
      run.phase("worker killed (SIGKILL) mid-wave, another started", kills::get, () -> {
        ConnectWorkerProcess victim = ConnectWorkerProcess.runningTask(workers, "log-archive-source", 0);
        run.sendWave();
        victim.kill();
        kills.incrementAndGet();
        workers.remove(victim);
        workers.add(startWorker(kafka, dir));
      });
      awaitAllRunning(workers.get(0), configs);

      printTable(phases);
      // Pipeline 2: exactly once in Kafka, BigQuery and GCS.
      assertThat(Traffic.kafkaLines(kafka, ARRIVAL)).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(traffic.lines());
      assertThat(Traffic.bigQueryLines(bigQuery)).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(traffic.lines());
      assertThat(Traffic.gcsLines(gcs)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(traffic.lines());
      // Pipeline 1: every event in Kafka and BigQuery (repeats allowed); GCS holds each Kafka record exactly once.
      List<String> kafkaEvents = Traffic.kafkaEventIds(kafka, ARRIVAL);
      assertThat(new HashSet<>(kafkaEvents)).isEqualTo(traffic.events());
      assertThat(new HashSet<>(Traffic.bigQueryEventIds(bigQuery))).isEqualTo(traffic.events());
      await("each event record of Kafka in GCS").atMost(ARRIVAL)
          .until(() -> Traffic.gcsEventIds(gcs).size() >= kafkaEvents.size());
      assertThat(Traffic.gcsEventIds(gcs)).containsExactlyInAnyOrderElementsOf(kafkaEvents);
      assertThat(phases).allSatisfy(p -> assertThat(p.out()).as(p.fault()).isEqualTo(p.in()));
      assertThat(phases).allSatisfy(p -> assertThat(p.exactlyOnceDuplicates()).as(p.fault()).isZero());
      assertThat(phases.subList(1, phases.size())).as("each fault fired")
          .allSatisfy(p -> assertThat(p.injected()).isPositive());
    } finally {
      workers.forEach(ConnectWorkerProcess::close);
      kafka.stop();
    }
  }

  /** The phases of one run: each sends a wave (its own id prefix) after or while its fault acts, then waits for it. */
  private static final class Run {
    private final Traffic traffic;
    private final EmbeddedKafkaCluster kafka;
    private final GcsStandIn gcs;
    private final BigQueryStandIn bigQuery;
    private final List<Phase> phases;
    private boolean sent;

    Run(Traffic traffic, EmbeddedKafkaCluster kafka, GcsStandIn gcs, BigQueryStandIn bigQuery, List<Phase> phases) {
      this.traffic = traffic;
      this.kafka = kafka;
      this.gcs = gcs;
      this.bigQuery = bigQuery;
      this.phases = phases;
    }

    interface Fault {
      void inject() throws Exception;
    }

    String prefix() {
      return "p" + phases.size() + "-";
    }

    void sendWave() {
      traffic.sendEvents(prefix() + "ev", EVENTS);
      for (int a = 0; a < ARCHIVES; a++) {
        traffic.sendArchive(prefix() + "archive" + a, LINES);
      }
      sent = true;
    }

    /** Injects the fault, sends the phase's wave (unless the fault did), waits until all sent so far arrived. */
    void phase(String fault, IntSupplier injectedSoFar, Fault inject) throws Exception {
      int before = injectedSoFar.getAsInt();
      long start = System.nanoTime();
      sent = false;
      inject.inject();
      if (!sent) {
        sendWave();
      }
      await(fault + ": everything sent so far arrived").atMost(ARRIVAL).ignoreExceptions().until(this::allArrived);
      Duration recovery = Duration.ofNanos(System.nanoTime() - start);
      String p = prefix();
      List<String> kafkaLines = ofPhase(Traffic.kafkaLines(kafka, ARRIVAL), p);
      List<String> bigQueryLines = ofPhase(Traffic.bigQueryLines(bigQuery), p);
      List<String> gcsLines = ofPhase(Traffic.gcsLines(gcs), p);
      List<String> kafkaEvents = ofPhase(Traffic.kafkaEventIds(kafka, ARRIVAL), p);
      List<String> bigQueryEvents = ofPhase(Traffic.bigQueryEventIds(bigQuery), p);
      int in = EVENTS + ARCHIVES * LINES;
      int out = (int) (new HashSet<>(bigQueryEvents).stream().filter(new HashSet<>(kafkaEvents)::contains).count()
          + new HashSet<>(gcsLines).stream().filter(l -> bigQueryLines.contains(l) && kafkaLines.contains(l)).count());
      int duplicates = repeats(kafkaLines) + repeats(bigQueryLines) + repeats(gcsLines);
      phases.add(new Phase(fault, injectedSoFar.getAsInt() - before, in, out, duplicates,
          repeats(kafkaEvents) + repeats(bigQueryEvents), recovery));
    }

    private boolean allArrived() {
      return new HashSet<>(Traffic.bigQueryEventIds(bigQuery)).containsAll(traffic.events())
          && new HashSet<>(Traffic.gcsEventIds(gcs)).containsAll(traffic.events())
          && new HashSet<>(Traffic.bigQueryLines(bigQuery)).containsAll(traffic.lines())
          && new HashSet<>(Traffic.gcsLines(gcs)).containsAll(traffic.lines());
    }

    private static List<String> ofPhase(Collection<String> values, String prefix) {
      return values.stream().filter(v -> v.startsWith(prefix)).toList();
    }

    private static int repeats(List<String> values) {
      return values.size() - new HashSet<>(values).size();
    }
  }

  private static ConnectWorkerProcess startWorker(EmbeddedKafkaCluster kafka, Path dir) {
    return ConnectWorkerProcess.start(kafka.bootstrapServers(), "chaos", PackagedPlugins.dir(), dir,
        Map.of("exactly.once.source.support", "enabled", "offset.flush.interval.ms", "2000"));
  }

  private static void awaitAllRunning(ConnectWorkerProcess worker, Map<String, Map<String, String>> configs) {
    await("every connector and task RUNNING").atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
      for (var entry : configs.entrySet()) {
        JsonNode status = JSON.readTree(worker.get("/connectors/" + entry.getKey() + "/status").body());
        int tasks = Integer.parseInt(entry.getValue().get("tasks.max"));
        if (!status.path("connector").path("state").asText().equals("RUNNING") || status.path("tasks").size() != tasks) {
          return false;
        }
        for (JsonNode t : status.path("tasks")) {
          if (!t.path("state").asText().equals("RUNNING")) {
            return false;
          }
        }
      }
      return true;
    });
  }

  private static void printTable(List<Phase> phases) {
    System.out.println();
    System.out.printf("%-68s %9s %7s %7s %14s %15s %10s%n", "fault", "injected", "in", "out", "dup (exactly)",
        "rep (at least)", "recovery");
    for (Phase p : phases) {
      System.out.printf("%-68s %9d %7d %7d %14d %15d %9.1fs%n", p.fault(), p.injected(), p.in(), p.out(),
          p.exactlyOnceDuplicates(), p.atLeastOnceRepeats(), p.recovery().toMillis() / 1000.0);
    }
    System.out.println("in: events + log lines sent in the phase; out: those found at every destination (events in "
        + "Kafka and BigQuery, log lines in Kafka, BigQuery and GCS); dup: repeats where the guarantee is exactly once; "
        + "rep: repeats of events in Kafka and BigQuery (at least once); recovery: fault to everything arrived.");
  }
}
