package io.cloudbridge.testkit.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.util.clusters.WorkerHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ConnectClusterTest {

  private static ConnectCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ConnectCluster.builder().workers(2).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void workersServeTheRestApiWithKafkasOwnPlugins() {
    List<Map<String, String>> plugins = cluster.connectorPlugins();
    assertThat(plugins).extracting(p -> p.get("class"))
        .contains("org.apache.kafka.connect.transforms.TimestampRouter");
    assertThat(cluster.workerCount()).isEqualTo(2);
  }

  @Test
  void workersCanBeAddedAndStopped() {
    WorkerHandle third = cluster.addWorker();
    assertThat(cluster.workerCount()).isEqualTo(3);
    cluster.stopWorker(third);
    assertThat(cluster.workerCount()).isEqualTo(2);
    assertThat(cluster.get("")).contains("\"version\"");
  }

  @Test
  void producesAndConsumesRecords() {
    cluster.createTopic("greetings", 2);
    cluster.produce("greetings", "k1", "hello");
    cluster.produce("greetings", "k2", "world");

    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : cluster.consume(2, Duration.ofSeconds(30), "greetings")) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
    }
    assertThat(values).containsExactlyInAnyOrder("hello", "world");
  }
}
