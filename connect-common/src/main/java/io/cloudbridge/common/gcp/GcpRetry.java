package io.cloudbridge.common.gcp;

import com.google.api.gax.retrying.RetrySettings;
import io.cloudbridge.common.retry.ServiceWait;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * The retry budget of a Google client, as three settings under a prefix ({@code <prefix>retry.max.attempts},
 * {@code .initial.backoff.ms}, {@code .max.backoff.ms}): exponential backoff with jitter, the client's own rules
 * deciding which errors are retried.
 */
public final class GcpRetry {

  private GcpRetry() {}

  public static String attempts(String prefix) {
    return prefix + "retry.max.attempts";
  }

  public static String initial(String prefix) {
    return prefix + "retry.initial.backoff.ms";
  }

  public static String max(String prefix) {
    return prefix + "retry.max.backoff.ms";
  }

  /**
   * Adds the three settings to {@code def} in {@code group}, ordered from {@code order}, and after them
   * {@value ServiceWait#OUTAGE_TIMEOUT} for outages that outlast them.
   */
  public static ConfigDef define(ConfigDef def, String prefix, String group, int order, String retried,
      String service) {
    ServiceWait.defineOutageTimeout(def, group, order + 3, service);
    return def
        .define(attempts(prefix), Type.INT, 8, Range.between(1, 100), Importance.LOW,
            "Attempts of each call on " + retried + " by the client; after the last, the task waits out the"
                + " outage (" + ServiceWait.OUTAGE_TIMEOUT + ").", group, order, Width.SHORT, "Retry attempts")
        .define(initial(prefix), Type.LONG, 200L, Range.atLeast(1), Importance.LOW,
            "First retry delay; it doubles, with jitter, up to " + max(prefix) + ".", group, order + 1, Width.SHORT,
            "Initial backoff")
        .define(max(prefix), Type.LONG, 16_000L, Range.atLeast(1), Importance.LOW, "Longest retry delay.", group,
            order + 2, Width.SHORT, "Max backoff");
  }

  /**
   * An HTTP status of a Google API call that an outage explains — 0 (no answer: refused, reset, timed out), 408, 429
   * or 5xx — which Google's retry guidance says to retry with backoff; other 4xx are about the request.
   */
  public static boolean outageStatus(int status) {
    return status == 0 || status == 408 || status == 429 || status >= 500;
  }

  /** Rejects a longest delay below the first. */
  public static void check(AbstractConfig config, String prefix) {
    if (config.getLong(max(prefix)) < config.getLong(initial(prefix))) {
      throw new ConfigException(max(prefix), config.getLong(max(prefix)), "must not be below " + initial(prefix));
    }
  }

  /** The client's retry settings from the three values. */
  public static RetrySettings settings(AbstractConfig config, String prefix) {
    int attempts = config.getInt(attempts(prefix));
    long maxMillis = config.getLong(max(prefix));
    return RetrySettings.newBuilder()
        .setMaxAttempts(attempts)
        .setInitialRetryDelayDuration(Duration.ofMillis(config.getLong(initial(prefix))))
        .setMaxRetryDelayDuration(Duration.ofMillis(maxMillis))
        .setRetryDelayMultiplier(2.0)
        .setJittered(true)
        .setTotalTimeoutDuration(Duration.ofMillis(maxMillis * attempts + 60_000))
        .setInitialRpcTimeoutDuration(Duration.ofSeconds(60))
        .setMaxRpcTimeoutDuration(Duration.ofSeconds(60))
        .setRpcTimeoutMultiplier(1.0)
        .build();
  }
}
