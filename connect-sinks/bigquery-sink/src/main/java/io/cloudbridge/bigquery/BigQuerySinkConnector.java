package io.cloudbridge.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Dataset;
import io.cloudbridge.common.gcp.GcpSinkConnector;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;

/**
 * Kafka records into BigQuery tables through the Storage Write API. Tasks share nothing but the tables; each
 * writes its partitions' records to their tables' default streams.
 */
public class BigQuerySinkConnector extends GcpSinkConnector {

  @Override
  protected AbstractConfig parse(Map<String, String> props) {
    return new BigQuerySinkConfig(props);
  }

  @Override
  protected String resourceProblem(AbstractConfig config) {
    return datasetProblem((BigQuerySinkConfig) config);
  }

  @Override
  protected String resourceSetting() {
    return BigQuerySinkConfig.DATASET;
  }

  @Override
  public Class<? extends Task> taskClass() {
    return BigQuerySinkTask.class;
  }

  @Override
  public ConfigDef config() {
    return BigQuerySinkConfig.CONFIG_DEF;
  }

  /** Why the dataset cannot be used, or null. */
  static String datasetProblem(BigQuerySinkConfig config) {
    BigQuery rest = Clients.rest(config);
    try {
      Dataset dataset = rest.getDataset(config.dataset());
      return dataset == null ? "dataset " + config.dataset() + " does not exist in project "
          + rest.getOptions().getProjectId() + " (or the credentials cannot see it)" : null;
    } catch (BigQueryException e) {
      String problem = "dataset " + config.dataset() + " cannot be read: " + e.getCode() + " " + e.getMessage();
      if (io.cloudbridge.common.gcp.GcpRetry.outageStatus(e.getCode())) {
        throw new Unreachable(problem, e);
      }
      return problem;
    }
  }
}
