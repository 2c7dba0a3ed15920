package io.cloudbridge.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BigQuerySinkConfigTest {

  @Test
  void tableNamesFollowBigQueryRules() {
    BigQuerySinkConfig c = new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.table.name.template", "raw_{{topic}}"));
    assertThat(c.table("shop.orders-v2")).isEqualTo("raw_shop_orders_v2");
    BigQuerySinkConfig byRegex = new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.table.name.regex", "shop\\.(\\w+)\\.([\\w-]+)", "bigquery.table.name.template", "{{1}}__{{2}}"));
    assertThat(byRegex.table("shop.inventory.customers-v2")).isEqualTo("inventory__customers_v2");
    assertThatThrownBy(() -> byRegex.table("other.topic")).hasMessageContaining("does not match");
  }

  @Test
  void rulesAcrossSettingsAreCheckedAtConfigTime() {
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.clustering.fields", "a,b,c,d,e"))).hasMessageContaining("at most four");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.table.name.template", "{{partition}}"))).hasMessageContaining("only {{topic}}");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.table.name.template", "{{1}}"))).hasMessageContaining("is not set");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.write.mode", "exactly_once"))).hasMessageContaining("kafka.bootstrap.servers");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d",
        "bigquery.write.mode", "batch_load"))).hasMessageContaining("bigquery.batch.gcs.bucket");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d", "bigquery.write.mode", "cdc",
        "bigquery.batch.gcs.bucket", "b"))).hasMessageContaining("cdc cannot load in batches")
        .hasMessageContaining("only append rows");
    assertThatThrownBy(() -> new BigQuerySinkConfig(Map.of("bigquery.dataset", "d", "bigquery.write.mode",
        "batch_load", "bigquery.batch.gcs.bucket", "b", "bigquery.batch.upload.chunk.bytes", "1000000")))
        .hasMessageContaining("262144");
    BigQuerySinkConfig batch = new BigQuerySinkConfig(Map.of("bigquery.dataset", "d", "bigquery.write.mode",
        "batch_load", "bigquery.batch.gcs.bucket", "b", "bigquery.batch.gcs.prefix", "loads"));
    assertThat(batch.batchFormat()).isEqualTo(StagedFormat.Kind.AVRO);
    assertThat(batch.batchPrefix()).isEqualTo("loads/");
    assertThat(batch.batchIntervalMs()).as("144 jobs a day per partition, within the 1,500 per table")
        .isEqualTo(600_000L);
  }

  @Test
  void everyBigQueryExampleIsAValidConfiguration() throws Exception {
    List<Path> examples;
    try (Stream<Path> files = Files.list(Path.of("../../config-examples"))) {
      examples = files.filter(p -> p.getFileName().toString().startsWith("bigquery-")).toList();
    }
    assertThat(examples).isNotEmpty();
    for (Path example : examples) {
      Map<String, String> props = new ObjectMapper().readValue(example.toFile(), new TypeReference<>() {});
      assertThat(props.get("connector.class")).isEqualTo(BigQuerySinkConnector.class.getName());
      assertThat(new BigQuerySinkConfig(props).dataset()).isNotBlank();
    }
  }
}
