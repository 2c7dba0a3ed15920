package io.cloudbridge.gcs;

import com.google.cloud.storage.Bucket;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
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
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka records into GCS objects, every offset in exactly one object once: object names come from the offset of
 * their first record, a partition's open objects are finalized together after a marker records where they end,
 * and offsets are committed only up to finalized objects (see {@link PartitionWriter}).
 */
public class GcsSinkConnector extends SinkConnector {

  private Map<String, String> props;

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    GcsSinkConfig config = new GcsSinkConfig(props);
    String problem = bucketProblem(config);
    if (problem != null) {
      throw new ConnectException(problem);
    }
    this.props = Map.copyOf(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return GcsSinkTask.class;
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
    return GcsSinkConfig.CONFIG_DEF;
  }

  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config result = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = new HashMap<>();
    result.configValues().forEach(v -> values.put(v.name(), v));
    GcpConfig.validate(values);
    boolean clean = result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty());
    if (clean) {
      try {
        String problem = bucketProblem(new GcsSinkConfig(connectorConfigs));
        if (problem != null) {
          values.get(GcsSinkConfig.BUCKET).addErrorMessage(problem);
        }
      } catch (ConfigException e) {
        ConfigErrors.attach(e, values, GcsSinkConfig.BUCKET);
      }
    }
    return result;
  }

  /** Why the bucket cannot be written, or null. */
  static String bucketProblem(GcsSinkConfig config) {
    Storage storage = StorageClient.create(config);
    try {
      Bucket bucket = storage.get(config.bucket());
      if (bucket == null) {
        return "bucket gs://" + config.bucket() + " does not exist (or the credentials cannot see it)";
      }
      return null;
    } catch (StorageException e) {
      return "bucket gs://" + config.bucket() + " cannot be read: " + e.getCode() + " " + e.getMessage();
    } finally {
      try {
        storage.close();
      } catch (Exception ignored) {
        // nothing held that matters
      }
    }
  }
}
