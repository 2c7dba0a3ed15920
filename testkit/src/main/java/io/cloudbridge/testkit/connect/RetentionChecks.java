package io.cloudbridge.testkit.connect;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Waits for the broker's time-based retention to have run, without sleeping: a canary topic gets a record stamped
 * long ago, and once the broker deleted it (the canary's earliest offset moved past it) a retention check has run
 * over every topic. The broker needs a short {@code log.retention.check.interval.ms} for this to be quick.
 */
public final class RetentionChecks implements AutoCloseable {

  private static final String CANARY = "retention-canary";
  private static final long LONG_AGO = Instant.parse("2015-01-01T00:00:00Z").toEpochMilli();

  private final Admin admin;
  private final KafkaProducer<String, String> producer;

  public RetentionChecks(String bootstrapServers) {
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
        new StringSerializer(), new StringSerializer());
  }

  /** Returns once the broker has run {@code checks} more retention checks. */
  public void awaitChecks(int checks, Duration timeout) {
    try {
      if (!admin.listTopics().names().get().contains(CANARY)) {
        admin.createTopics(java.util.List.of(new NewTopic(CANARY, 1, (short) 1))).all().get();
      }
      for (int i = 0; i < checks; i++) {
        long offset = producer.send(new ProducerRecord<>(CANARY, 0, LONG_AGO, "canary", "stamped 2015")).get()
            .offset();
        await("retention check " + (i + 1) + " of " + checks + " deleted the canary record").atMost(timeout)
            .until(() -> earliest(CANARY) > offset);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The earliest offset still in partition 0 of {@code topic}. */
  public long earliest(String topic) throws ExecutionException, InterruptedException {
    TopicPartition tp = new TopicPartition(topic, 0);
    return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get().offset();
  }

  /** The end offset of partition 0 of {@code topic}. */
  public long latest(String topic) throws ExecutionException, InterruptedException {
    TopicPartition tp = new TopicPartition(topic, 0);
    return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
  }

  @Override
  public void close() {
    producer.close();
    admin.close();
  }
}
