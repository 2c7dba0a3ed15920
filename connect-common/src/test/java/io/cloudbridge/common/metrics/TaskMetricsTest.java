package io.cloudbridge.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.junit.jupiter.api.Test;

class TaskMetricsTest {

  /** Shaped like a 4.1 task context: it hands out the worker's plugin metrics. */
  public static final class NewWorkerContext {
    private final PluginMetrics metrics;

    NewWorkerContext(PluginMetrics metrics) {
      this.metrics = metrics;
    }

    public PluginMetrics pluginMetrics() {
      return metrics;
    }
  }

  /** Shaped like a 3.7 task context: no pluginMetrics(). */
  public static final class OldWorkerContext {}

  @Test
  void registersWithTheWorkersPluginMetricsWhenOffered() {
    try (Metrics registry = new Metrics();
         PluginMetricsImpl plugin = new PluginMetricsImpl(registry, Map.of("connector", "orders", "task", "0"))) {
      TaskMetrics metrics = TaskMetrics.from(new NewWorkerContext(plugin));
      Counter read = metrics.counter("records-read-total", "Records read from SQS.");
      read.add(41);
      read.increment();

      assertThat(metrics.publishedByWorker()).isTrue();
      MetricName name = registry.metrics().keySet().stream()
          .filter(n -> n.name().equals("records-read-total")).findFirst().orElseThrow();
      assertThat(name.tags()).containsEntry("connector", "orders").containsEntry("task", "0");
      assertThat(registry.metrics().get(name).metricValue()).isEqualTo(42L);

      metrics.close();
      assertThat(registry.metrics().keySet()).noneMatch(n -> n.name().equals("records-read-total"));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void keepsValuesInTheTaskOnAWorkerWithoutPluginMetrics() {
    TaskMetrics metrics = TaskMetrics.from(new OldWorkerContext());
    metrics.counter("messages-deleted-total", "Messages deleted after Kafka acknowledged them.").add(7);
    metrics.gauge("in-flight", "Messages received and not yet deleted.", () -> 3);

    assertThat(metrics.publishedByWorker()).isFalse();
    assertThat(metrics.value("messages-deleted-total")).isEqualTo(7);
    assertThat(metrics.value("in-flight")).isEqualTo(3);
    assertThatThrownBy(() -> metrics.counter("in-flight", "again")).isInstanceOf(IllegalArgumentException.class);
  }
}
