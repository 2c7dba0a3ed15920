package io.cloudbridge.suite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.testkit.aws.S3Server;
import io.cloudbridge.testkit.aws.SqsServer;
import io.cloudbridge.testkit.bigquery.BigQueryStandIn;
import io.cloudbridge.testkit.connect.ConnectCluster;
import io.cloudbridge.testkit.gcs.GcsStandIn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConfigInfos;
import org.junit.jupiter.api.Test;

/**
 * Every REST JSON example in config-examples/ passes a real worker's validation
 * ({@code PUT /connector-plugins/{class}/config/validate}) with zero errors, so the examples cannot rot. The worker
 * has the packaged plugins and Debezium's; the examples' endpoints are pointed at stand-ins started here, which hold
 * the queues, buckets and datasets the examples name.
 */
class ConfigExamplesTest {

  private static final Path EXAMPLES = Path.of("../config-examples");

  @Test
  void everyExampleValidatesWithoutErrorsOnARealWorker() throws Exception {
    List<Path> examples;
    try (Stream<Path> files = Files.walk(EXAMPLES)) {
      examples = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(examples).isNotEmpty();
    try (SqsServer sqs = SqsServer.start(); S3Server s3 = S3Server.inMemory(); GcsStandIn gcs = GcsStandIn.inMemory();
         BigQueryStandIn bigQuery = BigQueryStandIn.start()) {
      ConnectCluster connect = ConnectCluster.builder().workers(1).pluginPath(PackagedPlugins.dir())
          .workerProperty("plugin.path", PackagedPlugins.dir().toAbsolutePath() + ","
              + Path.of(System.getProperty("other.plugins.dir")).toAbsolutePath())
          .start();
      try {
        List<String> problems = new ArrayList<>();
        int validated = 0;
        for (Path example : examples) {
          Map<String, String> config = new ObjectMapper().readValue(example.toFile(), new TypeReference<>() {});
          if (!config.get("connector.class").startsWith("io.cloudbridge.")) {
            continue; // Debezium's source: its validation connects to the database; read as JSON only
          }
          validated++;
          config.putIfAbsent("name", example.getFileName().toString().replace(".json", "")); // as PUT's URL names it
          StandIns.point(config, sqs, s3, gcs, bigQuery);
          ConfigInfos result = connect.embedded().validateConnectorConfig(config.get("connector.class"), config);
          for (ConfigInfo info : result.values()) {
            if (!info.configValue().errors().isEmpty()) {
              problems.add(example.getFileName() + ": " + info.configValue().name() + ": "
                  + info.configValue().errors());
            }
          }
          if (result.errorCount() > 0 && problems.isEmpty()) {
            problems.add(example.getFileName() + ": " + result.errorCount() + " errors");
          }
        }
        assertThat(problems).as("validation errors of the examples").isEmpty();
        assertThat(validated).as("examples validated (all but Debezium's source)").isEqualTo(examples.size() - 1);

        // The same examples pointed at plain-http emulators on another host: each such endpoint is refused, by name.
        int refused = 0;
        for (Path example : examples) {
          Map<String, String> config = new ObjectMapper().readValue(example.toFile(), new TypeReference<>() {});
          if (!config.get("connector.class").startsWith("io.cloudbridge.")) {
            continue;
          }
          config.putIfAbsent("name", example.getFileName().toString().replace(".json", ""));
          StandIns.point(config, sqs, s3, gcs, bigQuery);
          List<String> elsewhere = new ArrayList<>();
          for (String key : List.of("aws.endpoint.override", "s3.endpoint.override", "gcs.endpoint.override",
              "bigquery.endpoint.override", "bigquery.storage.endpoint.override",
              "bigquery.batch.gcs.endpoint.override")) {
            if (config.containsKey(key)) {
              config.put(key, key.startsWith("bigquery.storage") ? "emulators.internal.example:9060"
                  : "http://emulators.internal.example:4566");
              elsewhere.add(key);
            }
          }
          ConfigInfos result = connect.embedded().validateConnectorConfig(config.get("connector.class"), config);
          List<String> refusedKeys = result.values().stream().map(ConfigInfo::configValue)
              .filter(v -> v.errors().stream().anyMatch(e -> e.contains("endpoint.plaintext.allowed=true")))
              .map(v -> v.name()).toList();
          assertThat(refusedKeys).as(example.getFileName().toString()).isNotEmpty().isSubsetOf(elsewhere);
          refused++;
        }
        assertThat(refused).isEqualTo(validated);
      } finally {
        connect.close();
      }
    }
  }
}
