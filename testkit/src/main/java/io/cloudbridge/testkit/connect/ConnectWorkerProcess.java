package io.cloudbridge.testkit.connect;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kafka Connect worker (distributed mode) in its own JVM, so a test can kill it abruptly
 * ({@link #kill()}: SIGKILL, no shutdown hooks, no graceful task stop) as a crashed machine would.
 * It runs on this JVM's classpath and loads plugins from {@code plugin.path}.
 */
public final class ConnectWorkerProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final String restUrl;
  private final Path log;

  private ConnectWorkerProcess(Process process, String restUrl, Path log) {
    this.process = process;
    this.restUrl = restUrl;
    this.log = log;
  }

  /**
   * Starts a worker of group {@code groupId} against {@code bootstrapServers} and waits for its REST API.
   * {@code extra} adds or overrides worker properties.
   */
  public static ConnectWorkerProcess start(String bootstrapServers, String groupId, Path pluginPath, Path dir,
                                           Map<String, String> extra) {
    return start(bootstrapServers, groupId, pluginPath, dir, extra, List.of("-Xmx512m"));
  }

  /** As {@link #start(String, String, Path, Path, Map)}, with these JVM options (e.g. a capped heap). */
  public static ConnectWorkerProcess start(String bootstrapServers, String groupId, Path pluginPath, Path dir,
                                           Map<String, String> extra, List<String> jvmOptions) {
    try {
      Files.createDirectories(dir);
      int port = io.cloudbridge.testkit.Ports.free();
      Map<String, String> props = new LinkedHashMap<>();
      props.put("bootstrap.servers", bootstrapServers);
      props.put("group.id", groupId);
      props.put("config.storage.topic", groupId + "-configs");
      props.put("offset.storage.topic", groupId + "-offsets");
      props.put("status.storage.topic", groupId + "-status");
      props.put("config.storage.replication.factor", "1");
      props.put("offset.storage.replication.factor", "1");
      props.put("status.storage.replication.factor", "1");
      props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
      props.put("value.converter.schemas.enable", "false");
      props.put("listeners", "http://127.0.0.1:" + port);
      props.put("plugin.path", pluginPath.toAbsolutePath().toString());
      props.put("plugin.discovery", "service_load");
      props.put("offset.flush.interval.ms", "1000");
      props.put("scheduled.rebalance.max.delay.ms", "5000");
      props.putAll(extra);
      Path file = dir.resolve("worker-" + port + ".properties");
      List<String> lines = new ArrayList<>();
      props.forEach((k, v) -> lines.add(k + "=" + v));
      Files.write(file, lines);
      Path log = dir.resolve("worker-" + port + ".log");
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmOptions);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"),
          "org.apache.kafka.connect.cli.ConnectDistributed", file.toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      ConnectWorkerProcess worker = new ConnectWorkerProcess(p, "http://127.0.0.1:" + port, log);
      await("worker on port " + port).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
          .ignoreExceptions().until(() -> {
            if (!p.isAlive()) {
              throw new IllegalStateException("worker exited: " + Files.readString(log));
            }
            return worker.get("/connectors").statusCode() == 200;
          });
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The worker of {@code workers} that runs task {@code task} of {@code connector}, as the REST status says. */
  public static ConnectWorkerProcess runningTask(List<ConnectWorkerProcess> workers, String connector, int task)
      throws IOException, InterruptedException {
    String status = workers.get(0).get("/connectors/" + connector + "/status").body();
    for (com.fasterxml.jackson.databind.JsonNode t : new com.fasterxml.jackson.databind.ObjectMapper().readTree(status)
        .path("tasks")) {
      if (t.path("id").asInt() == task) {
        String worker = t.path("worker_id").asText();
        String port = worker.substring(worker.lastIndexOf(':'));
        return workers.stream().filter(w -> w.restUrl().endsWith(port)).findFirst()
            .orElseThrow(() -> new IllegalStateException("no worker on " + worker + " in " + status));
      }
    }
    throw new IllegalStateException("task " + task + " of " + connector + " runs nowhere: " + status);
  }

  public String restUrl() {
    return restUrl;
  }

  /** The worker JVM's process id (for /proc figures). */
  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(restUrl + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Any REST call, e.g. {@code call("PUT", "/connectors/x/stop", null)}; fails unless the answer is 2xx. */
  public HttpResponse<String> call(String method, String path, String jsonBody) throws IOException,
      InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(restUrl + path))
        .header("Content-Type", "application/json")
        .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(jsonBody)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  /** PUT /connectors/{name}/config with a JSON body; fails unless the worker accepts it. */
  public void putConnector(String name, String jsonConfig) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(restUrl + "/connectors/" + name + "/config"))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(jsonConfig)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200 && r.statusCode() != 201) {
        throw new IllegalStateException("PUT connector " + name + " answered " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills the JVM at once (SIGKILL): no task stop, no offset flush, no release of anything. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(Duration.ofSeconds(30).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
