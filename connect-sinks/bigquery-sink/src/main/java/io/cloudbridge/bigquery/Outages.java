package io.cloudbridge.bigquery;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.storage.v1.Exceptions;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Set;

/**
 * Which failures an outage of BigQuery explains — worth waiting out rather than failing the task: the service is
 * down or unreachable (UNAVAILABLE, a dropped or refused connection, a Storage Write connection the client closed
 * after its retries), overloaded (INTERNAL, DEADLINE_EXCEEDED, ABORTED, REST 5xx) or out of quota
 * (RESOURCE_EXHAUSTED, REST 429 / 403 {@code rateLimitExceeded}). Google's guidance for these codes is to retry with
 * exponential backoff (Storage Write API: "Error handling"; BigQuery "Troubleshoot errors": backendError,
 * internalError, rateLimitExceeded). Anything about the request itself (INVALID_ARGUMENT, NOT_FOUND, the offset and
 * schema errors of Storage Write, row errors) is not.
 */
final class Outages {

  private static final Set<Status.Code> GRPC = Set.of(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED,
      Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL, Status.Code.ABORTED);
  private static final Set<String> REST_REASONS = Set.of("backendError", "internalError", "rateLimitExceeded",
      "quotaExceeded");

  private Outages() {}

  static boolean isOutage(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Exceptions.AppendSerializationError || t instanceof Exceptions.SchemaMismatchedException
          || t instanceof Exceptions.OffsetAlreadyExists || t instanceof Exceptions.OffsetOutOfRange
          || t instanceof Exceptions.StreamFinalizedException || t instanceof Exceptions.StreamNotFound) {
        return false;
      }
      if (t instanceof Exceptions.StreamWriterClosedException) {
        return true; // the client closed its connection after a failure that outlasted its retries
      }
      if (t instanceof StatusRuntimeException || t instanceof StatusException) {
        return GRPC.contains(Status.fromThrowable(t).getCode());
      }
      if (t instanceof ApiException api) {
        try {
          return GRPC.contains(Status.Code.valueOf(api.getStatusCode().getCode().name()));
        } catch (IllegalArgumentException notGrpc) {
          return false;
        }
      }
      if (t instanceof BigQueryException bq) {
        int code = bq.getCode();
        return code == 0 || code >= 500 || code == 429
            || (bq.getError() != null && REST_REASONS.contains(bq.getError().getReason()));
      }
      if (t instanceof IOException) {
        return true; // no answer: refused, reset, timed out
      }
    }
    return false;
  }
}
