package io.cloudbridge.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The Connect REST calls the demo makes: PUT a connector's config, read its status. */
final class ConnectRest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final String url;

  ConnectRest(String url) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  void putConfig(String name, Map<String, String> config) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/config"))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("Connect refused connector " + name + " (HTTP " + r.statusCode() + "): " + r.body());
    }
  }

  /** The connector's status, or null while Connect does not know it yet. */
  JsonNode status(String name) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/status"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  /** The first failure of the connector or one of its tasks (state and trace), or null when none failed. */
  String failure(String name) throws IOException, InterruptedException {
    return failure(name, status(name));
  }

  private static String failure(String name, JsonNode s) {
    if (s == null) {
      return null;
    }
    if (s.path("connector").path("state").asText().equals("FAILED")) {
      return name + " FAILED: " + s.path("connector").path("trace").asText();
    }
    for (JsonNode t : s.path("tasks")) {
      if (t.path("state").asText().equals("FAILED")) {
        return name + " task " + t.path("id").asInt() + " FAILED: " + t.path("trace").asText();
      }
    }
    return null;
  }

  /** Waits until the connector and every task of it run; fails with Connect's trace if one failed. */
  void awaitRunning(String name, Duration timeout) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      JsonNode s = status(name);
      String failed = failure(name, s);
      if (failed != null) {
        throw new IllegalStateException(failed);
      }
      if (s != null && s.path("connector").path("state").asText().equals("RUNNING") && s.path("tasks").size() > 0) {
        boolean all = true;
        for (JsonNode t : s.path("tasks")) {
          all &= t.path("state").asText().equals("RUNNING");
        }
        if (all) {
          return;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(name + " did not reach RUNNING in " + timeout.toSeconds() + " s: " + s);
      }
      Thread.sleep(250);
    }
  }
}
