package io.cloudbridge.common.metrics;

import java.util.concurrent.atomic.LongAdder;

/** A count that only grows; cheap to update from the poll/put loop. */
public final class Counter {

  private final LongAdder adder = new LongAdder();

  public void increment() {
    adder.increment();
  }

  public void add(long n) {
    adder.add(n);
  }

  public long get() {
    return adder.sum();
  }
}
