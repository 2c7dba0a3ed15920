package io.cloudbridge.testkit.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The error body Google's JSON APIs (GCS, BigQuery) share:
 * {@code {"error":{"code":N,"message":M,"errors":[{"message":M,"domain":"global","reason":R}]}}}.
 * Each service adds its own extras to {@link #error()} or {@link #detail()}.
 */
public final class GoogleErrorBody {

  private final ObjectNode root = JsonNodeFactory.instance.objectNode();
  private final ObjectNode error;
  private final ObjectNode detail;

  public GoogleErrorBody(int code, String reason, String message) {
    error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    detail = error.putArray("errors").addObject();
    detail.put("message", message);
    detail.put("domain", "global");
    detail.put("reason", reason);
  }

  /** The {@code error} object. */
  public ObjectNode error() {
    return error;
  }

  /** The first entry of {@code error.errors}. */
  public ObjectNode detail() {
    return detail;
  }

  public HttpResponse toResponse() {
    return HttpResponse.json(error.get("code").asInt(), root.toString());
  }
}
