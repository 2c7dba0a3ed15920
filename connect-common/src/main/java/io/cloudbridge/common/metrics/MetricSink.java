package io.cloudbridge.common.metrics;

import java.util.function.LongSupplier;

/** Where a plugin's metrics go: the worker's plugin metrics, or nowhere beyond the plugin itself. */
interface MetricSink {

  MetricSink NONE = new MetricSink() {
    @Override
    public void register(String name, String description, LongSupplier value) {}

    @Override
    public void unregister(String name) {}
  };

  void register(String name, String description, LongSupplier value);

  void unregister(String name);
}
