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
   * Each zip carries a CycloneDX SBOM listing every jar in lib/ (the plugin's own jar is the SBOM's subject) with its
   * licenses, none of them GPL-only (LGPL and GPL with the Classpath Exception are linking-safe and allowed), and a
   * plain license list (doc/THIRD-PARTY-LICENSES.txt) naming every third-party jar with its licenses.
   */
  @Test
  void everyArchiveListsWhatItShipsWithLicensesAndShipsNoGpl() throws IOException {
    for (Path plugin : PackagedPlugins.plugins()) {
      JsonNode sbom = new ObjectMapper().readTree(plugin.resolve("doc/sbom.cdx.json").toFile());
      assertThat(sbom.path("bomFormat").asText()).isEqualTo("CycloneDX");
      java.util.Set<String> listed = new java.util.HashSet<>();
      listed.add(sbom.path("metadata").path("component").path("name").asText() + "-"
          + sbom.path("metadata").path("component").path("version").asText() + ".jar");
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
      List<String> jars = libJars(plugin);
      assertThat(listed).as("%s: SBOM components", plugin.getFileName()).containsAll(jars);

      String licenseList = Files.readString(plugin.resolve("doc/THIRD-PARTY-LICENSES.txt"));
      for (JsonNode c : sbom.path("components")) {
        if (jars.contains(c.path("name").asText() + "-" + c.path("version").asText() + ".jar")) {
          assertThat(licenseList).as("%s: license list", plugin.getFileName())
              .contains(":" + c.path("name").asText() + ":" + c.path("version").asText() + " ");
        }
      }
    }
  }

  /**
   * No zip ships one library twice: no two jars of one artifact, and no class in two jars with different bytes (what
   * an unconverged dependency tree or a fat jar beside its parts would bring; the worker would load whichever came
   * first).
   */
  @Test
  void noArchiveShipsALibraryOrAClassTwice() throws IOException {
    for (Path plugin : PackagedPlugins.plugins()) {
      java.util.Map<String, String> artifacts = new java.util.HashMap<>();
      java.util.Map<String, java.util.Map.Entry<String, Long>> classes = new java.util.HashMap<>();
      List<String> twice = new java.util.ArrayList<>();
      for (String jar : libJars(plugin)) {
        String artifact = jar.replaceFirst("-\\d[^-]*(-[A-Za-z][\\w.]*)*\\.jar$", "");
        String before = artifacts.put(artifact, jar);
        if (before != null) {
          twice.add(before + " and " + jar);
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(plugin.resolve("lib").resolve(jar).toFile())) {
          for (var e = zip.entries(); e.hasMoreElements(); ) {
            java.util.zip.ZipEntry entry = e.nextElement();
            String name = entry.getName();
            if (name.endsWith(".class") && !name.startsWith("META-INF/") && !name.endsWith("module-info.class")) {
              var first = classes.putIfAbsent(name, java.util.Map.entry(jar, entry.getCrc()));
              // The same bytes twice (Parquet shades one fastutil copy into several of its jars) load alike.
              if (first != null && first.getValue() != entry.getCrc()) {
                twice.add(name + " differs in " + first.getKey() + " and " + jar);
              }
            }
          }
        }
      }
      assertThat(twice).as("%s ships these twice", plugin.getFileName()).isEmpty();
    }
  }

  private static List<String> libJars(Path plugin) throws IOException {
    try (Stream<Path> files = Files.list(plugin.resolve("lib"))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
    }
  }

  private static boolean gplOnly(String license) {
    String l = license.toUpperCase(java.util.Locale.ROOT);
    boolean gpl = l.contains("GPL") || l.contains("GENERAL PUBLIC LICENSE");
    boolean safe = l.contains("LGPL") || l.contains("LESSER") || l.contains("LIBRARY") || l.contains("CLASSPATH");
    return gpl && !safe;
  }
}
