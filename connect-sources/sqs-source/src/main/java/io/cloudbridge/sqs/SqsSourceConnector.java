package io.cloudbridge.sqs;

import io.cloudbridge.common.sqs.QueueLocator;
import io.cloudbridge.common.sqs.SqsQueueConfig;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.aws.AwsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * EventBridge events (or any messages) from an SQS queue into Kafka. Every task reads the same queue; SQS
 * spreads messages across them. Validation checks the configuration and that the queue can be read.
 */
public class SqsSourceConnector extends SourceConnector {

  private Map<String, String> props;

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    new SqsSourceConfig(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return SqsSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) {
      configs.add(props);
    }
    return configs;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return SqsSourceConfig.CONFIG_DEF;
  }

  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = config.configValues().stream()
        .collect(Collectors.toMap(ConfigValue::name, Function.identity()));
    AwsConfig.validate(values);
    boolean clean = config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
    if (clean) {
      try {
        SqsSourceConfig parsed = new SqsSourceConfig(connectorConfigs);
        try (AwsClients aws = new AwsClients(parsed.aws())) {
          QueueLocator.addErrorIfUnreadable(values, aws, parsed.queue());
        }
      } catch (ConfigException e) {
        values.get(e.getMessage().contains(SqsSourceConfig.DEAD_LETTER_TOPIC) ? SqsSourceConfig.DEAD_LETTER_TOPIC
            : SqsQueueConfig.QUEUE_URL).addErrorMessage(e.getMessage());
      }
    }
    return config;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    // SQS cannot replay from an offset; delivery is at least once (delete after acknowledgement).
    return ExactlyOnceSupport.UNSUPPORTED;
  }
}
