package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.connect.PluginMetrics;
import io.cloudbridge.testkit.events.Arrived;
import io.cloudbridge.testkit.events.RealWorldEvents;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import io.cloudbridge.testkit.pipelines.ReferencePipelines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Events shaped like production ({@link RealWorldEvents}: EC2, S3, ECS, GuardDuty and CodePipeline service events,
 * custom orders with drifting shapes, unicode keys, a 250 KB event, old timestamps) through reference pipeline 1 as
 * config-examples has it, on a real worker: the SQS source learning one widening schema per detail-type, the
 * BigQuery sink auto-creating a table per topic, and the GCS sink writing Parquet. No dead letter anywhere, no task
 * failed, arrays stay arrays, every value arrives equal to what was sent (in BigQuery and in Parquet), tables change
 * only for fields the events newly carry, and Parquet objects are not rotated per event.
 */
class RealWorldEventsTest {

  private static final Path EXAMPLES = Path.of("../config-examples");
  private static final int ROUNDS = 30;
  private static final String PARQUET_SINK = "events-parquet-sink";

  @Test
  void theCorpusArrivesWholeInBigQueryAndParquetWithStableSchemas(@TempDir Path tmp) throws Exception {
    List<RealWorldEvents.Event> corpus = RealWorldEvents.corpus("rw", ROUNDS);
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start();
         ConnectCluster connect = ConnectCluster.builder().workers(1).pluginPath(PackagedPlugins.dir())
             .workerProperty("offset.flush.interval.ms", "1000").start();
         SqsClient sqsClient = sqs.client()) {
      Map<String, Map<String, String>> configs = ReferencePipelines.load(EXAMPLES, ReferencePipelines.EVENTS);
      Map<String, String> parquet = new HashMap<>(configs.get("events-gcs-sink"));
      parquet.put("format.output.type", "parquet");
      parquet.put("file.compression.type", "gzip");
      parquet.put("file.name.template", "parquet/{{topic}}/{{partition}}+{{start_offset:padding=true}}");
      parquet.put("rotate.schedule.interval.ms", "3000");
      parquet.put("errors.deadletterqueue.topic.name", "dlq.events.parquet");
      configs.put(PARQUET_SINK, parquet);
      ReferencePipelines.createResources(configs, sqs, gcs, bigQuery);
      configs.forEach((name, config) -> {
        ReferencePipelines.point(config, new ReferencePipelines.Endpoints(sqs.endpoint().uri(), s3.endpoint().uri(),
            gcs.url(), bigQuery.restUrl(), bigQuery.grpcEndpoint(), connect.bootstrapServers()));
        config.computeIfPresent("rotate.schedule.interval.ms", (k, v) -> "3000");
        connect.configureConnector(name, config);
      });
      configs.forEach((name, config) -> connect.awaitRunning(name, Integer.parseInt(config.get("tasks.max")),
          Duration.ofSeconds(90)));

      String queue = sqsClient.getQueueUrl(q -> q.queueName(configs.get("eventbridge-events-source")
          .get("sqs.queue.name"))).queueUrl();
      for (RealWorldEvents.Event e : corpus) {
        sqsClient.sendMessage(m -> m.queueUrl(queue).messageBody(e.json()));
      }

      // BigQuery: a table per topic, a row per event (at least once: a repeat is allowed, a loss is not)
      Map<String, Map<String, Object>> rows = new TreeMap<>();
      await("every event a row in BigQuery").atMost(Duration.ofMinutes(3)).ignoreExceptions().until(() -> {
        rows.clear();
        for (var table : bigQuery.bigQuery().listTables(ReferencePipelines.DATASET).iterateAll()) {
          bigQuery.rows(ReferencePipelines.DATASET, table.getTableId().getTable())
              .forEach(r -> rows.put((String) r.get("id"), r));
        }
        return rows.size() == corpus.size();
      });
      for (RealWorldEvents.Event e : corpus) {
        Map<String, Object> row = rows.get(e.id());
        assertThat(row).as(e.id()).isNotNull();
        assertThat(row.get("source")).isEqualTo(e.source());
        assertThat(row.get("detail_type")).isEqualTo(e.detailType());
        assertSame(e.id() + " detail", e.envelope().get("detail"), row.get("detail"));
        assertSame(e.id() + " resources", e.envelope().get("resources"), row.get("resources"));
      }
      // arrays are arrays, also where integral and fractional numbers mix
      Map<String, Object> order = rows.get("rw-order-1");
      assertThat((List<?>) ((Map<?, ?>) order.get("detail")).get("lines")).hasSize(3);
      assertThat(((Map<?, ?>) ((List<?>) ((Map<?, ?>) order.get("detail")).get("lines")).get(1)).get("unitPrice"))
          .isEqualTo(999.0);

      // Parquet: every event in an object, equal to what was sent
      Map<String, GenericRecord> records = new HashMap<>();
      Map<String, Integer> objectsPerPartition = new TreeMap<>();
      Map<String, String> unreadable = new TreeMap<>();
      try {
        await("every event in a Parquet object").atMost(Duration.ofMinutes(3)).until(() -> {
          records.clear();
          objectsPerPartition.clear();
          unreadable.clear();
          for (String name : gcs.objectNames(ReferencePipelines.BUCKET)) {
            if (name.startsWith("parquet/")) {
              objectsPerPartition.merge(name.substring(0, name.lastIndexOf('+')), 1, Integer::sum);
              try {
                readParquet(gcs.objectBytes(ReferencePipelines.BUCKET, name), tmp)
                    .forEach(r -> records.put(r.get("id").toString(), r));
              } catch (Exception e) {
                unreadable.put(name, String.valueOf(e)); // finalized objects are whole: this would be a bug
              }
            }
          }
          return records.size() == corpus.size();
        });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("Parquet: " + records.size() + " of " + corpus.size() + " events; objects "
            + objectsPerPartition + "; unreadable " + unreadable + "; missing " + corpus.stream()
            .map(RealWorldEvents.Event::id).filter(id -> !records.containsKey(id)).limit(20).toList(), e);
      }
      assertThat(unreadable).as("every Parquet object readable").isEmpty();
      for (RealWorldEvents.Event e : corpus) {
        assertSame(e.id() + " parquet detail", e.envelope().get("detail"), avroToJava(records.get(e.id()).get("detail")));
      }

      // no dead letter anywhere, no task failed
      assertThat(endOffsets(connect, "dlq.events.malformed", "dlq.events.bigquery", "dlq.events.gcs",
          "dlq.events.parquet")).allSatisfy((topic, end) -> assertThat(end).as(topic).isZero());
      configs.keySet().forEach(name -> connect.embedded().connectorStatus(name).tasks()
          .forEach(t -> assertThat(t.state()).as(name + " task " + t.id()).isEqualTo("RUNNING")));

      // Schema changes: the source widened its schemas only for fields the events newly carried; BigQuery changed
      // tables no more often (a second source task learns a stream on its own, once per stream at most); Parquet
      // objects rotate at those changes and on schedule, not per event.
      int sourceTasks = Integer.parseInt(configs.get("eventbridge-events-source").get("tasks.max"));
      long learned = PluginMetrics.sum("eventbridge-events-source", "schema-changes-total");
      long tableUpdates = PluginMetrics.sum("events-bigquery-sink", "schema-updates-total");
      int streams = RealWorldEvents.DETAIL_TYPES.size();
      System.out.printf("real-world corpus: %d events in %d streams, %d source schema changes, %d BigQuery table"
          + " updates, Parquet objects per partition %s%n", corpus.size(), streams, learned, tableUpdates,
          objectsPerPartition);
      assertThat(learned).isPositive().isLessThan(corpus.size() / 2);
      assertThat(tableUpdates).isLessThanOrEqualTo(learned + (long) (sourceTasks - 1) * streams);
      int objects = objectsPerPartition.values().stream().mapToInt(Integer::intValue).sum();
      // per partition: an object per 3 s window of arrivals, and one more where its stream's schema widened
      assertThat(objects).isLessThanOrEqualTo(objectsPerPartition.size() * 2 + (int) learned * 3);
      assertThat(objects).isLessThan(corpus.size() / 2);
    }
  }

  @Test
  void theCorpusAsPubSubPushBodiesBecomesRowsOfOneTableThroughBase64Envelope() throws Exception {
    List<RealWorldEvents.Event> corpus = RealWorldEvents.corpus("push", ROUNDS);
    try (BigQueryStandIn bigQuery = BigQueryStandIn.start();
         ConnectCluster connect = ConnectCluster.builder().workers(1).pluginPath(PackagedPlugins.dir())
             .workerProperty("offset.flush.interval.ms", "1000").start()) {
      Map<String, String> config = new HashMap<>(ReferencePipelines.load(EXAMPLES, "pubsub-payloads-to-bigquery")
          .get("pubsub-push-bigquery-sink"));
      bigQuery.bigQuery().create(com.google.cloud.bigquery.DatasetInfo.of(config.get("bigquery.dataset")));
      config.put("bigquery.endpoint.override", bigQuery.restUrl());
      config.put("bigquery.storage.endpoint.override", bigQuery.grpcEndpoint());
      String topic = config.get("topics");
      connect.createTopic(topic, 1);
      try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(Map.of(
          "bootstrap.servers", connect.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
          new org.apache.kafka.common.serialization.StringSerializer())) {
        for (RealWorldEvents.Event e : corpus) {
          String data = java.util.Base64.getEncoder().encodeToString(e.json().getBytes(
              java.nio.charset.StandardCharsets.UTF_8));
          producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, e.id(), "{\"message\":{\"data\":\""
              + data + "\",\"messageId\":\"" + e.id() + "\",\"publishTime\":\"2026-11-30T08:00:00Z\"},"
              + "\"subscription\":\"projects/shop/subscriptions/events-push\"}"));
        }
      }
      connect.configureConnector("push-bq", config);
      String table = config.get("bigquery.table.name.template");
      Map<String, Map<String, Object>> rows = new TreeMap<>();
      await("every push body a row").atMost(Duration.ofMinutes(2)).ignoreExceptions().until(() -> {
        rows.clear();
        bigQuery.rows(config.get("bigquery.dataset"), table).forEach(r -> rows.put((String) r.get("id"), r));
        return rows.size() == corpus.size();
      });
      // one topic, one learned stream for six kinds of event: every value arrives (as its JSON text where another
      // kind made the field text first, e.g. detail.version "0" of S3 events, then 1 of ECS events)
      for (RealWorldEvents.Event e : corpus) {
        assertSame(e.id(), e.envelope(), rows.get(e.id()));
      }
      assertThat(endOffsets(connect, config.get("errors.deadletterqueue.topic.name")).values()).containsOnly(0L);
      assertThat(connect.embedded().connectorStatus("push-bq").tasks().get(0).state()).isEqualTo("RUNNING");
      long tableUpdates = PluginMetrics.sum("push-bq", "schema-updates-total");
      System.out.printf("real-world corpus as push bodies: %d events, %d BigQuery table updates%n", corpus.size(),
          tableUpdates);
      assertThat(tableUpdates).isLessThan(corpus.size() / 4);
    }
  }

  private static void assertSame(String path, JsonNode expected, Object actual) {
    Arrived.assertArrived(path, expected, actual, true);
  }

  private static Object avroToJava(Object v) {
    if (v instanceof GenericRecord r) {
      Map<String, Object> out = new HashMap<>();
      r.getSchema().getFields().forEach(f -> out.put(f.name(), avroToJava(r.get(f.name()))));
      return out;
    }
    if (v instanceof java.util.Collection<?> c) {
      List<Object> out = new ArrayList<>();
      c.forEach(o -> out.add(avroToJava(o)));
      return out;
    }
    if (v instanceof CharSequence s) {
      return s.toString();
    }
    return v;
  }

  private static List<GenericRecord> readParquet(byte[] bytes, Path tmp) throws Exception {
    Path file = Files.createTempFile(tmp, "object", ".parquet");
    Files.write(file, bytes);
    List<GenericRecord> out = new ArrayList<>();
    try (var in = org.apache.parquet.avro.AvroParquetReader.<GenericRecord>builder(
        new org.apache.parquet.io.LocalInputFile(file), new org.apache.parquet.conf.PlainParquetConfiguration())
        .build()) {
      for (GenericRecord r = in.read(); r != null; r = in.read()) {
        out.add(r);
      }
    } finally {
      Files.delete(file);
    }
    return out;
  }

  /** The end offset of each topic (summed over partitions); 0 for a topic that does not exist. */
  private static Map<String, Long> endOffsets(ConnectCluster connect, String... topics) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", connect.bootstrapServers()))) {
      var existing = admin.listTopics().names().get();
      for (String topic : topics) {
        long end = 0;
        if (existing.contains(topic)) {
          var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          partitions.forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
          for (var info : admin.listOffsets(latest).all().get().values()) {
            end += info.offset();
          }
        }
        out.put(topic, end);
      }
    }
    return out;
  }
}
