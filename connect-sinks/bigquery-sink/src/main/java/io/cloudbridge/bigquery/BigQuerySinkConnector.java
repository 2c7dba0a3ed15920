package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Dataset;
import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.config.ConfigErrors;
import io.cloudbridge.common.gcp.GcpConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka records into BigQuery tables through the Storage Write API. Tasks share nothing but the tables; each
 * writes its partitions' records to their tables' default streams.
 */
public class BigQuerySinkConnector extends SinkConnector {

  private Map<String, String> props;

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    BigQuerySinkConfig config = new BigQuerySinkConfig(props);
    String problem = datasetProblem(config);
    if (problem != null) {
      throw new ConfigException(BigQuerySinkConfig.DATASET, config.dataset(), problem);
    }
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return BigQuerySinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) {
      configs.add(new HashMap<>(props));
    }
    return configs;
  }

  @Override
  public void stop() {
  }

  @Override
  public ConfigDef config() {
    return BigQuerySinkConfig.CONFIG_DEF;
  }

  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config result = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = new HashMap<>();
    result.configValues().forEach(v -> values.put(v.name(), v));
    GcpConfig.validate(values);
    if (result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty())) {
      try {
        String problem = datasetProblem(new BigQuerySinkConfig(connectorConfigs));
        if (problem != null) {
          values.get(BigQuerySinkConfig.DATASET).addErrorMessage(problem);
        }
      } catch (ConfigException e) {
        ConfigErrors.attach(e, values, BigQuerySinkConfig.DATASET);
      }
    }
    return result;
  }

  /** Why the dataset cannot be used, or null. */
  static String datasetProblem(BigQuerySinkConfig config) {
    BigQuery rest = Clients.rest(config);
    try {
      Dataset dataset = rest.getDataset(config.dataset());
      return dataset == null ? "dataset " + config.dataset() + " does not exist in project "
          + rest.getOptions().getProjectId() + " (or the credentials cannot see it)" : null;
    } catch (BigQueryException e) {
      return "dataset " + config.dataset() + " cannot be read: " + e.getCode() + " " + e.getMessage();
    }
  }
}
