package io.cloudbridge.testkit.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Apicurio Registry (the Quarkus app distribution, {@code io.apicurio:apicurio-registry-app:<v>:tar.gz:all},
 * unpacked) as a process with in-memory storage on a free loopback port. It serves the Confluent-compatible API
 * under {@code /apis/ccompat/v7} and its own under {@code /apis/registry/v2}. It needs Java 21 or newer: the JDK
 * named by {@code cloudbridge.java21.home} or {@code JAVA21_HOME}, else the newest under {@code /usr/lib/jvm}.
 */
public final class ApicurioRegistry implements AutoCloseable {

  private final Process process;
  private final int port;
  private final Path log;

  private ApicurioRegistry(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts the registry unpacked in {@code appDir} (the directory holding quarkus-run.jar), logging into {@code dir}. */
  public static ApicurioRegistry start(Path appDir, Path dir) {
    Path java = java21().orElseThrow(() -> new IllegalStateException("Apicurio Registry needs Java 21 or newer:"
        + " set JAVA21_HOME (or -Dcloudbridge.java21.home) to such a JDK; none found under /usr/lib/jvm"));
    if (!Files.isRegularFile(appDir.resolve("quarkus-run.jar"))) {
      throw new IllegalStateException("no Apicurio Registry under " + appDir + " (run the build's pre-integration-test phase)");
    }
    int port = io.cloudbridge.testkit.Ports.free();
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve("apicurio-registry.log");
      Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx384m", "-Dquarkus.http.port=" + port,
          "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.log.level=WARN", "-jar", "quarkus-run.jar"))
          .directory(appDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      ApicurioRegistry registry = new ApicurioRegistry(p, port, log);
      registry.awaitReady(Duration.ofSeconds(120));
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException("Apicurio Registry did not start", e);
    }
  }

  /** The base of Apicurio's own API v2, for its serdes and converters ({@code apicurio.registry.url}). */
  public String apiV2Url() {
    return "http://127.0.0.1:" + port + "/apis/registry/v2";
  }

  /** The base of the Confluent Schema Registry–compatible API. */
  public String confluentUrl() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  /** GET on the Confluent-compatible API; the body when it answers 200, else an exception with the answer. */
  public String getConfluent(String path) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(confluentUrl() + path))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Duration timeout) throws IOException {
    Instant deadline = Instant.now().plus(timeout);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Apicurio Registry exited: " + tail());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(confluentUrl() + "/subjects")).GET().build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (Instant.now().isAfter(deadline)) {
        close();
        throw new IllegalStateException("Apicurio Registry not ready in " + timeout.toSeconds() + " s: " + tail());
      }
      try {
        process.waitFor(250, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private String tail() throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** A JDK of version 21 or newer: configured, else the newest under /usr/lib/jvm (by its release file). */
  static Optional<Path> java21() {
    for (String configured : new String[] {System.getProperty("cloudbridge.java21.home"), System.getenv("JAVA21_HOME")}) {
      if (configured != null && !configured.isBlank()) {
        return Optional.of(Path.of(configured, "bin", "java"));
      }
    }
    if (Runtime.version().feature() >= 21) {
      return Optional.of(Path.of(System.getProperty("java.home"), "bin", "java"));
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (Stream<Path> homes = Files.list(jvms)) {
      return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")) && feature(h) >= 21)
          .max(Comparator.comparingInt(ApicurioRegistry::feature)).map(h -> h.resolve("bin/java"));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int feature(Path home) {
    try {
      for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8)) {
        if (line.startsWith("JAVA_VERSION=")) {
          String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          return Integer.parseInt(v.split("[.+-]")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not a JDK we can read
    }
    return 0;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
