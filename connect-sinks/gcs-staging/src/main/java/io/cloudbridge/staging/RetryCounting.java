package io.cloudbridge.staging;

import com.google.api.gax.retrying.ResultRetryAlgorithm;
import com.google.api.gax.retrying.TimedAttemptSettings;
import com.google.cloud.storage.StorageRetryStrategy;
import java.util.concurrent.atomic.LongAdder;

/**
 * The client's default retry rules (which errors are retried, and for which calls), counting each error they
 * decide to retry, for the task's retry metric. The retry budget itself stays in the client's retry settings.
 */
public final class RetryCounting implements StorageRetryStrategy {

  private static final long serialVersionUID = 1L;

  private final StorageRetryStrategy rules = StorageRetryStrategy.getDefaultStorageRetryStrategy();
  private final LongAdder retried = new LongAdder();

  /** Errors the rules said to retry (the last of a call that spent its budget included). */
  public long retried() {
    return retried.sum();
  }

  @Override
  public ResultRetryAlgorithm<?> getIdempotentHandler() {
    return counting(rules.getIdempotentHandler());
  }

  @Override
  public ResultRetryAlgorithm<?> getNonidempotentHandler() {
    return counting(rules.getNonidempotentHandler());
  }

  private <T> ResultRetryAlgorithm<T> counting(ResultRetryAlgorithm<T> algorithm) {
    return new ResultRetryAlgorithm<>() {
      @Override
      public TimedAttemptSettings createNextAttempt(Throwable previousThrowable, T previousResponse,
          TimedAttemptSettings previousSettings) {
        return algorithm.createNextAttempt(previousThrowable, previousResponse, previousSettings);
      }

      @Override
      public boolean shouldRetry(Throwable previousThrowable, T previousResponse) {
        boolean retry = algorithm.shouldRetry(previousThrowable, previousResponse);
        if (retry && previousThrowable != null) {
          retried.increment();
        }
        return retry;
      }
    };
  }
}
