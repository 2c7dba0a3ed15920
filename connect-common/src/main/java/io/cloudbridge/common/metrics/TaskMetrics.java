package io.cloudbridge.common.metrics;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counters and gauges of a connector or task. On workers that offer plugin metrics (KIP-877, Kafka Connect
 * 4.1+) they are registered with the worker, which publishes them (JMX and metrics reporters) tagged with the
 * connector and task. On older workers (3.7 — MSK Connect's newest runtime — to 4.0) the context has no
 * {@code pluginMetrics()}: the values are then kept only in the plugin, which still runs, logs and tests them.
 *
 * <p>This class never names a 4.1-only type, so it loads on every supported worker.
 */
public final class TaskMetrics implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TaskMetrics.class);

  private final MetricSink sink;
  private final Map<String, LongSupplier> values = new ConcurrentHashMap<>();

  private TaskMetrics(MetricSink sink) {
    this.sink = sink;
  }

  /**
   * Metrics for the plugin that was given {@code context} (a SinkTaskContext, SourceTaskContext or
   * ConnectorContext).
   */
  public static TaskMetrics from(Object context) {
    Object pluginMetrics = workerPluginMetrics(context);
    if (pluginMetrics == null) {
      log.info("This Connect worker has no plugin metrics (added in 4.1); metrics are kept in the task only");
      return new TaskMetrics(MetricSink.NONE);
    }
    return new TaskMetrics(new WorkerPluginMetrics(pluginMetrics));
  }

  private static Object workerPluginMetrics(Object context) {
    if (context == null) {
      return null;
    }
    try {
      Method m = context.getClass().getMethod("pluginMetrics");
      return m.invoke(context);
    } catch (NoSuchMethodException | IllegalAccessException | AbstractMethodError olderWorker) {
      return null;
    } catch (InvocationTargetException e) {
      log.warn("The worker's pluginMetrics() failed; metrics are kept in the task only", e.getCause());
      return null;
    }
  }

  /** A monotonically growing count, registered under {@code name}. */
  public Counter counter(String name, String description) {
    Counter counter = new Counter();
    gauge(name, description, counter::get);
    return counter;
  }

  /** A value read when the metric is reported, registered under {@code name}. */
  public void gauge(String name, String description, LongSupplier value) {
    if (values.putIfAbsent(name, value) != null) {
      throw new IllegalArgumentException("metric " + name + " is already registered");
    }
    sink.register(name, description, value);
  }

  /** Whether the values reach the worker's metrics, or stay in the task. */
  public boolean publishedByWorker() {
    return sink != MetricSink.NONE;
  }

  /** The current value of a metric of this plugin, for logs and tests. */
  public long value(String name) {
    LongSupplier v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no metric " + name);
    }
    return v.getAsLong();
  }

  @Override
  public void close() {
    values.keySet().forEach(sink::unregister);
    values.clear();
  }
}
