package io.cloudbridge.common.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.PluginMetrics;

/**
 * Metrics registered with the worker through KIP-877's {@code PluginMetrics}. Only loaded when the worker
 * handed one out, so older workers never need the class.
 */
final class WorkerPluginMetrics implements MetricSink {

  private final PluginMetrics metrics;
  private final Map<String, MetricName> names = new ConcurrentHashMap<>();

  WorkerPluginMetrics(Object pluginMetrics) {
    this.metrics = (PluginMetrics) pluginMetrics;
  }

  @Override
  public void register(String name, String description, LongSupplier value) {
    MetricName metricName = metrics.metricName(name, description, new LinkedHashMap<>());
    metrics.addMetric(metricName, (Gauge<Long>) (config, now) -> value.getAsLong());
    names.put(name, metricName);
  }

  @Override
  public void unregister(String name) {
    MetricName metricName = names.remove(name);
    if (metricName != null) {
      metrics.removeMetric(metricName);
    }
  }
}
