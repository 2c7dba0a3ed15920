package io.cloudbridge.common.sqs;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.aws.AwsConfig;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * What the connectors that read an SQS queue share: every task gets the connector's configuration (SQS spreads
 * the messages across them), and validation checks the AWS settings, the cross-field rules of the connector's
 * config, and that the queue exists and can be read.
 */
public abstract class SqsQueueSourceConnector extends SourceConnector {

  private Map<String, String> props;

  /** The connector's config, parsed; throws ConfigException when it is not valid. */
  protected abstract AbstractConfig parse(Map<String, String> props);

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    parse(props);
    this.props = Map.copyOf(props);
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return Collections.nCopies(maxTasks, props);
  }

  @Override
  public void stop() {}

  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = config.configValues().stream()
        .collect(Collectors.toMap(ConfigValue::name, Function.identity()));
    AwsConfig.validate(values);
    if (config.configValues().stream().allMatch(v -> v.errorMessages().isEmpty())) {
      try {
        AbstractConfig parsed = parse(connectorConfigs);
        try (AwsClients aws = new AwsClients(new AwsConfig(parsed))) {
          QueueLocator.addErrorIfUnreadable(values, aws, SqsQueueConfig.settings(parsed));
        }
      } catch (ConfigException e) {
        values.get(settingOf(e, values)).addErrorMessage(e.getMessage());
      }
    }
    return config;
  }

  /** The setting a ConfigException names ("... for configuration NAME: ..."), else the queue URL. */
  private static String settingOf(ConfigException e, Map<String, ConfigValue> values) {
    String message = String.valueOf(e.getMessage());
    for (String name : values.keySet()) {
      if (message.contains("for configuration " + name + ":") || message.endsWith("for configuration " + name)) {
        return name;
      }
    }
    return SqsQueueConfig.QUEUE_URL;
  }
}
