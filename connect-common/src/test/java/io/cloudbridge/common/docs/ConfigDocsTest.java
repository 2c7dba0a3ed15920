package io.cloudbridge.common.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

  @Test
  void rendersEveryKeyWithTypeDefaultValidatorImportanceAndDoc() {
    ConfigDef def = new ConfigDef()
        .define("queue.url", ConfigDef.Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
            ConfigDef.Importance.HIGH, "URL of the SQS queue | with a pipe.")
        .define("max.messages", ConfigDef.Type.INT, 10, ConfigDef.Range.between(1, 10), ConfigDef.Importance.MEDIUM,
            "Messages per receive.")
        .define("formats", ConfigDef.Type.LIST, List.of("json", "avro"), ConfigDef.Importance.LOW, "Formats.");

    String md = ConfigDocs.markdown("SqsSource", "Reads SQS.", def);

    assertThat(md).startsWith("# SqsSource\n\nReads SQS.\n\n")
        .contains("| `queue.url` | string | (required) | non-empty string | high | URL of the SQS queue \\| with a pipe. |")
        .contains("| `max.messages` | int | `10` | [1,...,10] | medium | Messages per receive. |")
        .contains("| `formats` | list | `json,avro` |  | low | Formats. |");
  }

  enum Shape { ROUND, SQUARE }

  @Test
  void validatorsAndRecommendersPrintAsTextNeverAsJavaIdentities() {
    ConfigDef readable = new ConfigDef()
        .define("shapes", ConfigDef.Type.LIST, "round", io.cloudbridge.common.config.EnumChoice.listOf(Shape.values()),
            ConfigDef.Importance.LOW, "Shapes.");
    assertThat(ConfigDocs.markdown("X", null, readable)).contains("| `shapes` | list | `round` | any of round, square |");

    ConfigDef lambda = new ConfigDef().define("zone", ConfigDef.Type.STRING, "UTC", (name, value) -> { },
        ConfigDef.Importance.LOW, "Zone.");
    assertThatThrownBy(() -> ConfigDocs.markdown("X", null, lambda)).hasMessageContaining("zone")
        .hasMessageContaining("no readable description");
    ConfigDef.Recommender anonymous = new ConfigDef.Recommender() {
      @Override
      public List<Object> validValues(String name, java.util.Map<String, Object> parsed) {
        return List.of();
      }

      @Override
      public boolean visible(String name, java.util.Map<String, Object> parsed) {
        return true;
      }
    };
    ConfigDef recommended = new ConfigDef().define("source", ConfigDef.Type.STRING, "a", ConfigDef.Importance.LOW,
        "Source.", "g", 1, ConfigDef.Width.SHORT, "Source", anonymous);
    assertThatThrownBy(() -> ConfigDocs.markdown("X", null, recommended)).hasMessageContaining("source");
  }

  @Test
  void neverPrintsAPasswordDefault() {
    ConfigDef def = new ConfigDef().define("aws.secret.access.key", ConfigDef.Type.PASSWORD, "s3cr3t",
        ConfigDef.Importance.HIGH, "Secret key.");

    assertThat(ConfigDocs.markdown("X", null, def)).contains("[hidden]").doesNotContain("s3cr3t");
  }
}
