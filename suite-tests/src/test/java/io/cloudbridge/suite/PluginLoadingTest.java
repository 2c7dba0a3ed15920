package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged plugins, as a user installs them, on a real two-worker Connect cluster. */
class PluginLoadingTest {

  private static ConnectCluster cluster;

  @BeforeAll
  static void start() {
    cluster = ConnectCluster.builder().workers(2).pluginPath(PackagedPlugins.dir()).start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void everyPackagedPluginIsListedByTheWorkersWithTheProjectVersion() {
    List<Path> plugins = PackagedPlugins.plugins();
    assertThat(plugins).isNotEmpty();
    Map<String, String> listed = new HashMap<>();
    cluster.connectorPlugins().forEach(p -> listed.put(p.get("class"), p.get("version")));

    for (Path plugin : plugins) {
      List<String> declared = PackagedPlugins.declaredClasses(plugin);
      assertThat(declared).as("service entries of %s", plugin.getFileName()).isNotEmpty();
      for (String className : declared) {
        assertThat(listed).as("plugin %s from %s", className, plugin.getFileName())
            .containsEntry(className, System.getProperty("project.version"));
      }
    }
  }

  @Test
  void pluginClassesComeFromPluginPathNotFromTheTestClasspath() {
    assertThatThrownBy(() -> Class.forName("io.cloudbridge.fixture.StampHeader"))
        .isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void aPackagedTransformRunsInsideAConnectorPipeline(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("input.txt");
    Files.write(input, List.of("first line", "second line", "third line"), StandardCharsets.UTF_8);
    cluster.createTopic("lines", 1);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector");
    config.put("tasks.max", "1");
    config.put("file", input.toString());
    config.put("topic", "lines");
    config.put("transforms", "stamp");
    config.put("transforms.stamp.type", "io.cloudbridge.fixture.StampHeader");
    config.put("transforms.stamp.header.value", "from-plugin-path");
    cluster.configureConnector("file-lines", config);
    cluster.awaitRunning("file-lines", 1, Duration.ofSeconds(60));

    List<String> values = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : cluster.consume(3, Duration.ofSeconds(60), "lines")) {
      values.add(new String(r.value(), StandardCharsets.UTF_8));
      Header stamp = r.headers().lastHeader("cloudbridge-stamp");
      assertThat(stamp).as("header on %s", values.get(values.size() - 1)).isNotNull();
      assertThat(new String(stamp.value(), StandardCharsets.UTF_8)).isEqualTo("from-plugin-path");
    }
    assertThat(values).containsExactly("first line", "second line", "third line");
    cluster.deleteConnector("file-lines");
  }
}
