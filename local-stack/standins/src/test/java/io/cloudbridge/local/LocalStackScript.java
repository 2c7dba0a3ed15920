package io.cloudbridge.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/cloudbridge-local} as a user would, on free ports and a private data directory. */
final class LocalStackScript {

  static final Path ROOT = Path.of(System.getProperty("cloudbridge.root"));

  record Run(int exit, String output) {}

  private LocalStackScript() {}

  /** The environment for a stack of its own: every port free now, data under {@code home}. */
  static Map<String, String> environment(Path home) {
    Map<String, String> env = new HashMap<>();
    env.put("CLOUDBRIDGE_HOME", home.toString());
    for (String port : List.of("KAFKA_PORT", "CONTROLLER_PORT", "CONNECT_PORT", "SQS_PORT", "S3_PORT", "GCS_PORT",
        "BQ_GRPC_PORT", "BQ_REST_PORT")) {
      env.put(port, Integer.toString(io.cloudbridge.testkit.Ports.free()));
    }
    return env;
  }

  static Run run(Map<String, String> env, String command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/cloudbridge-local").toString(), command)
        .directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("cloudbridge-local " + command + " did not finish: " + out);
    }
    return new Run(p.exitValue(), out);
  }
}
