package io.cloudbridge.common.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The transitions of waiting for a service: start once, back off doubling to the longest, expire, end and start over. */
class ServiceWaitTest {

  @Test
  void startsOnceBacksOffDoublingToThirtySecondsExpiresAfterTheBudgetAndStartsOverAfterItEnds() {
    ServiceWait w = new ServiceWait(60_000);
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

    w.end(61_000);
    assertThat(w.waiting()).isFalse();
    assertThat(w.totalWaitedMs(70_000)).as("the first wait, 60 s").isEqualTo(60_000);
    assertThat(w.delay()).as("the next wait starts from the first delay").isEqualTo(1_000);
    assertThat(w.start(100_000)).isTrue();
    assertThat(w.expired(130_000)).isFalse();
    assertThat(w.totalWaitedMs(110_000)).as("both waits").isEqualTo(70_000);
  }

  @Test
  void remembersTheLastCauseWhileWaitingAndForgetsItWhenTheServiceAnswers() {
    ServiceWait w = new ServiceWait(10_000, 200, 1_000);
    assertThat(w.cause()).isEmpty();
    IOException first = new IOException("503 Service Unavailable");
    IOException second = new IOException("Connection refused");
    assertThat(w.start(0, first)).isTrue();
    assertThat(w.start(500, second)).isFalse();
    assertThat(w.cause()).contains(second);
    assertThat(w.describe(second)).isEqualTo("Connection refused (the outage began with: 503 Service Unavailable)");
    assertThat(w.describe(first)).isEqualTo("503 Service Unavailable");
    assertThat(w.waitedMs(500)).isEqualTo(500);
    assertThat(new long[] {w.nextDelay(), w.nextDelay(), w.nextDelay(), w.nextDelay()})
        .containsExactly(200, 400, 800, 1_000);
    w.end(600);
    assertThat(w.cause()).isEmpty();
    assertThat(w.waitedMs(700)).isZero();
  }
}
