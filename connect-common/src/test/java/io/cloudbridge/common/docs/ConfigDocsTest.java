package io.cloudbridge.common.docs;

import static org.assertj.core.api.Assertions.assertThat;

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

  @Test
  void neverPrintsAPasswordDefault() {
    ConfigDef def = new ConfigDef().define("aws.secret.access.key", ConfigDef.Type.PASSWORD, "s3cr3t",
        ConfigDef.Importance.HIGH, "Secret key.");

    assertThat(ConfigDocs.markdown("X", null, def)).contains("[hidden]").doesNotContain("s3cr3t");
  }
}
