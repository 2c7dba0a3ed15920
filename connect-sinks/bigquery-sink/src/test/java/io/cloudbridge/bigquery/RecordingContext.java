package io.cloudbridge.bigquery;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** Connect's side of a sink task in a unit test: a fixed assignment, and what the task asks (rewinds, pauses, commits). */
final class RecordingContext implements SinkTaskContext {
  final Map<TopicPartition, Long> offsets = new HashMap<>();
  final Set<TopicPartition> paused = new HashSet<>();
  long timeout = -1;
  int commitsRequested;
  private final Set<TopicPartition> assigned;

  RecordingContext(TopicPartition... assigned) {
    this.assigned = Set.of(assigned);
  }

  @Override
  public Map<String, String> configs() {
    return Map.of();
  }

  @Override
  public void offset(Map<TopicPartition, Long> o) {
    offsets.putAll(o);
  }

  @Override
  public void offset(TopicPartition tp, long offset) {
    offsets.put(tp, offset);
  }

  @Override
  public void timeout(long timeoutMs) {
    timeout = timeoutMs;
  }

  @Override
  public Set<TopicPartition> assignment() {
    return assigned;
  }

  @Override
  public void pause(TopicPartition... partitions) {
    paused.addAll(List.of(partitions));
  }

  @Override
  public void resume(TopicPartition... partitions) {
    List.of(partitions).forEach(paused::remove);
  }

  @Override
  public void requestCommit() {
    commitsRequested++;
  }

  @Override
  public PluginMetrics pluginMetrics() {
    return null;
  }
}
