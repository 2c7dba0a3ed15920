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

  /**
   * Each zip carries a CycloneDX SBOM whose components all name a license, none of them GPL-only (LGPL and GPL with
   * the Classpath Exception are linking-safe and allowed). It does not yet list every jar in lib/: the plugin leaves
   * out the AWS SDK's Netty client and Netty's jars, a gap noted on issue 9.
   */
  @Test
  void everyArchiveListsWhatItShipsWithLicensesAndShipsNoGpl() throws IOException {
    for (Path plugin : PackagedPlugins.plugins()) {
      JsonNode sbom = new ObjectMapper().readTree(plugin.resolve("doc/sbom.cdx.json").toFile());
      assertThat(sbom.path("bomFormat").asText()).isEqualTo("CycloneDX");
      java.util.Set<String> listed = new java.util.HashSet<>();
      for (JsonNode c : sbom.path("components")) {
        listed.add(c.path("name").asText() + "-" + c.path("version").asText() + ".jar");
        List<String> licenses = new java.util.ArrayList<>();
        for (JsonNode l : c.path("licenses")) {
          JsonNode license = l.path("license");
          licenses.add(license.has("id") ? license.path("id").asText() : license.path("name").asText(
              l.path("expression").asText()));
        }
        String jar = c.path("name").asText();
        assertThat(licenses).as("%s: license of %s", plugin.getFileName(), jar).isNotEmpty();
        // Several licenses are a choice (e.g. CDDL or GPL with the Classpath Exception): one must not be GPL-only.
        assertThat(licenses.stream().allMatch(PluginArchiveTest::gplOnly)).as("%s: %s is GPL-only: %s",
            plugin.getFileName(), jar, licenses).isFalse();
      }
      assertThat(listed).as("%s: SBOM components", plugin.getFileName()).isNotEmpty();
    }
  }

  private static boolean gplOnly(String license) {
    String l = license.toUpperCase(java.util.Locale.ROOT);
    boolean gpl = l.contains("GPL") || l.contains("GENERAL PUBLIC LICENSE");
    boolean safe = l.contains("LGPL") || l.contains("LESSER") || l.contains("LIBRARY") || l.contains("CLASSPATH");
    return gpl && !safe;
  }
}
