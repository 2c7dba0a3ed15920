package io.cloudbridge.testkit.bigquery;

import io.cloudbridge.testkit.http.GoogleErrorBody;
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
    GoogleErrorBody body = new GoogleErrorBody(code, reason, message);
    body.error().put("status", switch (code) {
      case 400 -> "INVALID_ARGUMENT";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ALREADY_EXISTS";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 503 -> "UNAVAILABLE";
      default -> "INTERNAL";
    });
    return body.toResponse();
  }
}
