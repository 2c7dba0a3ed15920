package io.cloudbridge.suite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** What the unpacked plugin zips declare: every class listed in a META-INF/services file of a plugin jar. */
final class PackagedPlugins {

  private PackagedPlugins() {}

  static Path dir() {
    return Path.of(System.getProperty("cloudbridge.plugins.dir", "target/plugins"));
  }

  /** Plugin directories (one per unpacked zip). */
  static List<Path> plugins() {
    try (Stream<Path> dirs = Files.list(dir())) {
      return dirs.filter(Files::isDirectory).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("no unpacked plugins under " + dir() + "; run the build's package phase", e);
    }
  }

  /** Classes a plugin registers for Connect's service loading, read from its own jars in lib/. */
  static List<String> declaredClasses(Path plugin) {
    List<String> classes = new ArrayList<>();
    try (Stream<Path> jars = Files.list(plugin.resolve("lib"))) {
      for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
        try (JarFile file = new JarFile(jar.toFile())) {
          Enumeration<JarEntry> entries = file.entries();
          while (entries.hasMoreElements()) {
            JarEntry e = entries.nextElement();
            if (e.getName().startsWith("META-INF/services/org.apache.kafka.connect.")) {
              String text = new String(file.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
              text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(classes::add);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return classes;
  }
}
