package io.cloudbridge.testkit.connect;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a sink connector's consumer group has committed, read as an operator would, through the admin API. */
public final class ConsumerGroups {

  private ConsumerGroups() {}

  /** The group's committed offsets (with their metadata). */
  public static Map<TopicPartition, OffsetAndMetadata> committed(String bootstrapServers, String group)
      throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }
  }

  /**
   * Whether the group has committed, for every partition of the topic, the partition's end offset, each commit also
   * meeting {@code check} (e.g. carrying metadata).
   */
  public static boolean committedToTheEnd(String bootstrapServers, String group, String topic, int partitions,
      Predicate<OffsetAndMetadata> check) throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < partitions; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      for (var end : admin.listOffsets(latest).all().get().entrySet()) {
        OffsetAndMetadata c = committed.get(end.getKey());
        if (c == null || c.offset() < end.getValue().offset() || !check.test(c)) {
          return false;
        }
      }
      return true;
    }
  }
}
