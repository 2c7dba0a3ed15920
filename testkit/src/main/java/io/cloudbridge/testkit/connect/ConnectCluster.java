package io.cloudbridge.testkit.connect;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;
import org.apache.kafka.connect.util.clusters.WorkerHandle;

/**
 * A real Kafka (KRaft) broker and a real Kafka Connect cluster in distributed mode, in this JVM, on
 * loopback with random ports. Plugins come from {@code plugin.path} (the packaged plugin directories),
 * found through {@code plugin.discovery=service_load}, never from the test classpath.
 */
public final class ConnectCluster implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final EmbeddedConnectCluster cluster;

  private ConnectCluster(EmbeddedConnectCluster cluster) {
    this.cluster = cluster;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The underlying cluster, for anything this facade does not cover. */
  public EmbeddedConnectCluster embedded() {
    return cluster;
  }

  public EmbeddedKafkaCluster kafka() {
    return cluster.kafka();
  }

  public String bootstrapServers() {
    return cluster.kafka().bootstrapServers();
  }

  /** The REST base URL of one running worker, e.g. {@code http://127.0.0.1:41234/}. */
  public String restUrl() {
    return cluster.endpointForResource("");
  }

  public WorkerHandle addWorker() {
    return cluster.addWorker();
  }

  public void stopWorker(WorkerHandle worker) {
    cluster.removeWorker(worker);
  }

  public int workerCount() {
    return cluster.workers().size();
  }

  /** GET /connector-plugins?connectorsOnly=false: each plugin's class, type and version. */
  public List<Map<String, String>> connectorPlugins() {
    String body = get("connector-plugins?connectorsOnly=false");
    try {
      return JSON.readValue(body, new TypeReference<>() {});
    } catch (Exception e) {
      throw new IllegalStateException("GET /connector-plugins answered what is not a plugin list: " + body, e);
    }
  }

  /** GET on a path under the REST root; fails unless the worker answers 200. */
  public String get(String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl() + path)).GET().build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET /" + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET /" + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET /" + path, e);
    }
  }

  public String configureConnector(String name, Map<String, String> config) {
    return cluster.configureConnector(name, config);
  }

  public void deleteConnector(String name) {
    cluster.deleteConnector(name);
  }

  public ConnectorStateInfo status(String name) {
    return cluster.connectorStatus(name);
  }

  /** Waits until the connector and exactly {@code tasks} tasks are RUNNING. */
  public void awaitRunning(String name, int tasks, Duration timeout) {
    await("connector " + name + " and " + tasks + " task(s) RUNNING")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> {
          ConnectorStateInfo info = cluster.connectorStatus(name);
          return "RUNNING".equals(info.connector().state())
              && info.tasks().size() == tasks
              && info.tasks().stream().allMatch(t -> "RUNNING".equals(t.state()));
        });
  }

  /** Waits until a task reaches FAILED and returns its trace, for tests of clear errors. */
  public String awaitTaskFailed(String name, int task, Duration timeout) {
    return await("task " + name + "-" + task + " FAILED")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(() -> cluster.connectorStatus(name).tasks().stream()
            .filter(t -> t.id() == task && "FAILED".equals(t.state()))
            .map(ConnectorStateInfo.TaskState::trace)
            .findFirst().orElse(null), trace -> trace != null);
  }

  public void createTopic(String topic, int partitions) {
    cluster.kafka().createTopic(topic, partitions);
  }

  public void produce(String topic, String key, String value) {
    cluster.kafka().produce(topic, key, value);
  }

  public ConsumerRecords<byte[], byte[]> consume(int atLeast, Duration timeout, String... topics) {
    return cluster.kafka().consume(atLeast, timeout.toMillis(), topics);
  }

  @Override
  public void close() {
    cluster.stop();
  }

  public static final class Builder {
    private int workers = 1;
    private Path pluginPath;
    private final Map<String, String> workerProps = new HashMap<>();
    private final Properties brokerProps = new Properties();

    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** A directory whose sub-directories are packaged plugins, as a worker's plugin.path. */
    public Builder pluginPath(Path pluginPath) {
      this.pluginPath = pluginPath;
      return this;
    }

    public Builder workerProperty(String key, String value) {
      workerProps.put(key, value);
      return this;
    }

    public Builder brokerProperty(String key, String value) {
      brokerProps.setProperty(key, value);
      return this;
    }

    public ConnectCluster start() {
      Map<String, String> props = new HashMap<>();
      props.put("plugin.discovery", "service_load");
      props.put("offset.flush.interval.ms", "1000");
      props.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      props.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
      if (pluginPath != null) {
        if (!Files.isDirectory(pluginPath)) {
          throw new IllegalArgumentException("plugin.path " + pluginPath + " is not a directory; run the package phase first");
        }
        props.put("plugin.path", pluginPath.toAbsolutePath().toString());
      }
      props.putAll(workerProps);
      brokerProps.putIfAbsent("auto.create.topics.enable", "false");
      EmbeddedConnectCluster cluster = new EmbeddedConnectCluster.Builder()
          .name("cloudbridge-" + Long.toHexString(System.nanoTime()))
          .numWorkers(workers)
          .numBrokers(1)
          .workerProps(props)
          .brokerProps(brokerProps)
          .build();
      cluster.start();
      return new ConnectCluster(cluster);
    }
  }
}
