package io.cloudbridge.bigquery;

/**
 * Waiting for a table's new columns to reach BigQuery's Storage Write API (a schema change takes minutes to): since
 * when, the backoff between attempts (1 s doubling to 30 s), and the budget
 * ({@code bigquery.schema.update.timeout.ms}). Used by the task (at_least_once, cdc) and by each exactly-once
 * partition. Not thread-safe: the task's thread owns it.
 */
final class SchemaWait {

  static final long FIRST_DELAY_MS = 1_000;
  static final long MAX_DELAY_MS = 30_000;

  private final long budgetMs;
  private long since = -1;
  private long delay = FIRST_DELAY_MS;

  SchemaWait(long budgetMs) {
    this.budgetMs = budgetMs;
  }

  boolean waiting() {
    return since >= 0;
  }

  /** Starts waiting at {@code now}, unless already waiting; true if it started. */
  boolean start(long now) {
    if (since >= 0) {
      return false;
    }
    since = now;
    return true;
  }

  /** How long it has waited at {@code now} (0 when not waiting). */
  long waitedMs(long now) {
    return since < 0 ? 0 : now - since;
  }

  /** The budget is spent: waiting and more than the budget since it started. */
  boolean expired(long now) {
    return since >= 0 && now - since > budgetMs;
  }

  /** The delay before the next attempt, without moving on. */
  long delay() {
    return delay;
  }

  /** The delay before the next attempt; the one after it is twice as long, up to 30 s. */
  long nextDelay() {
    long d = delay;
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    return d;
  }

  /** The columns arrived: not waiting, and the next wait starts from the first delay again. */
  void end() {
    since = -1;
    delay = FIRST_DELAY_MS;
  }
}
