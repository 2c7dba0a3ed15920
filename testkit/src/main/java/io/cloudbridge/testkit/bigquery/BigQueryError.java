package io.cloudbridge.testkit.bigquery;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudbridge.testkit.http.HttpResponse;

/** A REST error as BigQuery shapes it: {@code {"error":{"code","message","errors":[{reason}],"status"}}}. */
final class BigQueryError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int code;
  final String reason;

  BigQueryError(int code, String reason, String message) {
    super(message);
    this.code = code;
    this.reason = reason;
  }

  static BigQueryError notFound(String message) {
    return new BigQueryError(404, "notFound", message);
  }

  static BigQueryError invalid(String message) {
    return new BigQueryError(400, "invalid", message);
  }

  static BigQueryError duplicate(String message) {
    return new BigQueryError(409, "duplicate", message);
  }

  HttpResponse toResponse() {
    return body(code, reason, getMessage());
  }

  static HttpResponse body(int code, String reason, String message) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", code);
    error.put("message", message);
    ObjectNode e = error.putArray("errors").addObject();
    e.put("message", message);
    e.put("domain", "global");
    e.put("reason", reason);
    error.put("status", switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ALREADY_EXISTS";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 503 -> "UNAVAILABLE";
      default -> "INTERNAL";
    });
    return HttpResponse.json(code, root.toString());
  }
}
