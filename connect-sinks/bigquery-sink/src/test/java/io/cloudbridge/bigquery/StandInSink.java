package io.cloudbridge.bigquery;

import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The settings that point a BigQuery sink at the stand-in, for the integration tests to add theirs to; dead letters. */
final class StandInSink {

  private StandInSink() {}

  static Map<String, String> config(BigQueryStandIn bigQuery, String topics, String dataset) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", "io.cloudbridge.bigquery.BigQuerySinkConnector");
    c.put("tasks.max", "1");
    c.put("topics", topics);
    c.put("bigquery.dataset", dataset);
    c.put("gcp.project.id", BigQueryStandIn.PROJECT);
    c.put("gcp.credentials.source", "none");
    c.put("bigquery.endpoint.override", bigQuery.restUrl());
    c.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
    c.put("bigquery.storage.plaintext", "true");
    return c;
  }

  /** The dead letters in {@code topic} once there are at least {@code n} (all read from the start). */
  static List<ConsumerRecord<byte[], byte[]>> awaitDeadLetters(String bootstrapServers, String topic, int n) {
    try (KafkaConsumer<byte[], byte[]> dlq = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers,
        "group.id", topic + "-reader-" + System.nanoTime(), "auto.offset.reset", "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      dlq.subscribe(List.of(topic));
      List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
      org.awaitility.Awaitility.await("dead letters in " + topic).atMost(Duration.ofSeconds(60)).until(() -> {
        dlq.poll(Duration.ofMillis(500)).forEach(got::add);
        return got.size() >= n;
      });
      return got;
    }
  }

  /**
   * A one-worker Connect cluster loading the packaged plugin, JSON values with schemas, string keys, committing
   * offsets every {@code commitMs}. The caller closes it.
   */
  static io.cloudbridge.testkit.connect.ConnectCluster worker(long commitMs) {
    return io.cloudbridge.testkit.connect.ConnectCluster.builder().workers(1)
        .pluginPath(java.nio.file.Path.of(System.getProperty("cloudbridge.plugin.path")))
        .workerProperty("value.converter", "org.apache.kafka.connect.json.JsonConverter")
        .workerProperty("value.converter.schemas.enable", "true")
        .workerProperty("key.converter", "org.apache.kafka.connect.storage.StringConverter")
        .workerProperty("offset.flush.interval.ms", Long.toString(commitMs))
        .start();
  }
}
