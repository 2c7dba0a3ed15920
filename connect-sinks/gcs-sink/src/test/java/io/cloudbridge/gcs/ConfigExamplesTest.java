package io.cloudbridge.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.staging.format.OutputFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The GCS sink's REST JSON examples in config-examples/ are configurations the connector takes. */
class ConfigExamplesTest {

  @Test
  void everyGcsExampleIsAValidConfiguration() throws Exception {
    Path dir = Path.of("../../config-examples");
    List<Path> examples;
    try (Stream<Path> files = Files.list(dir)) {
      examples = files.filter(p -> p.getFileName().toString().startsWith("gcs-")).sorted().toList();
    }
    assertThat(examples).extracting(p -> p.getFileName().toString())
        .contains("gcs-action-logs-hive-gzip.json", "gcs-orders-parquet-by-day.json");
    for (Path example : examples) {
      Map<String, String> props = new ObjectMapper().readValue(example.toFile(), new TypeReference<>() {});
      assertThat(props.get("connector.class")).isEqualTo(GcsSinkConnector.class.getName());
      GcsSinkConfig config = new GcsSinkConfig(props);
      assertThat(config.outputFormat().extension()).as(example.toString()).isNotEmpty();
    }
  }
}
