package io.cloudbridge.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/cloudbridge-local as a user runs it: up, status, down, with every process real and on free ports. */
class LocalStackIT {

  @Test
  void upStartsKafkaConnectAndTheStandInsStatusReportsThemAndDownStopsThem(@TempDir Path home) throws Exception {
    Map<String, String> env = LocalStackScript.environment(home);
    env.put("CLOUDBRIDGE_EXTRA_PLUGINS", System.getProperty("fixture.plugin.zip"));
    try {
      LocalStackScript.Run up = LocalStackScript.run(env, "up");
      assertThat(up.exit()).as(up.output()).isZero();
      assertThat(up.output()).contains("Cloudbridge local stack is up.")
          .contains("Connect REST       http://127.0.0.1:" + env.get("CONNECT_PORT"))
          .contains("gcs.endpoint=http://127.0.0.1:" + env.get("GCS_PORT"));

      LocalStackScript.Run status = LocalStackScript.run(env, "status");
      assertThat(status.output()).contains("kafka: running", "standins: running", "connect: running")
          .contains("transformation io.cloudbridge.fixture.StampHeader " + System.getProperty("project.version"));

      HttpResponse<String> bucket = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + env.get("GCS_PORT") + "/storage/v1/b?project=local"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"looked-into\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(bucket.statusCode()).isEqualTo(200);
      assertThat(home.resolve("standins/gcs/looked-into")).isDirectory();
    } finally {
      LocalStackScript.Run down = LocalStackScript.run(env, "down");
      assertThat(down.output()).contains("stopped connect", "stopped standins", "stopped kafka");
    }
    assertThat(LocalStackScript.run(env, "status").output()).contains("kafka: stopped", "standins: stopped", "connect: stopped");
  }
}
