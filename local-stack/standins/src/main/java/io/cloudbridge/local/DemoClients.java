package io.cloudbridge.local;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.DatasetInfo;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableResult;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import io.cloudbridge.testkit.aws.S3Notifications;
import io.cloudbridge.testkit.aws.S3Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The demo's view of the stack through the real clients: AWS SDK v2 for SQS and S3, Google's GCS and BigQuery clients
 * for the stand-ins, Kafka's admin, producer and a read_committed consumer. Counts what has arrived where.
 */
final class DemoClients implements AutoCloseable {

  static final String DATASET = "analytics";
  static final String BUCKET_LAKE = "demo-lake";
  static final String BUCKET_LOGS = "demo-logs";
  private static final List<String> QUEUES = List.of("shop-events", "log-archive-events");
  private static final List<String> PRODUCED_TOPICS = List.of("pubsub.push", "sfn.results");

  private final SqsClient sqs;
  private final S3Client s3;
  private final Storage gcs;
  private final BigQuery bigQuery;
  private final Admin admin;
  private final KafkaProducer<String, String> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, TopicSample> topics = new TreeMap<>();
  private final Map<String, Long> gcsLines = new HashMap<>();
  private Integer mariaDbPort;
  private String cdcSource;
  private List<String> cdcTables = List.of();

  record TopicSample(long records, String sample) {}

  record TableSample(long rows, List<String> firstRows) {}

  /** Every count the demo follows, keyed {@code kafka:<topic>}, {@code bigquery:<table>}, {@code gcs-lines:<object>}. */
  record Snapshot(Map<String, Long> counts) {
    /** The count of one name, or the sum over names that start with it when it ends with '.', '/' or '_'. */
    long sum(String counter) {
      boolean prefix = counter.endsWith(".") || counter.endsWith("/") || counter.endsWith("_");
      return counts.entrySet().stream().filter(e -> prefix ? e.getKey().startsWith(counter) : e.getKey().equals(counter))
          .mapToLong(Map.Entry::getValue).sum();
    }
  }

  DemoClients(Properties endpoints, String bootstrap) {
    StaticCredentialsProvider aws = StaticCredentialsProvider.create(AwsBasicCredentials.create(
        endpoints.getProperty("aws.access.key.id"), endpoints.getProperty("aws.secret.access.key")));
    Region region = Region.of(endpoints.getProperty("aws.region"));
    sqs = SqsClient.builder().endpointOverride(URI.create(endpoints.getProperty("sqs.endpoint"))).region(region)
        .credentialsProvider(aws).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    s3 = S3Client.builder().endpointOverride(URI.create(endpoints.getProperty("s3.endpoint"))).region(region)
        .credentialsProvider(aws).forcePathStyle(true).httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    gcs = StorageOptions.http().setHost(endpoints.getProperty("gcs.endpoint"))
        .setProjectId(endpoints.getProperty("gcs.project")).setCredentials(NoCredentials.getInstance()).build()
        .getService();
    bigQuery = BigQueryOptions.newBuilder().setHost(endpoints.getProperty("bigquery.rest.endpoint"))
        .setProjectId(endpoints.getProperty("bigquery.project")).setCredentials(NoCredentials.getInstance()).build()
        .getService();
    admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new StringSerializer(), new StringSerializer());
    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** The queues, buckets, dataset and input topics the examples name; all kept when they already exist. */
  void prepare() throws Exception {
    QUEUES.forEach(q -> sqs.createQueue(b -> b.queueName(q)));
    try {
      s3.createBucket(b -> b.bucket(BUCKET_LOGS));
    } catch (BucketAlreadyOwnedByYouException e) {
      // a second demo on the same stack
    }
    if (gcs.get(BUCKET_LAKE) == null) {
      gcs.create(BucketInfo.of(BUCKET_LAKE));
    }
    if (bigQuery.getDataset(DATASET) == null) {
      bigQuery.create(DatasetInfo.of(DATASET));
    }
    for (String topic : PRODUCED_TOPICS) {
      try {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    }
  }

  void sendToQueue(String queue, List<String> bodies) {
    String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
    for (int i = 0; i < bodies.size(); i += 10) {
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      for (int j = i; j < Math.min(bodies.size(), i + 10); j++) {
        batch.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody(bodies.get(j)).build());
      }
      var result = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
      if (!result.failed().isEmpty()) {
        throw new IllegalStateException("SQS refused demo messages: " + result.failed());
      }
    }
  }

  /** Puts an object, then sends the ObjectCreated:Put notification S3 would send (key form-encoded, as S3 does). */
  void putObjectAndNotify(String bucket, String key, byte[] bytes, String queue) {
    String etag = S3Server.put(s3, b -> b.bucket(bucket).key(key), bytes);
    String event = S3Notifications.created(bucket, key, etag, bytes.length);
    sendToQueue(queue, List.of(event));
  }

  void produce(String topic, List<String> values) {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      sent.add(producer.send(new ProducerRecord<>(topic, "k" + i, values.get(i))));
    }
    for (var f : sent) {
      try {
        f.get();
      } catch (Exception e) {
        throw new IllegalStateException("could not produce to " + topic, e);
      }
    }
  }

  /** Follows how many rows of a MariaDB table the given BigQuery CDC tables hold as they are (counter cdc:table). */
  void followCdc(int port, String sourceTable, List<String> tables) {
    this.mariaDbPort = port;
    this.cdcSource = sourceTable;
    this.cdcTables = List.copyOf(tables);
  }

  Snapshot snapshot() {
    Map<String, Long> counts = new TreeMap<>();
    if (mariaDbPort != null) {
      Map<Long, String> source = sourceCustomers();
      for (String table : cdcTables) {
        counts.put("cdc:" + table, matching(source, table));
      }
    }
    readTopics();
    topics.forEach((t, s) -> counts.put("kafka:" + t, s.records()));
    for (String table : bigQueryTables()) {
      Table t = bigQuery.getTable(TableId.of(DATASET, table));
      counts.put("bigquery:" + table, t == null || t.getNumRows() == null ? 0L : t.getNumRows().longValue());
    }
    for (Blob blob : gcs.list(BUCKET_LAKE).iterateAll()) {
      String id = blob.getName() + "#" + blob.getGeneration();
      long lines = gcsLines.computeIfAbsent(id, k -> lines(blob));
      counts.put("gcs-lines:" + blob.getName(), lines);
    }
    return new Snapshot(counts);
  }

  /** id → name|email|balance of the source table. */
  private Map<Long, String> sourceCustomers() {
    Map<Long, String> out = new TreeMap<>();
    for (String line : io.cloudbridge.testkit.mariadb.MariaDbServer.execute(mariaDbPort,
        "SELECT id, name, IFNULL(email, 'NULL'), balance FROM " + cdcSource)) {
      String[] f = line.split("\t");
      out.put(Long.parseLong(f[0]), f[1] + "|" + f[2] + "|" + new java.math.BigDecimal(f[3]).stripTrailingZeros());
    }
    return out;
  }

  /** Source rows the table holds exactly, less the rows it holds that the source no longer has. */
  private long matching(Map<Long, String> source, String table) {
    long matched = 0;
    long extra = 0;
    for (Map<String, String> row : rows(table)) {
      String email = row.get("email") == null ? "NULL" : row.get("email");
      String value = row.get("name") + "|" + email + "|" + new java.math.BigDecimal(row.get("balance")).stripTrailingZeros();
      String expected = source.get(Long.parseLong(row.get("id")));
      if (expected == null) {
        extra++;
      } else if (expected.equals(value)) {
        matched++;
      }
    }
    return Math.max(0, matched - extra);
  }

  /** Every row of a table (tabledata.list), top-level columns as BigQuery's text; none while it does not exist. */
  List<Map<String, String>> rows(String table) {
    List<Map<String, String>> out = new ArrayList<>();
    Table t = bigQuery.getTable(TableId.of(DATASET, table));
    if (t == null) {
      return out; // not created yet
    }
    Schema schema = t.<StandardTableDefinition>getDefinition().getSchema();
    for (FieldValueList row : bigQuery.listTableData(TableId.of(DATASET, table), schema).iterateAll()) {
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i < schema.getFields().size(); i++) {
        FieldValue v = row.get(i);
        if (!v.isNull() && v.getAttribute() == FieldValue.Attribute.PRIMITIVE) {
          m.put(schema.getFields().get(i).getName(), v.getStringValue());
        }
      }
      out.add(m);
    }
    return out;
  }

  /** Reads every user topic from the beginning (new partitions too), counting committed records per topic. */
  private void readTopics() {
    Set<TopicPartition> assigned = consumer.assignment();
    List<TopicPartition> all = new ArrayList<>();
    for (Map.Entry<String, List<PartitionInfo>> t : consumer.listTopics(Duration.ofSeconds(10)).entrySet()) {
      if (t.getKey().startsWith("_")) {
        continue;
      }
      t.getValue().forEach(p -> all.add(new TopicPartition(p.topic(), p.partition())));
    }
    if (!assigned.containsAll(all)) {
      List<TopicPartition> added = all.stream().filter(p -> !assigned.contains(p)).toList();
      consumer.assign(all);
      consumer.seekToBeginning(added);
    }
    Map<TopicPartition, Long> ends = consumer.endOffsets(all);
    for (int polls = 0; polls < 50 && behind(ends); polls++) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        TopicSample before = topics.get(r.topic());
        String value = r.value() == null ? "(tombstone)" : new String(r.value(), StandardCharsets.UTF_8);
        topics.put(r.topic(), new TopicSample(before == null ? 1 : before.records() + 1,
            before == null ? value : before.sample()));
      }
    }
  }

  private boolean behind(Map<TopicPartition, Long> ends) {
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return true;
      }
    }
    return false;
  }

  Map<String, TopicSample> topicSamples() {
    readTopics();
    return topics;
  }

  List<String> gcsObjectNames(String bucket) {
    List<String> names = new ArrayList<>();
    gcs.list(bucket).iterateAll().forEach(b -> names.add(b.getName()));
    return names;
  }

  List<String> bigQueryTables() {
    List<String> names = new ArrayList<>();
    bigQuery.listTables(DATASET).iterateAll().forEach(t -> names.add(t.getTableId().getTable()));
    return names;
  }

  /** The table's row count and its first rows, showing only {@code columns} (all when empty). */
  TableSample tableSample(String table, int rows, List<String> columns) {
    Table t = bigQuery.getTable(TableId.of(DATASET, table));
    Schema schema = t.<StandardTableDefinition>getDefinition().getSchema();
    TableResult result = bigQuery.listTableData(TableId.of(DATASET, table), schema,
        BigQuery.TableDataListOption.pageSize(rows));
    List<String> first = new ArrayList<>();
    for (FieldValueList row : result.getValues()) {
      if (first.size() == rows) {
        break;
      }
      first.add(describe(schema.getFields(), row, columns));
    }
    return new TableSample(result.getTotalRows(), first);
  }

  private static String describe(List<Field> fields, FieldValueList row, List<String> columns) {
    StringBuilder s = new StringBuilder("{");
    for (int i = 0; i < fields.size(); i++) {
      FieldValue v = row.get(i);
      if (v.isNull() || !columns.isEmpty() && !columns.contains(fields.get(i).getName())) {
        continue;
      }
      if (s.length() > 1) {
        s.append(", ");
      }
      s.append(fields.get(i).getName()).append('=');
      if (v.getAttribute() == FieldValue.Attribute.RECORD) {
        s.append(describe(fields.get(i).getSubFields(), v.getRecordValue(), List.of()));
      } else if (v.getAttribute() == FieldValue.Attribute.REPEATED) {
        s.append(v.getRepeatedValue().size()).append(" values");
      } else {
        s.append(v.getStringValue());
      }
    }
    return s.append('}').toString();
  }

  private long lines(Blob blob) {
    return text(blob).chars().filter(c -> c == '\n').count();
  }

  /**
   * An object's text. Objects stored with {@code Content-Encoding: gzip} arrive decompressed (the client asks for
   * decompressive transcoding); others ending in .gz arrive as stored and are decompressed here.
   */
  static String text(Blob blob) {
    byte[] bytes = blob.getContent();
    boolean gzip = bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
    try (InputStream in = gzip ? new GZIPInputStream(new ByteArrayInputStream(bytes)) : new ByteArrayInputStream(bytes)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading gs://" + blob.getBucket() + "/" + blob.getName(), e);
    }
  }

  @Override
  public void close() {
    consumer.close();
    producer.close();
    admin.close();
    sqs.close();
    s3.close();
  }
}
