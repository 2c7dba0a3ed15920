package io.cloudbridge.testkit.gcs;

import io.cloudbridge.testkit.http.GoogleErrorBody;
import io.cloudbridge.testkit.http.HttpResponse;

/** GCS JSON API error bodies: {@code {"error":{"code","message","errors":[{"domain","reason","message"}]}}}. */
final class GcsError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  static final String PRECONDITION_FAILED = "At least one of the pre-conditions you specified did not hold.";

  final int status;
  final String reason;

  GcsError(int status, String reason, String message) {
    super(message);
    this.status = status;
    this.reason = reason;
  }

  static GcsError notFound(String message) {
    return new GcsError(404, "notFound", message);
  }

  static GcsError badRequest(String message) {
    return new GcsError(400, "invalid", message);
  }

  static GcsError preconditionFailed() {
    return new GcsError(412, "conditionNotMet", PRECONDITION_FAILED);
  }

  static GcsError notModified() {
    return new GcsError(304, "notModified", "");
  }

  HttpResponse toResponse() {
    return body(status, reason, getMessage());
  }

  static HttpResponse body(int status, String reason, String message) {
    if (status == 304) {
      return HttpResponse.empty(304);
    }
    GoogleErrorBody body = new GoogleErrorBody(status, reason, message);
    if (status == 412) {
      body.detail().put("locationType", "header");
      body.detail().put("location", "If-Match");
    }
    return body.toResponse();
  }
}
