package io.cloudbridge.bigquery;

import com.google.api.gax.retrying.RetrySettings;
import io.cloudbridge.bigquery.rows.RowEncoder;
import io.cloudbridge.common.config.EnumChoice;
import io.cloudbridge.common.config.HttpUrl;
import io.cloudbridge.common.config.PlaintextEndpoints;
import io.cloudbridge.common.gcp.GcpConfig;
import io.cloudbridge.common.gcp.GcpRetry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of the BigQuery sink: where rows go (dataset, table per topic), how tables are created, how rows
 * are written through the Storage Write API (delivery mode, requests, bytes in flight, retries), and Google Cloud
 * access.
 */
public final class BigQuerySinkConfig extends AbstractConfig {

  private static final String BQ_GROUP = "BigQuery";
  private static final String TABLES_GROUP = "Tables";
  private static final String WRITE_GROUP = "Writing";

  public static final String DATASET = "bigquery.dataset";
  public static final String TABLE_TEMPLATE = "bigquery.table.name.template";
  public static final String TABLE_REGEX = "bigquery.table.name.regex";
  public static final String ENDPOINT = "bigquery.endpoint.override";
  public static final String STORAGE_ENDPOINT = "bigquery.storage.endpoint.override";
  public static final String STORAGE_PLAINTEXT = "bigquery.storage.plaintext";
  public static final String AUTO_CREATE = "auto.create.tables";
  public static final String PARTITION_TYPE = "bigquery.partition.type";
  public static final String PARTITION_FIELD = "bigquery.partition.field";
  public static final String CLUSTERING = "bigquery.clustering.fields";
  public static final String MODE = "bigquery.write.mode";
  public static final String REQUEST_BYTES = "bigquery.request.max.bytes";
  public static final String INFLIGHT_BYTES = "bigquery.inflight.max.bytes";
  public static final String DECIMAL_TYPE = "bigquery.decimal.type";
  public static final String JSON_FIELDS = "bigquery.json.fields";
  public static final String SCHEMA_UPDATE_TIMEOUT = "bigquery.schema.update.timeout.ms";
  public static final String KAFKA_COLUMNS = "bigquery.kafka.metadata.columns";
  public static final String INSERT_TIME_COLUMN = "bigquery.insert.time.column";
  public static final String CDC_MAX_STALENESS = "bigquery.cdc.max.staleness.minutes";
  public static final String SKIP_WRITTEN = "bigquery.exactly.once.skip.written";
  public static final String BATCH_BUCKET = "bigquery.batch.gcs.bucket";
  public static final String BATCH_PREFIX = "bigquery.batch.gcs.prefix";
  public static final String BATCH_ENDPOINT = "bigquery.batch.gcs.endpoint.override";
  public static final String BATCH_FORMAT = "bigquery.batch.format";
  public static final String BATCH_RECORDS = "bigquery.batch.flush.records";
  public static final String BATCH_BYTES = "bigquery.batch.flush.bytes";
  public static final String BATCH_INTERVAL = "bigquery.batch.flush.interval.ms";
  public static final String BATCH_KEEP = "bigquery.batch.keep.files";
  public static final String BATCH_MEMORY = "bigquery.batch.memory.bytes";
  public static final String BATCH_CHUNK = "bigquery.batch.upload.chunk.bytes";
  public static final String KAFKA_PREFIX = "kafka.";
  public static final String KAFKA_BOOTSTRAP = KAFKA_PREFIX + "bootstrap.servers";
  private static final String RETRY_PREFIX = "bigquery.";

  /** How rows reach the table (see the module README). */
  public enum Mode { AT_LEAST_ONCE, EXACTLY_ONCE, CDC, BATCH_LOAD }

  /** Time partitioning of the tables the sink creates. */
  public enum PartitionType { NONE, HOUR, DAY, MONTH, YEAR }

  /** The API's limit for one AppendRows request (20 MiB; 10 MB in older documents). */
  static final int API_REQUEST_LIMIT = 10_000_000;

  public static final ConfigDef CONFIG_DEF = GcpRetry.define(GcpConfig.addTo(definition()), RETRY_PREFIX,
      WRITE_GROUP, 20, "UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, ABORTED and dropped connections",
      "BigQuery (Storage Write appends and streams, table changes)");

  private static final String BATCH_GROUP = "Batch loads";

  private static ConfigDef definition() {
    int b = 0;
    int t = 0;
    int w = 0;
    int l = 0;
    return new ConfigDef()
        .define(DATASET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Dataset the tables are in; it must exist.", BQ_GROUP, ++b, Width.MEDIUM, "Dataset")
        .define(TABLE_TEMPLATE, Type.STRING, "{{topic}}", new ConfigDef.NonEmptyString(), Importance.HIGH,
            "Table of a record: {{topic}} is its topic, {{1}} to {{9}} the groups of " + TABLE_REGEX + " in it;"
                + " characters BigQuery table names do not take become '_'.", BQ_GROUP, ++b, Width.MEDIUM,
            "Table name")
        .define(TABLE_REGEX, Type.STRING, "", ConfigDef.LambdaValidator.with((name, value) -> {
          try {
            java.util.regex.Pattern.compile(value.toString());
          } catch (java.util.regex.PatternSyntaxException e) {
            throw new ConfigException(name, value, "not a regular expression: " + e.getDescription());
          }
        }, () -> "empty, or a Java regular expression"), Importance.LOW, "A regular expression every topic must match; its groups are {{1}} to {{9}} in "
            + TABLE_TEMPLATE + " (e.g. 'shop\\.(\\w+)\\.(\\w+)' with template '{{2}}').", BQ_GROUP, ++b,
            Width.MEDIUM, "Table name regex")
        .define(ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW,
            "BigQuery REST endpoint to call instead of https://bigquery.googleapis.com (tables), e.g. an emulator.",
            BQ_GROUP, ++b, Width.LONG, "REST endpoint")
        .define(STORAGE_ENDPOINT, Type.STRING, "", Importance.LOW,
            "host:port of the Storage Write API instead of bigquerystorage.googleapis.com:443.", BQ_GROUP, ++b,
            Width.MEDIUM, "Storage Write endpoint")
        .define(STORAGE_PLAINTEXT, Type.BOOLEAN, false, Importance.LOW,
            "Reach the Storage Write endpoint without TLS (emulators on localhost only).", BQ_GROUP, ++b,
            Width.SHORT, "Plaintext gRPC")
        .define(AUTO_CREATE, Type.BOOLEAN, true, Importance.MEDIUM,
            "Create a missing table from the first record's schema (with the partitioning and clustering below).",
            TABLES_GROUP, ++t, Width.SHORT, "Create tables")
        .define(PARTITION_TYPE, Type.STRING, "day", EnumChoice.of(PartitionType.values()), Importance.MEDIUM,
            "Time partitioning of created tables: none, hour, day, month or year.", TABLES_GROUP, ++t, Width.SHORT,
            "Partitioning")
        .define(PARTITION_FIELD, Type.STRING, "", Importance.MEDIUM,
            "TIMESTAMP, DATE or DATETIME column that partitions created tables; empty: ingestion time.",
            TABLES_GROUP, ++t, Width.MEDIUM, "Partition column")
        .define(CLUSTERING, Type.LIST, "", Importance.LOW,
            "Up to four columns that cluster created tables.", TABLES_GROUP, ++t, Width.LONG, "Clustering")
        .define(DECIMAL_TYPE, Type.STRING, "auto", EnumChoice.of(RowEncoder.DecimalType.values()),
            Importance.LOW, "What Decimal fields (and Debezium's VariableScaleDecimal) become: auto (NUMERIC when the"
                + " scale is at most 9 and the stated precision leaves at most 29 integer digits, else BIGNUMERIC),"
                + " numeric, or bignumeric.", TABLES_GROUP, ++t, Width.SHORT, "Decimal columns")
        .define(SCHEMA_UPDATE_TIMEOUT, Type.LONG, 20 * 60_000L, Range.atLeast(1_000), Importance.LOW,
            "How long rows that use columns the sink just added are sent again while BigQuery's"
                + " Storage Write API does not take them yet (a schema change reaches it only after minutes); the"
                + " task's partitions are paused meanwhile, nothing is dead-lettered. Past it the task fails naming"
                + " the table.", TABLES_GROUP, ++t, Width.SHORT, "Schema update wait")
        .define(JSON_FIELDS, Type.LIST, "", ConfigDef.LambdaValidator.with((name, value) -> {
          for (Object path : (List<?>) value) {
            String p = path.toString();
            if (p.isEmpty() || p.startsWith(".") || p.endsWith(".") || p.contains("..")) {
              throw new ConfigException(name, value, "'" + p + "' is no field path: field names joined by dots");
            }
          }
        }, () -> "field paths such as detail or detail.items"), Importance.MEDIUM,
            "Fields of the records (paths of field names joined by dots, e.g. detail) whose whole value, whatever"
            + " its shape, is written to one JSON column: for subtrees whose shape drifts from event to event (an"
            + " EventBridge event's detail), queried with JSON functions, so new keys there change no table. Created"
            + " tables get JSON columns for them; an existing JSON column takes any value the same way.",
            TABLES_GROUP, ++t, Width.LONG, "JSON fields")
        .define(KAFKA_COLUMNS, Type.LIST, "", EnumChoice.listOf(AddedColumns.Kafka.values()),
            Importance.LOW, "Kafka metadata each row carries in columns of its own: any of topic, partition,"
            + " offset, timestamp, key (columns _kafka_topic, _kafka_partition, _kafka_offset, _kafka_timestamp,"
            + " _kafka_key; a bytes key in base64).", TABLES_GROUP, ++t, Width.LONG, "Kafka metadata columns")
        .define(INSERT_TIME_COLUMN, Type.STRING, "", Importance.LOW,
            "A TIMESTAMP column that gets the time the sink wrote the row; empty for none.", TABLES_GROUP, ++t,
            Width.MEDIUM, "Insert time column")
        .define(MODE, Type.STRING, "at_least_once", EnumChoice.of(Mode.values()), Importance.HIGH,
            "at_least_once: the table's default stream, rows visible as soon as appended; a record may be written"
                + " again after a crash (before its offset was committed). exactly_once: a COMMITTED stream per"
                + " partition, rows appended at row offsets that are saved with the Kafka offset commit, so a record"
                + " redelivered after a crash or rebalance is refused by BigQuery instead of written twice (needs "
                + KAFKA_BOOTSTRAP + " to read the saved offsets back). cdc: change events (Debezium's envelope,"
                + " or rows unwrapped by ExtractNewRecordState) become UPSERT and DELETE rows with"
                + " _CHANGE_SEQUENCE_NUMBER on the default stream, into tables whose primary key is the Kafka key's"
                + " fields, so each table converges to its source table. batch_load: rows staged as files in the"
                + " GCS bucket " + BATCH_BUCKET + " and loaded by load jobs (free ingestion; rows visible minutes"
                + " later, after " + BATCH_INTERVAL + "), exactly once: each job's id is derived from the records it"
                + " loads, so a retried or replayed load is refused by BigQuery as a duplicate; not with change"
                + " events (load jobs only append).", WRITE_GROUP, ++w, Width.SHORT,
            "Write mode")
        .define(REQUEST_BYTES, Type.INT, 9 << 20, Range.between(64 * 1024, API_REQUEST_LIMIT), Importance.LOW,
            "Most bytes of rows in one AppendRows request; a batch that would pass it is split.", WRITE_GROUP, ++w,
            Width.SHORT, "Request size")
        .define(INFLIGHT_BYTES, Type.LONG, 64L << 20, Range.atLeast(1 << 20), Importance.MEDIUM,
            "Bytes of appends sent and not yet acknowledged, per table; the task waits beyond it.", WRITE_GROUP,
            ++w, Width.SHORT, "Bytes in flight")
        .define(CDC_MAX_STALENESS, Type.INT, 0, Range.between(0, 24 * 60), Importance.LOW,
            "cdc: max_staleness of the tables the sink creates, in minutes (how stale a query may read them in"
                + " exchange for cheaper merges); 0 leaves it unset, so every query merges pending changes.",
            WRITE_GROUP, ++w, Width.SHORT, "CDC max staleness")
        .define(SKIP_WRITTEN, Type.BOOLEAN, true, Importance.LOW,
            "exactly_once: keep each partition's committed offset also in the group <group>.bigquery-written, which"
                + " a reset of the connector's offsets leaves alone, and skip records below it when a partition"
                + " starts without a saved position, so a replay after a reset leaves the table unchanged. false"
                + " writes replayed records again (e.g. to reload a table emptied by hand; or delete that group).",
            WRITE_GROUP, ++w, Width.SHORT, "Skip written records on replay")
        .define(KAFKA_BOOTSTRAP, Type.STRING, "", Importance.MEDIUM,
            "exactly_once: the Kafka cluster of the connector's consumer group, to read the stream and row offset"
                + " saved with each partition's committed offset when the task starts. Other " + KAFKA_PREFIX
                + "* settings (security.protocol, sasl.*, ssl.*) are passed to that admin client; keep secrets in a"
                + " config provider.", WRITE_GROUP, ++w, Width.LONG, "Kafka for offsets")
        .define(BATCH_BUCKET, Type.STRING, "", Importance.HIGH,
            "batch_load: the GCS bucket files are staged in for load jobs (in the dataset's location, or a"
                + " multi-region containing it). The connector's credentials need storage.objects.create, get and"
                + " delete on it, and bigquery.jobs.create.", BATCH_GROUP, ++l, Width.MEDIUM, "Staging bucket")
        .define(BATCH_PREFIX, Type.STRING, "cloudbridge-loads/", Importance.LOW,
            "batch_load: the prefix of staged files (<prefix><table>/<topic>/<partition>/<first offset>-<id>.<ext>)"
                + " and of the loaded-offset markers (<prefix>_loaded/<connector>/<topic>/<partition>).",
            BATCH_GROUP, ++l, Width.MEDIUM, "Staging prefix")
        .define(BATCH_ENDPOINT, Type.STRING, "", new HttpUrl(), Importance.LOW,
            "batch_load: GCS JSON API endpoint instead of https://storage.googleapis.com, e.g. an emulator.",
            BATCH_GROUP, ++l, Width.LONG, "GCS endpoint")
        .define(BATCH_FORMAT, Type.STRING, "avro", EnumChoice.of(StagedFormat.Kind.values()), Importance.MEDIUM,
            "batch_load: the staged files' format: avro (keeps every type, snappy blocks), parquet (snappy pages; not"
                + " for tables with JSON columns) or jsonl.", BATCH_GROUP, ++l, Width.SHORT, "Staged format")
        .define(BATCH_RECORDS, Type.LONG, 1_000_000L, Range.atLeast(1), Importance.MEDIUM,
            "batch_load: a partition's file is loaded once it holds this many records.", BATCH_GROUP, ++l,
            Width.SHORT, "Records per load")
        .define(BATCH_BYTES, Type.LONG, 1L << 30, Range.atLeast(1 << 20), Importance.LOW,
            "batch_load: a partition's file is loaded once it holds this many bytes.", BATCH_GROUP, ++l,
            Width.SHORT, "Bytes per load")
        .define(BATCH_INTERVAL, Type.LONG, 10 * 60_000L, Range.atLeast(1_000), Importance.HIGH,
            "batch_load: a partition's file is loaded at the latest this long after its first record, also when"
                + " no more records come (a timer). Each load is a job: BigQuery allows 1,500 load jobs per table per"
                + " day, so keep (partitions of the table's topics) x (a day / this interval) below it: 10 minutes"
                + " is 144 jobs per partition a day.", BATCH_GROUP, ++l, Width.SHORT, "Load interval")
        .define(BATCH_KEEP, Type.BOOLEAN, false, Importance.LOW,
            "batch_load: keep staged files after their load (by default each is deleted once its job is DONE; a"
                + " failed load's file is always kept). A bucket lifecycle rule deleting objects under the prefix"
                + " after a day is an alternative that also removes files of loads a crash left behind.",
            BATCH_GROUP, ++l, Width.SHORT, "Keep staged files")
        .define(BATCH_MEMORY, Type.LONG, 128L << 20, Range.atLeast(4L << 20), Importance.MEDIUM,
            "batch_load: memory the task's staged files may hold in upload buffers; beyond it the task sends"
                + " what it holds and waits for uploads.", BATCH_GROUP, ++l, Width.SHORT, "Staging memory")
        .define(BATCH_CHUNK, Type.INT, 8 << 20, ConfigDef.LambdaValidator.with((name, value) -> {
          int v = (Integer) value;
          if (v < 256 * 1024 || v % (256 * 1024) != 0) {
            throw new ConfigException(name, value, "a multiple of 262144 (256 KiB), GCS's resumable upload unit");
          }
        }, () -> "a multiple of 262144"), Importance.LOW,
            "batch_load: bytes of a staged file sent per resumable upload request.", BATCH_GROUP, ++l,
            Width.SHORT, "Upload chunk");
  }

  private final GcpConfig gcp;
  private final java.util.regex.Pattern tableRegex;
  private final Map<String, String> tables = new java.util.concurrent.ConcurrentHashMap<>();

  public BigQuerySinkConfig(Map<String, ?> props) {
    super(CONFIG_DEF, props);
    gcp = new GcpConfig(this);
    PlaintextEndpoints.require(this, ENDPOINT);
    PlaintextEndpoints.requireGrpc(this, STORAGE_ENDPOINT, STORAGE_PLAINTEXT);
    GcpRetry.check(this, RETRY_PREFIX);
    if (mode() == Mode.EXACTLY_ONCE && getString(KAFKA_BOOTSTRAP).isBlank()) {
      throw new ConfigException(KAFKA_BOOTSTRAP, "", "exactly_once reads the offsets it saved with the consumer"
          + " group's commits back from Kafka: set the bootstrap servers of the Connect cluster's Kafka");
    }
    if (mode() == Mode.BATCH_LOAD && getString(BATCH_BUCKET).isBlank()) {
      throw new ConfigException(BATCH_BUCKET, "", "batch_load stages files in a GCS bucket for its load jobs: set"
          + " the bucket");
    }
    if (mode() == Mode.CDC) {
      for (String key : originalsStrings().keySet()) {
        if (key.startsWith("bigquery.batch.")) {
          throw new ConfigException(key, originalsStrings().get(key), "cdc cannot load in batches: load jobs only"
              + " append rows, they cannot apply UPSERTs and DELETEs (BigQuery applies changes only through Storage"
              + " Write's _CHANGE_TYPE); use cdc without bigquery.batch.* settings, or batch_load for append-only"
              + " topics");
        }
      }
    }
    PlaintextEndpoints.require(this, BATCH_ENDPOINT);
    if (clustering().size() > 4) {
      throw new ConfigException(CLUSTERING, clustering(), "BigQuery clusters by at most four columns");
    }
    if (!getString(TABLE_TEMPLATE).replace("{{topic}}", "").replaceAll("\\{\\{[1-9]}}", "").matches("[^{}]*")) {
      throw new ConfigException(TABLE_TEMPLATE, getString(TABLE_TEMPLATE), "only {{topic}} and {{1}} to {{9}}"
          + " (groups of " + TABLE_REGEX + ") are known");
    }
    tableRegex = getString(TABLE_REGEX).isEmpty() ? null : java.util.regex.Pattern.compile(getString(TABLE_REGEX));
    if (tableRegex == null && getString(TABLE_TEMPLATE).matches(".*\\{\\{[1-9]}}.*")) {
      throw new ConfigException(TABLE_TEMPLATE, getString(TABLE_TEMPLATE), "uses regex groups, but " + TABLE_REGEX
          + " is not set");
    }
  }

  public GcpConfig gcp() {
    return gcp;
  }

  public String dataset() {
    return getString(DATASET);
  }

  /**
   * The table of a topic's records, as BigQuery names tables: letters, digits and underscores. A topic the table
   * regex does not match fails with a ConnectException naming both.
   */
  public String table(String topic) {
    return tables.computeIfAbsent(topic, this::tableOf);
  }

  private String tableOf(String topic) {
    String name = getString(TABLE_TEMPLATE).replace("{{topic}}", topic);
    if (tableRegex != null) {
      java.util.regex.Matcher m = tableRegex.matcher(topic);
      if (!m.matches()) {
        throw new org.apache.kafka.connect.errors.ConnectException("topic " + topic + " does not match "
            + TABLE_REGEX + " " + tableRegex.pattern());
      }
      for (int g = 1; g <= 9; g++) {
        name = name.replace("{{" + g + "}}", g <= m.groupCount() && m.group(g) != null ? m.group(g) : "");
      }
    }
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length() && b.length() < 1024; i++) {
      char c = name.charAt(i);
      b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' ? c : '_');
    }
    return b.toString();
  }

  public String endpoint() {
    return getString(ENDPOINT).trim().replaceAll("/+$", "");
  }

  public String storageEndpoint() {
    return getString(STORAGE_ENDPOINT).trim();
  }

  public boolean storagePlaintext() {
    return getBoolean(STORAGE_PLAINTEXT);
  }

  public boolean autoCreate() {
    return getBoolean(AUTO_CREATE);
  }

  public PartitionType partitionType() {
    return EnumChoice.parse(PartitionType.class, getString(PARTITION_TYPE));
  }

  public String partitionField() {
    return getString(PARTITION_FIELD).trim();
  }

  public List<String> clustering() {
    return getList(CLUSTERING);
  }

  public Mode mode() {
    return EnumChoice.parse(Mode.class, getString(MODE));
  }

  /** The consumer group whose commits carry the saved stream offsets: Connect's {@code connect-<name>} default. */
  public String groupId() {
    Object override = originals().get("consumer.override.group.id");
    return override != null ? override.toString() : "connect-" + originals().get("name");
  }

  public boolean skipWritten() {
    return getBoolean(SKIP_WRITTEN);
  }

  /** Settings of the admin client that reads committed offsets back: the {@code kafka.*} ones. */
  public Map<String, Object> kafka() {
    return originalsWithPrefix(KAFKA_PREFIX);
  }

  public long outageTimeoutMs() {
    return getLong(io.cloudbridge.common.retry.ServiceWait.OUTAGE_TIMEOUT);
  }

  public long schemaUpdateTimeoutMs() {
    return getLong(SCHEMA_UPDATE_TIMEOUT);
  }

  /** Field paths written as JSON columns. */
  public java.util.Set<String> jsonFields() {
    return java.util.Set.copyOf(getList(JSON_FIELDS));
  }

  public RowEncoder.DecimalType decimalType() {
    return EnumChoice.parse(RowEncoder.DecimalType.class, getString(DECIMAL_TYPE));
  }

  /** The columns added to every row (Kafka metadata, insert time). */
  AddedColumns addedColumns() {
    List<AddedColumns.Kafka> kafka = new java.util.ArrayList<>();
    getList(KAFKA_COLUMNS).forEach(c -> kafka.add(EnumChoice.parse(AddedColumns.Kafka.class, c)));
    return new AddedColumns(kafka, getString(INSERT_TIME_COLUMN).trim());
  }

  public int cdcMaxStalenessMinutes() {
    return getInt(CDC_MAX_STALENESS);
  }

  public int requestBytes() {
    return getInt(REQUEST_BYTES);
  }

  public long inflightBytes() {
    return getLong(INFLIGHT_BYTES);
  }

  public String batchBucket() {
    return getString(BATCH_BUCKET).trim();
  }

  public String batchPrefix() {
    String p = getString(BATCH_PREFIX).trim();
    return p.isEmpty() || p.endsWith("/") ? p : p + "/";
  }

  public java.net.URI batchEndpoint() {
    String s = getString(BATCH_ENDPOINT).trim();
    return s.isEmpty() ? null : java.net.URI.create(s);
  }

  StagedFormat.Kind batchFormat() {
    return EnumChoice.parse(StagedFormat.Kind.class, getString(BATCH_FORMAT));
  }

  public long batchMaxRecords() {
    return getLong(BATCH_RECORDS);
  }

  public long batchMaxBytes() {
    return getLong(BATCH_BYTES);
  }

  public long batchIntervalMs() {
    return getLong(BATCH_INTERVAL);
  }

  public boolean batchKeepFiles() {
    return getBoolean(BATCH_KEEP);
  }

  public long batchMemoryBytes() {
    return getLong(BATCH_MEMORY);
  }

  public int batchChunkBytes() {
    return getInt(BATCH_CHUNK);
  }

  public RetrySettings retrySettings() {
    return GcpRetry.settings(this, RETRY_PREFIX);
  }

  /**
   * How long a Storage Write connection that keeps failing is re-established by the client before it fails the
   * requests waiting on it: the client's default is 5 minutes (ConnectionWorker's {@code maxRetryDuration}), during
   * which appends neither land nor fail. Here the attempts times the longest backoff ({@code bigquery.retry.*}; 128 s
   * by default), after which the task's own outage handling ({@code outage.timeout.ms}) takes over and shows it.
   */
  public java.time.Duration connectionRetryDuration() {
    return java.time.Duration.ofMillis((long) getInt(GcpRetry.attempts(RETRY_PREFIX))
        * getLong(GcpRetry.max(RETRY_PREFIX)));
  }
}
