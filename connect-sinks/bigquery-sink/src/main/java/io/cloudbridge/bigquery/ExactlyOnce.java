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
 *
 * <p>Resetting the connector's offsets (REST {@code DELETE}/{@code PATCH /connectors/<name>/offsets}) removes those
 * positions. So that a replay after a reset leaves the table unchanged, each partition's committed offset is also
 * kept as "written below" in a group of its own, {@code <group>.bigquery-written}, which holds no members and which
 * the reset does not touch: a partition starting without a saved position skips records below it (counted as rows
 * already present). Rows appended after the last commit of a task that crashed before the reset are not covered.
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
  private final Map<TopicPartition, PartitionStream> partitions = new java.util.concurrent.ConcurrentHashMap<>();
  /** Committed offsets read when partitions were assigned (null value: nothing committed), until first used. */
  private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
  /** Partitions replaying after an offsets reset: records below the offset are in the table already. */
  private final Map<TopicPartition, Long> skipBelow = new HashMap<>();
  /** The "written below" offsets last stored per partition, so only advances are stored. */
  private final Map<TopicPartition, Long> storedWritten = new HashMap<>();
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

  /** Each partition's wait for an outage of BigQuery to end (read by a metric, from another thread). */
  java.util.List<io.cloudbridge.common.retry.ServiceWait> outages() {
    java.util.List<io.cloudbridge.common.retry.ServiceWait> out = new java.util.ArrayList<>();
    for (PartitionStream p : partitions.values().toArray(new PartitionStream[0])) {
      out.add(p.outage());
    }
    return out;
  }

  void put(Collection<SinkRecord> records) {
    partitions.values().forEach(PartitionStream::newPut);
    confirmHolds();
    partitions.values().forEach(PartitionStream::complete);
    for (SinkRecord r : records) {
      PartitionStream p = partition(r);
      if (p == null) {
        hooks.present(1);
      } else {
        p.add(r);
      }
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
      p.resumeIfDue();
      p.send();
      p.complete();
      OffsetAndMetadata position = p.position();
      if (position != null) {
        out.put(tp, position);
      }
    });
    storeWritten(out);
    return out;
  }

  void close(Collection<TopicPartition> revoked) {
    for (TopicPartition tp : revoked) {
      PartitionStream p = partitions.remove(tp);
      if (p != null) {
        p.close();
      }
      committed.remove(tp);
      skipBelow.remove(tp);
      storedWritten.remove(tp);
    }
  }

  @Override
  public void close() {
    partitions.values().forEach(PartitionStream::close);
    partitions.clear();
    admin.close(Duration.ofSeconds(5));
  }

  /** The partition's stream, or null when the record is below what a replay after a reset skips. */
  private PartitionStream partition(SinkRecord r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
    PartitionStream p = partitions.get(tp);
    if (p != null) {
      return p;
    }
    TableRows rows = tableOfTopic.apply(r.topic());
    Long skip = skipBelow.get(tp);
    if (skip != null) {
      if (r.kafkaOffset() < skip) {
        return null;
      }
      skipBelow.remove(tp);
      log.info("{}: the replay reached offset {}, the first not written before; a new stream starts", tp, skip);
      p = PartitionStream.fresh(tp, rows, client, config, context, hooks);
      partitions.put(tp, p);
      return p;
    }
    if (!committed.containsKey(tp)) {
      committed.putAll(read(List.of(tp)));
    }
    OffsetAndMetadata at = committed.remove(tp);
    SavedPosition saved = at == null ? null : SavedPosition.decode(at.metadata());
    String tablePath = "projects/" + rows.table().getProject() + "/datasets/" + rows.table().getDataset()
        + "/tables/" + rows.table().getTable() + "/";
    if (saved != null && saved.stream().startsWith(tablePath)) {
      log.info("{}: resuming at offset {} as row {} of stream {}", tp, at.offset(), saved.row(), saved.stream());
      p = PartitionStream.restored(tp, at.offset(), saved, rows, client, config, context, hooks);
    } else {
      Long written = config.skipWritten() ? writtenBelow(tp) : null;
      if (written != null && r.kafkaOffset() < written) {
        log.info("{}: no saved stream position (offsets reset?) and records below offset {} are in {} already;"
            + " skipping them from offset {} on", tp, written, rows.name(), r.kafkaOffset());
        skipBelow.put(tp, written);
        return null;
      }
      if (at != null) {
        log.info("{}: the committed offset {} carries no stream position for {}; a new stream starts", tp,
            at.offset(), rows.name());
      }
      p = PartitionStream.fresh(tp, rows, client, config, context, hooks);
    }
    partitions.put(tp, p);
    return p;
  }

  /** The group that keeps "written below" offsets: never joined, so offset resets of the connector leave it alone. */
  private String writtenGroup() {
    return config.groupId() + ".bigquery-written";
  }

  private Long writtenBelow(TopicPartition tp) {
    OffsetAndMetadata o = readGroup(writtenGroup(), List.of(tp)).get(tp);
    if (o != null) {
      storedWritten.put(tp, o.offset());
    }
    return o == null ? null : o.offset();
  }

  /**
   * Stores the committed offsets that advanced as "written below" offsets. A failure is logged, not thrown: the
   * commit itself goes on, only a later offsets reset would write these rows again.
   */
  private void storeWritten(Map<TopicPartition, OffsetAndMetadata> commit) {
    if (!config.skipWritten()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> advanced = new HashMap<>();
    commit.forEach((tp, at) -> {
      Long stored = storedWritten.get(tp);
      if ((stored == null || at.offset() > stored) && !skipBelow.containsKey(tp)) {
        advanced.put(tp, new OffsetAndMetadata(at.offset()));
      }
    });
    if (advanced.isEmpty()) {
      return;
    }
    try {
      admin.alterConsumerGroupOffsets(writtenGroup(), advanced).all().get(30, TimeUnit.SECONDS);
      advanced.forEach((tp, at) -> storedWritten.put(tp, at.offset()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Could not store the written offsets {} in group {}: a replay after an offsets reset would write"
          + " these rows again", advanced, writtenGroup(), e);
    }
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
    return readGroup(config.groupId(), tps);
  }

  private Map<TopicPartition, OffsetAndMetadata> readGroup(String group, List<TopicPartition> tps) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    if (tps.isEmpty()) {
      return out;
    }
    try {
      Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets(Map.of(group,
              new ListConsumerGroupOffsetsSpec().topicPartitions(tps)))
          .partitionsToOffsetAndMetadata(group).get(30, TimeUnit.SECONDS);
      tps.forEach(tp -> out.put(tp, got.get(tp)));
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new RetriableException("Cannot read the committed offsets of group " + group + " from "
          + config.kafka().get("bootstrap.servers") + ": " + e.getMessage(), e);
    }
  }
}
