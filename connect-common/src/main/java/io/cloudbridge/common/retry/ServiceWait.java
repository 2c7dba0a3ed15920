package io.cloudbridge.common.retry;

import java.util.Optional;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Waiting for a service to answer as the task needs: since when, the backoff between attempts (doubling from a first
 * delay up to a longest), the budget past which the task gives up, and the total time waited (a metric). One
 * instance per thing waited for: an outage of GCS, BigQuery, SQS or S3 (budget {@value #OUTAGE_TIMEOUT}), new
 * columns reaching BigQuery's Storage Write API. Thread-safe, so a metric may read it while the task's thread waits.
 *
 * <p>States: not waiting → {@link #start} → waiting (each {@link #nextDelay} doubles the delay) → {@link #end}
 * (not waiting, the delay back to the first; the time waited added to the total), or {@link #expired} past the budget,
 * where the caller fails naming {@link #cause}.
 */
public final class ServiceWait {

  /** The setting every connector has for outages of the services it calls. */
  public static final String OUTAGE_TIMEOUT = "outage.timeout.ms";
  public static final long OUTAGE_TIMEOUT_DEFAULT = 30 * 60_000L;
  public static final long FIRST_DELAY_MS = 1_000;
  public static final long MAX_DELAY_MS = 30_000;

  private final long budgetMs;
  private final long firstDelayMs;
  private final long maxDelayMs;
  private long since = -1;
  private long delay;
  private long totalMs;
  private Throwable cause;
  private Throwable firstCause;

  /** Backoff from 1 s doubling to 30 s. */
  public ServiceWait(long budgetMs) {
    this(budgetMs, FIRST_DELAY_MS, MAX_DELAY_MS);
  }

  public ServiceWait(long budgetMs, long firstDelayMs, long maxDelayMs) {
    this.budgetMs = budgetMs;
    this.firstDelayMs = firstDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.delay = firstDelayMs;
  }

  /**
   * Adds {@value #OUTAGE_TIMEOUT} to a connector's config: how long a task waits out a service that refuses or
   * fails its calls after the client's own retries (connection refused, 5xx/UNAVAILABLE, 429/RESOURCE_EXHAUSTED).
   */
  public static ConfigDef defineOutageTimeout(ConfigDef def, String group, int order, String services) {
    return def.define(OUTAGE_TIMEOUT, Type.LONG, OUTAGE_TIMEOUT_DEFAULT, Range.atLeast(1_000), Importance.MEDIUM,
        "How long a task waits out an outage of " + services + ": calls that still fail after the client's own"
            + " retries (connection refused or reset, 5xx/UNAVAILABLE, 429/RESOURCE_EXHAUSTED) are tried again with"
            + " backoff (1 s doubling to 30 s) and the task stays RUNNING, then resumes on its own; the metric"
            + " service-wait-ms shows the current wait. Past this the task fails naming the last error. The default"
            + " (30 min) outlasts the outages and quota exhaustions services report in minutes.", group, order,
        Width.SHORT, "Outage timeout");
  }

  /**
   * Registers the gauges {@code service-wait-ms} (the current wait, 0 when the services answer) and
   * {@code service-wait-total-ms} over {@code waits}: the longest current wait, and the sum of the totals.
   */
  public static void gauges(io.cloudbridge.common.metrics.TaskMetrics metrics, String services, ServiceWait... waits) {
    java.util.List<ServiceWait> all = java.util.List.of(waits);
    gauges(metrics, services, () -> all);
  }

  /** {@link #gauges(io.cloudbridge.common.metrics.TaskMetrics, String, ServiceWait...)} over waits that change. */
  public static void gauges(io.cloudbridge.common.metrics.TaskMetrics metrics, String services,
      java.util.function.Supplier<? extends Iterable<ServiceWait>> waits) {
    metrics.gauge("service-wait-ms", "How long the task has been waiting out an outage of " + services + " (calls"
        + " failing after the client's retries); 0 when it answers. Past " + OUTAGE_TIMEOUT + " the task fails.",
        () -> {
          long now = System.currentTimeMillis();
          long longest = 0;
          for (ServiceWait w : waits.get()) {
            longest = Math.max(longest, w.waitedMs(now));
          }
          return longest;
        });
    metrics.gauge("service-wait-total-ms", "Time spent waiting out outages of " + services + " since the task"
        + " started.", () -> {
          long now = System.currentTimeMillis();
          long sum = 0;
          for (ServiceWait w : waits.get()) {
            sum += w.totalWaitedMs(now);
          }
          return sum;
        });
  }

  public synchronized boolean waiting() {
    return since >= 0;
  }

  /** Starts waiting at {@code now}, unless already waiting; true if it started. */
  public synchronized boolean start(long now) {
    if (since >= 0) {
      return false;
    }
    since = now;
    return true;
  }

  /** Starts waiting at {@code now} (unless already waiting) because of {@code failure}, remembered as the cause. */
  public synchronized boolean start(long now, Throwable failure) {
    cause = failure;
    if (since < 0) {
      firstCause = failure;
    }
    return start(now);
  }

  /**
   * What a task failing past the budget says of the outage: the last error, and the one it began with when that
   * differs (a client's last error can be a consequence, such as a connection closed after an earlier failure).
   */
  public synchronized String describe(Throwable last) {
    Throwable first = firstCause;
    String text = String.valueOf(last.getMessage());
    if (first != null && first != last && !String.valueOf(first.getMessage()).equals(text)) {
      text += " (the outage began with: " + first.getMessage() + ")";
    }
    return text;
  }

  /** The last failure given to {@link #start(long, Throwable)}, if any. */
  public synchronized Optional<Throwable> cause() {
    return Optional.ofNullable(cause);
  }

  /** How long it has waited at {@code now} (0 when not waiting). */
  public synchronized long waitedMs(long now) {
    return since < 0 ? 0 : Math.max(0, now - since);
  }

  /** Time waited in every wait so far, the current one up to {@code now} included. */
  public synchronized long totalWaitedMs(long now) {
    return totalMs + waitedMs(now);
  }

  /** The budget is spent: waiting and more than the budget since it started. */
  public synchronized boolean expired(long now) {
    return since >= 0 && now - since > budgetMs;
  }

  public long budgetMs() {
    return budgetMs;
  }

  /** The delay before the next attempt, without moving on. */
  public synchronized long delay() {
    return delay;
  }

  /** The delay before the next attempt; the one after it is twice as long, up to the longest. */
  public synchronized long nextDelay() {
    long d = delay;
    delay = Math.min(delay * 2, maxDelayMs);
    return d;
  }

  /** The service answered: not waiting, and the next wait starts from the first delay again. */
  public synchronized void end(long now) {
    totalMs += waitedMs(now);
    since = -1;
    delay = firstDelayMs;
    cause = null;
    firstCause = null;
  }
}
