package io.cloudbridge.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudbridge.testkit.mariadb.MariaDbServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * {@code bin/cloudbridge-local demo}: deploys reference pipelines 1, 2 and 4 (and 3 when the stack runs MariaDB) from
 * {@code config-examples/} through
 * the Connect REST API (their endpoints pointed at the running stand-ins), sends them sample data the way AWS and
 * Google would deliver it, shows their progress until everything arrived, then prints what arrived where.
 *
 * <p>Arguments: {@code --connect URL --endpoints FILE --examples DIR --bootstrap HOST:PORT [--timeout-s N]}.
 * Exits 0 when every record sent arrived in Kafka, BigQuery and GCS; 1 (saying what is missing) otherwise.
 */
public final class Demo {

  static final int EVENTS = 60;
  static final int ARCHIVES = 3;
  static final int LINES_PER_ARCHIVE = 40;
  static final int PUBSUB_MESSAGES = 20;
  static final int STEP_FUNCTION_RESULTS = 20;
  static final String[] USER_AGENTS = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"};
  static final String[] DETAIL_TYPES = {"Order Placed", "Checkout Started"};
  static final String[] SERVICES = {"checkout", "payments", "search"};
  static final int CUSTOMERS = 20;

  /** The columns shown for the events tables: what the transforms added, beside the event's id and type. */
  static final List<String> EVENT_COLUMNS = List.of("id", "detail_type", "event_date", "client", "_kafka_offset");
  static final String MARKER_PREFIX = "_cloudbridge/";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The demo's GCS sinks close objects after 10 s instead of the examples' 60 s, so the demo ends sooner. */
  static final String DEMO_ROTATE_MS = "10000";

  private final PrintStream out;
  private final DemoClients clients;
  private final ConnectRest connect;
  private final Path examples;
  private final Map<String, String> endpointRewrites;
  private final List<String> deployed = new ArrayList<>();
  private final Integer mariaDbPort;
  private int firstCustomer;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  Demo(PrintStream out, DemoClients clients, ConnectRest connect, Path examples, Map<String, String> endpointRewrites,
      Integer mariaDbPort) {
    this.out = out;
    this.mariaDbPort = mariaDbPort;
    this.clients = clients;
    this.connect = connect;
    this.examples = examples;
    this.endpointRewrites = endpointRewrites;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = StandIns.parse(args);
    Properties endpoints = new Properties();
    try (var in = Files.newInputStream(Path.of(opts.get("endpoints")))) {
      endpoints.load(in);
    }
    String bootstrap = opts.get("bootstrap");
    Duration timeout = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("timeout-s", "240")));
    int exit;
    try (DemoClients clients = new DemoClients(endpoints, bootstrap)) {
      Integer mariaDb = endpoints.containsKey("mariadb.port")
          ? Integer.valueOf(endpoints.getProperty("mariadb.port")) : null;
      if (mariaDb != null) {
        clients.followCdc(mariaDb, "shop.customers", List.of("replica_customers", "flat_customers"));
      }
      Demo demo = new Demo(System.out, clients, new ConnectRest(opts.get("connect")), Path.of(opts.get("examples")),
          rewrites(endpoints, bootstrap), mariaDb);
      exit = demo.run(timeout) ? 0 : 1;
    }
    System.exit(exit);
  }

  /** The examples name the local stack's default ports; the demo points them at wherever the stand-ins listen. */
  static Map<String, String> rewrites(Properties endpoints, String bootstrap) {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("http://127.0.0.1:9324", endpoints.getProperty("sqs.endpoint"));
    r.put("http://127.0.0.1:9000", endpoints.getProperty("s3.endpoint"));
    r.put("http://127.0.0.1:4443", endpoints.getProperty("gcs.endpoint"));
    r.put("http://127.0.0.1:9050", endpoints.getProperty("bigquery.rest.endpoint"));
    r.put("127.0.0.1:9060", endpoints.getProperty("bigquery.storage.endpoint"));
    r.put("127.0.0.1:9092", bootstrap);
    r.values().removeIf(v -> v == null);
    return r;
  }

  boolean run(Duration timeout) throws Exception {
    out.println("Cloudbridge demo (run " + run + "): reference pipelines 1, 2, 4" + (mariaDbPort != null ? " and 3" : "")
        + " from config-examples/");
    clients.prepare();
    if (mariaDbPort != null) {
      MariaDbServer.execute(mariaDbPort, "CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE IF NOT EXISTS"
          + " shop.customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128),"
          + " balance DECIMAL(10,2) NOT NULL)");
    }
    List<Expectation> expected = new ArrayList<>();
    Map<String, Long> before = clients.snapshot().counts();

    deploy("eventbridge-to-bigquery");
    deploy("s3-logs-to-gcs-and-bigquery");
    deploy("pubsub-payloads-to-bigquery");
    if (mariaDbPort != null) {
      seedCustomers();
      deploy("mysql-cdc-to-bigquery");
    } else {
      out.println("Pipeline 3 (MySQL CDC → BigQuery) skipped: MariaDB is not installed (or the stack was started"
          + " without it: bin/cloudbridge-local down, then demo again).");
    }

    out.println();
    sendEventBridgeEvents();
    expected.add(new Expectation("1 EventBridge → SQS → Kafka", "kafka:events.", EVENTS));
    expected.add(new Expectation("1 Kafka → BigQuery rows", "bigquery:events_", EVENTS));
    expected.add(new Expectation("1 Kafka → GCS lines", "gcs-lines:events/", EVENTS));
    uploadLogArchives();
    expected.add(new Expectation("2 S3 archives → Kafka", "kafka:logs.archive", ARCHIVES * LINES_PER_ARCHIVE));
    expected.add(new Expectation("2 Kafka → BigQuery rows", "bigquery:logs", ARCHIVES * LINES_PER_ARCHIVE));
    expected.add(new Expectation("2 Kafka → GCS lines", "gcs-lines:logs/", ARCHIVES * LINES_PER_ARCHIVE));
    producePubSubShapedPayloads();
    expected.add(new Expectation("4 Pub/Sub push bodies → BigQuery", "bigquery:pubsub_messages", PUBSUB_MESSAGES));
    expected.add(new Expectation("4 Step Functions output → BigQuery", "bigquery:step_function_results",
        STEP_FUNCTION_RESULTS));
    if (mariaDbPort != null) {
      long rows = changeCustomers();
      expected.add(Expectation.absolute("3 MariaDB rows matched in replica_customers (envelope)",
          "cdc:replica_customers", rows));
      expected.add(Expectation.absolute("3 MariaDB rows matched in flat_customers (unwrapped)",
          "cdc:flat_customers", rows));
    }

    out.println();
    boolean done = new Progress(out, clients, before, expected, connect, deployed).await(timeout);
    out.println();
    report();
    if (done) {
      out.println("Demo complete: every record sent arrived in Kafka, BigQuery and GCS"
          + (mariaDbPort != null ? "; the CDC tables equal MariaDB's." : "."));
    } else {
      out.println("Demo incomplete: see the lines above marked 'missing', and the worker log under logs/connect.log.");
    }
    out.println("Stop with: bin/cloudbridge-local down");
    return done;
  }

  /** PUTs every connector config of a pipeline directory, named after its file, and waits for it to run. */
  void deploy(String pipeline) throws Exception {
    List<Path> files;
    try (var list = Files.list(examples.resolve(pipeline))) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      ObjectNode config = (ObjectNode) JSON.readTree(file.toFile());
      Map<String, String> local = new LinkedHashMap<>();
      config.fields().forEachRemaining(e -> local.put(e.getKey(), localValue(e.getKey(), e.getValue().asText())));
      String name = file.getFileName().toString().replace(".json", "");
      connect.putConfig(name, local);
      names.add(name);
      deployed.add(name);
    }
    for (String name : names) {
      connect.awaitRunning(name, Duration.ofSeconds(90));
    }
    out.println("  deployed " + pipeline + ": " + String.join(", ", names) + " (running)");
  }

  private String localValue(String key, String value) {
    if (key.equals("rotate.schedule.interval.ms")) {
      return DEMO_ROTATE_MS;
    }
    // The MySQL example on the local MariaDB: Debezium's MariaDB connector takes the same settings.
    if (value.equals("io.debezium.connector.mysql.MySqlConnector")) {
      return "io.debezium.connector.mariadb.MariaDbConnector";
    }
    if (key.equals("database.port") && mariaDbPort != null) {
      return mariaDbPort.toString();
    }
    if (key.equals("database.password")) {
      return MariaDbServer.PASSWORD; // the example reads it from a file through a config provider
    }
    for (Map.Entry<String, String> r : endpointRewrites.entrySet()) {
      value = value.replace(r.getKey(), r.getValue());
    }
    return value;
  }

  /** Pipeline 1: EventBridge events as a rule delivers them to SQS (the event JSON is the message body). */
  void sendEventBridgeEvents() {
    List<String> bodies = new ArrayList<>();
    String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    for (int i = 0; i < EVENTS; i++) {
      ObjectNode event = JSON.createObjectNode().put("version", "0").put("id", run + "-event-" + i)
          .put("detail-type", DETAIL_TYPES[i % DETAIL_TYPES.length]).put("source", "com.example.shop")
          .put("account", "111122223333").put("time", now).put("region", "us-east-1");
      event.putArray("resources");
      event.putObject("detail").put("orderId", run + "-o" + i).put("total", 10 + i)
          .put("user_agent", USER_AGENTS[i % USER_AGENTS.length]);
      bodies.add(event.toString());
    }
    clients.sendToQueue("shop-events", bodies);
    out.println("  1  sent " + EVENTS + " EventBridge events (Order Placed, Checkout Started; Chrome, iPhone Safari,"
        + " Googlebot) to SQS queue shop-events");
  }

  /** Pipeline 2: gzip JSON-lines archives put in S3, and the object-created notifications S3 sends to SQS. */
  void uploadLogArchives() throws IOException {
    Instant now = Instant.now();
    String day = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(now);
    String hour = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC).format(now);
    List<String> keys = new ArrayList<>();
    for (int a = 0; a < ARCHIVES; a++) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
        for (int line = 0; line < LINES_PER_ARCHIVE; line++) {
          ObjectNode log = JSON.createObjectNode().put("date", now.plusMillis(line).toString())
              .put("service", SERVICES[(a + line) % SERVICES.length]).put("host", "i-0" + a)
              .put("status", line % 7 == 0 ? "warn" : "info")
              .put("message", "run " + run + " archive " + a + " line " + line);
          gz.write((log + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
      String key = "dd-archive/dt=" + day + "/hour=" + hour + "/archive_" + run + "_" + a + ".json.gz";
      clients.putObjectAndNotify("demo-logs", key, bytes.toByteArray(), "log-archive-events");
      keys.add(key);
    }
    out.println("  2  put " + ARCHIVES + " gzip log archives (" + LINES_PER_ARCHIVE + " lines each) in s3://demo-logs/"
        + keys.get(0).substring(0, keys.get(0).lastIndexOf('/') + 1) + " and sent their notifications to SQS");
  }

  /** Pipeline 4: Pub/Sub push request bodies and Step Functions {@code States.Base64Encode} output, into Kafka. */
  void producePubSubShapedPayloads() {
    Base64.Encoder b64 = Base64.getEncoder();
    List<String> pushes = new ArrayList<>();
    for (int i = 0; i < PUBSUB_MESSAGES; i++) {
      String data = JSON.createObjectNode().put("sku", "sku-" + i).put("quantity", i + 1).put("run", run).toString();
      ObjectNode body = JSON.createObjectNode().put("subscription", "projects/demo/subscriptions/stock-push");
      ObjectNode message = body.putObject("message").put("data", b64.encodeToString(data.getBytes(StandardCharsets.UTF_8)))
          .put("messageId", run + "-msg-" + i).put("publishTime", Instant.now().toString());
      message.putObject("attributes").put("origin", "warehouse-" + (i % 2));
      pushes.add(body.toString());
    }
    clients.produce("pubsub.push", pushes);
    List<String> results = new ArrayList<>();
    for (int i = 0; i < STEP_FUNCTION_RESULTS; i++) {
      String payload = JSON.createObjectNode().put("executionName", run + "-exec-" + i)
          .put("status", i % 5 == 0 ? "FAILED" : "SUCCEEDED").put("durationMs", 100 + i).toString();
      results.add(JSON.createObjectNode().put("encoded", b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)))
          .toString());
    }
    clients.produce("sfn.results", results);
    out.println("  4  produced " + PUBSUB_MESSAGES + " Pub/Sub push bodies to pubsub.push and " + STEP_FUNCTION_RESULTS
        + " Step Functions results to sfn.results");
  }

  void report() throws Exception {
    out.println("What arrived where:");
    out.println("  Kafka topics (records now, one of them):");
    for (Map.Entry<String, DemoClients.TopicSample> t : clients.topicSamples().entrySet()) {
      out.println("    " + t.getKey() + ": " + t.getValue().records() + "  e.g. " + clip(t.getValue().sample(), 150));
    }
    List<String> objects = clients.gcsObjectNames(DemoClients.BUCKET_LAKE);
    List<String> data = objects.stream().filter(o -> !o.startsWith(MARKER_PREFIX)).toList();
    out.println("  GCS objects in gs://" + DemoClients.BUCKET_LAKE + " (and " + (objects.size() - data.size())
        + " offset markers under " + MARKER_PREFIX + " that keep replays exact):");
    data.forEach(o -> out.println("    " + o));
    out.println("  BigQuery tables in " + DemoClients.DATASET + " (rows, then a few of them):");
    for (String table : clients.bigQueryTables()) {
      List<String> columns = table.startsWith("events_") ? EVENT_COLUMNS : List.of();
      DemoClients.TableSample sample = clients.tableSample(table, 3, columns);
      out.println("    " + table + ": " + sample.rows() + " rows");
      sample.firstRows().forEach(r -> out.println("      " + clip(r, 190)));
    }
  }

  static String clip(String s, int max) {
    String one = s.replace('\n', ' ');
    return one.length() <= max ? one : one.substring(0, max - 1) + "…";
  }

  /**
   * A count the demo waits for: a source of counts ({@code kafka:}, {@code bigquery:}, {@code gcs-lines:},
   * {@code cdc:} prefix), and whether it counts from what was there before the demo (records sent now) or not (rows
   * of a CDC table equal to the source's, which converge).
   */
  record Expectation(String label, String counter, long records, boolean fromBefore) {
    Expectation(String label, String counter, long records) {
      this(label, counter, records, true);
    }

    static Expectation absolute(String label, String counter, long records) {
      return new Expectation(label, counter, records, false);
    }
  }

  /** Pipeline 3's source table before Debezium starts (its snapshot): 20 customers more on every run. */
  void seedCustomers() {
    firstCustomer = Integer.parseInt(MariaDbServer.execute(mariaDbPort,
        "SELECT IFNULL(MAX(id), 0) + 1 FROM shop.customers").get(0).trim());
    StringBuilder insert = new StringBuilder("INSERT INTO shop.customers VALUES ");
    for (int i = 0; i < CUSTOMERS; i++) {
      int id = firstCustomer + i;
      insert.append(i == 0 ? "" : ", ").append("(").append(id).append(", 'customer ").append(id).append("', ")
          .append(i % 4 == 0 ? "NULL" : "'c" + id + "@example.com'").append(", ").append(10 + i).append(".50)");
    }
    MariaDbServer.execute(mariaDbPort, insert.toString());
    out.println("  3  inserted " + CUSTOMERS + " customers into MariaDB shop.customers (ROW binlog)");
  }

  /** Changes while the pipeline runs: updates (two in one transaction), deletes, a primary-key change. */
  long changeCustomers() {
    int f = firstCustomer;
    MariaDbServer.execute(mariaDbPort, "UPDATE shop.customers SET balance = balance + 1 WHERE id BETWEEN " + f
        + " AND " + (f + 4) + "; BEGIN; UPDATE shop.customers SET email = 'vip" + f + "@example.com' WHERE id = " + f
        + "; UPDATE shop.customers SET name = 'customer " + f + " (vip)' WHERE id = " + f + "; COMMIT;"
        + " DELETE FROM shop.customers WHERE id IN (" + (f + 5) + ", " + (f + 6) + ", " + (f + 7) + ");"
        + " UPDATE shop.customers SET id = " + (f + CUSTOMERS + 1000) + " WHERE id = " + (f + 8) + ";");
    long rows = Long.parseLong(MariaDbServer.execute(mariaDbPort, "SELECT COUNT(*) FROM shop.customers").get(0).trim());
    out.println("  3  changed them: 5 updates, 2 more in one transaction, 3 deletes, a primary-key change; "
        + rows + " customers now");
    return rows;
  }

}
