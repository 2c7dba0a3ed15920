package io.cloudbridge.testkit.mariadb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private MariaDB server (Debian's {@code mariadb-server}) with a ROW binlog, as Debezium needs, on a free
 * loopback port with its data in a directory of its own. Installs the package with apt when it is missing
 * and the process may (root). SQL runs through the {@code mariadb} command-line client.
 */
public final class MariaDbServer implements AutoCloseable {

  public static final String USER = "cloudbridge";
  public static final String PASSWORD = "cloudbridge-pw";

  private final Path dir;
  private final int port;
  private final Process process;

  private MariaDbServer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts a fresh server under {@code dir} (created if needed) on a free port. */
  public static MariaDbServer start(Path dir) {
    try {
      ensureInstalled();
      Path data = dir.resolve("data");
      Files.createDirectories(data);
      run(List.of("mariadb-install-db", "--no-defaults", "--user=" + System.getProperty("user.name"),
          "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"), dir.resolve("install.log"));
      int port = io.cloudbridge.testkit.Ports.free();
      List<String> cmd = List.of(binary("mariadbd"), "--no-defaults", "--user=" + System.getProperty("user.name"),
          "--datadir=" + data, "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mariadb.sock"),
          "--pid-file=" + dir.resolve("mariadb.pid"), "--log-bin=" + data.resolve("binlog"), "--binlog-format=ROW",
          "--binlog-row-image=FULL", "--server-id=1", "--skip-name-resolve", "--innodb-buffer-pool-size=32M");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("mariadbd.log").toFile()).start();
      MariaDbServer server = new MariaDbServer(dir, port, p);
      server.awaitReady(Duration.ofSeconds(60));
      server.executeAsRoot("CREATE USER '" + USER + "'@'%' IDENTIFIED BY '" + PASSWORD + "';"
          + " GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES,"
          + " CREATE, INSERT, UPDATE, DELETE, DROP, ALTER ON *.* TO '" + USER + "'@'%'; FLUSH PRIVILEGES;");
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("MariaDB did not start under " + dir, e);
    }
  }

  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return port;
  }

  public String jdbcUrl(String database) {
    return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
  }

  /** Runs SQL as the test user over TCP and returns the tab-separated output rows. */
  public List<String> execute(String sql) {
    return execute(port, sql);
  }

  /** Runs SQL as the test user on a server of this kind listening on {@code port} (e.g. in another process). */
  public static List<String> execute(int port, String sql) {
    return client(List.of("--protocol=TCP", "-h", "127.0.0.1", "-P", Integer.toString(port), "-u", USER,
        "-p" + PASSWORD), sql);
  }

  private List<String> executeAsRoot(String sql) {
    return client(List.of("--socket=" + dir.resolve("mariadb.sock"), "-u", "root"), sql);
  }

  private static List<String> client(List<String> connection, String sql) {
    List<String> cmd = new ArrayList<>(List.of("mariadb", "--batch", "--skip-column-names"));
    cmd.addAll(connection);
    cmd.addAll(List.of("-e", sql));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("mariadb client failed on [" + sql + "]: " + out);
      }
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void awaitReady(Duration timeout) throws IOException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException("mariadbd exited: " + Files.readString(dir.resolve("mariadbd.log")));
      }
      try {
        executeAsRoot("SELECT 1");
        return;
      } catch (IllegalStateException notYet) {
        try {
          // Polling a process that gives no readiness signal other than accepting connections.
          process.waitFor(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
    throw new IOException("mariadbd not ready after " + timeout + ": " + Files.readString(dir.resolve("mariadbd.log")));
  }

  private static void ensureInstalled() throws IOException {
    if (binaryOrNull("mariadbd") != null) {
      return;
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("mariadbd is not installed: run `apt-get install -y mariadb-server`");
    }
    run(List.of("apt-get", "update", "-qq"), null);
    run(List.of("apt-get", "install", "-y", "-qq", "mariadb-server"), null);
  }

  private static String binary(String name) {
    String b = binaryOrNull(name);
    if (b == null) {
      throw new IllegalStateException(name + " not found in PATH, /usr/sbin or /usr/bin");
    }
    return b;
  }

  private static String binaryOrNull(String name) {
    for (String d : (System.getenv("PATH") + ":/usr/sbin:/usr/bin").split(":")) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static void run(List<String> cmd, Path log) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (log != null) {
      pb.redirectOutput(log.toFile());
    } else {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    try {
      Process p = pb.start();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed" + (log == null ? "" : ": " + Files.readString(log)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }


  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
