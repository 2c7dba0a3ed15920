package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The transitions of waiting for new columns: start once, back off doubling to 30 s, expire, end and start over. */
class SchemaWaitTest {

  @Test
  void startsOnceBacksOffDoublingToThirtySecondsExpiresAfterTheBudgetAndStartsOverAfterItEnds() {
    SchemaWait w = new SchemaWait(60_000);
    assertThat(w.waiting()).isFalse();
    assertThat(w.waitedMs(5_000)).isZero();
    assertThat(w.expired(1_000_000)).as("not waiting: nothing to expire").isFalse();

    assertThat(w.start(1_000)).isTrue();
    assertThat(w.start(2_000)).as("already waiting since 1 s").isFalse();
    assertThat(w.waiting()).isTrue();
    assertThat(w.waitedMs(4_000)).isEqualTo(3_000);
    assertThat(w.delay()).isEqualTo(1_000);
    assertThat(w.delay()).as("delay() does not move on").isEqualTo(1_000);
    assertThat(new long[] {w.nextDelay(), w.nextDelay(), w.nextDelay(), w.nextDelay(), w.nextDelay(),
        w.nextDelay(), w.nextDelay()}).containsExactly(1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000);
    assertThat(w.expired(61_000)).as("exactly the budget").isFalse();
    assertThat(w.expired(61_001)).isTrue();

    w.end();
    assertThat(w.waiting()).isFalse();
    assertThat(w.delay()).as("the next wait starts from the first delay").isEqualTo(1_000);
    assertThat(w.start(100_000)).isTrue();
    assertThat(w.expired(130_000)).isFalse();
  }
}
