package io.cloudbridge.local;

import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.mariadb.MariaDbServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the SQS (ElasticMQ), S3 (S3Proxy), GCS and BigQuery stand-ins as local servers for
 * {@code bin/cloudbridge-local}, writes their endpoints to {@code <dir>/endpoints.properties} once all
 * listen, and runs until the process is stopped.
 *
 * <p>Arguments: {@code --dir D --sqs-port N --s3-port N --gcs-port N --bq-grpc-port N --bq-rest-port N}, and
 * {@code --mariadb-dir D} to run a MariaDB server with a ROW binlog too (for the demo's CDC pipeline).
 */
public final class StandIns {

  private StandIns() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    Path dir = Path.of(opts.getOrDefault("dir", ".cloudbridge-local/standins")).toAbsolutePath();
    Files.createDirectories(dir);
    List<AutoCloseable> running = new ArrayList<>();

    SqsServer sqs = SqsServer.start(port(opts, "sqs-port"));
    running.add(sqs);
    S3Server s3 = S3Server.onDisk(Files.createDirectories(dir.resolve("s3")), port(opts, "s3-port"));
    running.add(s3);
    GcsStandIn gcs = GcsStandIn.onDisk(dir.resolve("gcs"), port(opts, "gcs-port"));
    running.add(gcs);
    BigQueryStandIn bq = BigQueryStandIn.start(port(opts, "bq-grpc-port"), port(opts, "bq-rest-port"))
        .readsFrom(gcs); // load jobs (batch_load) read their staged files from the GCS stand-in
    running.add(bq);

    String mariaDb = "";
    if (opts.containsKey("mariadb-dir")) {
      // Demo data only: a fresh server each time the stack starts.
      Path mariaDir = Path.of(opts.get("mariadb-dir")).toAbsolutePath();
      deleteTree(mariaDir);
      MariaDbServer server = MariaDbServer.start(mariaDir);
      running.add(server);
      mariaDb = "mariadb.port=" + server.port() + "\n";
    }

    String endpoints = mariaDb + String.join("\n",
        "sqs.endpoint=" + sqs.endpoint().uri(),
        "s3.endpoint=" + s3.endpoint().uri(),
        "aws.access.key.id=" + sqs.endpoint().accessKeyId(),
        "aws.secret.access.key=" + sqs.endpoint().secretAccessKey(),
        "aws.region=" + sqs.endpoint().region(),
        "gcs.endpoint=" + gcs.url(),
        "gcs.project=" + GcsStandIn.PROJECT,
        "bigquery.storage.endpoint=" + bq.grpcEndpoint(),
        "bigquery.rest.endpoint=" + bq.restUrl(),
        "bigquery.project=" + BigQueryStandIn.PROJECT,
        "s3.data.dir=" + dir.resolve("s3"),
        "gcs.data.dir=" + dir.resolve("gcs"),
        "");
    Path file = dir.resolve("endpoints.properties");
    Path tmp = dir.resolve("endpoints.properties.tmp");
    Files.writeString(tmp, endpoints, StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("Cloudbridge stand-ins ready:\n" + endpoints);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (int i = running.size() - 1; i >= 0; i--) {
        try {
          running.get(i).close();
        } catch (Exception e) {
          System.err.println("stopping " + running.get(i) + ": " + e);
        }
      }
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // best effort on the way out
      }
      stopped.countDown();
    }));
    stopped.await();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static int port(Map<String, String> opts, String name) {
    return Integer.parseInt(opts.getOrDefault(name, "0"));
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    return opts;
  }
}
