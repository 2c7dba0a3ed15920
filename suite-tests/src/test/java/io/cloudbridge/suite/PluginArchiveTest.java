package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The component zips as an installer (confluent-hub, MSK Connect, a person with unzip) sees them. */
class PluginArchiveTest {

  @Test
  void everyArchiveHasAManifestLibAndGeneratedConfigDocs() throws IOException {
    for (Path plugin : PackagedPlugins.plugins()) {
      JsonNode manifest = new ObjectMapper().readTree(plugin.resolve("manifest.json").toFile());
      assertThat(manifest.path("name").asText()).isEqualTo(plugin.getFileName().toString()
          .replace("-" + System.getProperty("project.version"), ""));
      assertThat(manifest.path("version").asText()).isEqualTo(System.getProperty("project.version"));
      assertThat(manifest.path("component_types")).isNotEmpty();
      assertThat(manifest.path("license").get(0).path("name").asText()).isEqualTo("Apache License 2.0");
      assertThat(plugin.resolve("doc/LICENSE")).isRegularFile();
      for (String className : PackagedPlugins.declaredClasses(plugin)) {
        assertThat(plugin.resolve("doc/" + className.replace('$', '.') + ".md"))
            .as("config docs of %s", className).content().contains("# " + className);
      }
    }
  }

  @Test
  void archivesLeaveOutWhatTheWorkerProvides() throws IOException {
    for (Path plugin : PackagedPlugins.plugins()) {
      try (Stream<Path> jars = Files.list(plugin.resolve("lib"))) {
        List<String> names = jars.map(p -> p.getFileName().toString()).toList();
        assertThat(names).isNotEmpty()
            .noneMatch(n -> n.startsWith("kafka-clients-") || n.startsWith("connect-api-")
                || n.startsWith("slf4j-api-") || n.startsWith("connect-runtime-"));
      }
    }
  }
}
