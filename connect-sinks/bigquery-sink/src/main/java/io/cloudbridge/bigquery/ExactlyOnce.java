package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.storage.v1.BigQueryWriteClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The exactly-once mode of a task: a {@link PartitionStream} per assigned partition, restored from the position
 * saved with the partition's committed offset (read back from the consumer group through an admin client), and
 * that position handed to Connect's commit from {@code preCommit}.
 */
final class ExactlyOnce implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExactlyOnce.class);
  private static final long CONFIRM_EVERY_MS = 200;

  private final BigQuerySinkConfig config;
  private final BigQueryWriteClient client;
  private final SinkTaskContext context;
  private final Function<String, TableRows> tableOfTopic;
  private final PartitionStream.Hooks hooks;
  private final Admin admin;
  private final Map<TopicPartition, PartitionStream> partitions = new HashMap<>();
  /** Committed offsets read when partitions were assigned (null value: nothing committed), until first used. */
  private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
  private long lastConfirm;

  ExactlyOnce(BigQuerySinkConfig config, BigQueryWriteClient client, SinkTaskContext context,
      Function<String, TableRows> tableOfTopic, PartitionStream.Hooks hooks) {
    this.config = config;
    this.client = client;
    this.context = context;
    this.tableOfTopic = tableOfTopic;
    this.hooks = hooks;
    Map<String, Object> kafka = new HashMap<>(config.kafka());
    kafka.putIfAbsent("client.id", "cloudbridge-bigquery-" + config.groupId());
    this.admin = Admin.create(kafka);
  }

  void open(Collection<TopicPartition> assigned) {
    List<TopicPartition> toRead = new ArrayList<>();
    for (TopicPartition tp : assigned) {
      if (!partitions.containsKey(tp)) {
        toRead.add(tp);
      }
    }
    committed.putAll(read(toRead));
  }

  void put(Collection<SinkRecord> records) {
    partitions.values().forEach(PartitionStream::newPut);
    confirmHolds();
    partitions.values().forEach(PartitionStream::complete);
    for (SinkRecord r : records) {
      partition(r).add(r);
    }
    partitions.values().forEach(PartitionStream::send);
  }

  Map<TopicPartition, OffsetAndMetadata> preCommit() {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    // Partitions with no records since they were assigned keep what is committed: Connect would otherwise commit
    // their position without the saved stream position.
    committed.forEach((tp, at) -> {
      if (at != null) {
        out.put(tp, at);
      }
    });
    partitions.forEach((tp, p) -> {
      p.send();
      p.complete();
      OffsetAndMetadata position = p.position();
      if (position != null) {
        out.put(tp, position);
      }
    });
    return out;
  }

  void close(Collection<TopicPartition> revoked) {
    for (TopicPartition tp : revoked) {
      PartitionStream p = partitions.remove(tp);
      if (p != null) {
        p.close();
      }
      committed.remove(tp);
    }
  }

  @Override
  public void close() {
    partitions.values().forEach(PartitionStream::close);
    partitions.clear();
    admin.close(Duration.ofSeconds(5));
  }

  private PartitionStream partition(SinkRecord r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
    PartitionStream p = partitions.get(tp);
    if (p != null) {
      return p;
    }
    if (!committed.containsKey(tp)) {
      committed.putAll(read(List.of(tp)));
    }
    OffsetAndMetadata at = committed.remove(tp);
    TableRows rows = tableOfTopic.apply(r.topic());
    SavedPosition saved = at == null ? null : SavedPosition.decode(at.metadata());
    String tablePath = "projects/" + rows.table().getProject() + "/datasets/" + rows.table().getDataset()
        + "/tables/" + rows.table().getTable() + "/";
    if (saved != null && saved.stream().startsWith(tablePath)) {
      log.info("{}: resuming at offset {} as row {} of stream {}", tp, at.offset(), saved.row(), saved.stream());
      p = PartitionStream.restored(tp, at.offset(), saved, rows, client, config, context, hooks);
    } else {
      if (at != null) {
        log.info("{}: the committed offset {} carries no stream position for {}; a new stream starts", tp,
            at.offset(), rows.name());
      }
      p = PartitionStream.fresh(tp, rows, client, config, context, hooks);
    }
    partitions.put(tp, p);
    return p;
  }

  /** Partitions waiting for their hold's commit: confirmed once Kafka has it (looked up a few times a second). */
  private void confirmHolds() {
    List<TopicPartition> waiting = new ArrayList<>();
    partitions.forEach((tp, p) -> {
      if (p.awaitsConfirmation()) {
        waiting.add(tp);
      }
    });
    long now = System.currentTimeMillis();
    if (waiting.isEmpty() || now - lastConfirm < CONFIRM_EVERY_MS) {
      return;
    }
    lastConfirm = now;
    Map<TopicPartition, OffsetAndMetadata> found = read(waiting);
    waiting.forEach(tp -> partitions.get(tp).confirm(found.get(tp)));
  }

  private Map<TopicPartition, OffsetAndMetadata> read(List<TopicPartition> tps) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    if (tps.isEmpty()) {
      return out;
    }
    try {
      Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets(Map.of(config.groupId(),
              new ListConsumerGroupOffsetsSpec().topicPartitions(tps)))
          .partitionsToOffsetAndMetadata(config.groupId()).get(30, TimeUnit.SECONDS);
      tps.forEach(tp -> out.put(tp, got.get(tp)));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new RetriableException("Cannot read the committed offsets of group " + config.groupId() + " from "
          + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
    }
  }
}
