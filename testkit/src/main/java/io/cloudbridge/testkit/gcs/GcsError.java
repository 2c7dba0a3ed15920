package io.cloudbridge.testkit.gcs;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    ObjectNode error = root.putObject("error");
    error.put("code", status);
    error.put("message", message);
    ObjectNode detail = error.putArray("errors").addObject();
    detail.put("message", message);
    detail.put("domain", "global");
    detail.put("reason", reason);
    if (status == 412) {
      detail.put("locationType", "header");
      detail.put("location", "If-Match");
    }
    return HttpResponse.json(status, root.toString());
  }
}
