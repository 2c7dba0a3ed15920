package io.cloudbridge.testkit.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a stand-in answers: a status, headers and a body (possibly empty). */
public record HttpResponse(int status, Map<String, String> headers, byte[] body) {

  public static HttpResponse json(int status, String json) {
    return new HttpResponse(status, new LinkedHashMap<>(Map.of("Content-Type", "application/json; charset=UTF-8")),
        json.getBytes(StandardCharsets.UTF_8));
  }

  public static HttpResponse text(int status, String contentType, String text) {
    return new HttpResponse(status, new LinkedHashMap<>(Map.of("Content-Type", contentType)),
        text.getBytes(StandardCharsets.UTF_8));
  }

  public static HttpResponse empty(int status) {
    return new HttpResponse(status, new LinkedHashMap<>(), new byte[0]);
  }

  public HttpResponse header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
