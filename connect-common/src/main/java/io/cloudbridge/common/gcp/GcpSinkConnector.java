package io.cloudbridge.common.gcp;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.config.ConfigErrors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.LoggerFactory;

/**
 * A sink into a Google Cloud resource (a bucket, a dataset) that the credentials must reach: validate() and start()
 * check it and say why it cannot be used; every task gets the connector's settings.
 */
public abstract class GcpSinkConnector extends SinkConnector {

  private Map<String, String> props;

  /** The connector's settings, parsed (a rule across settings throws a ConfigException naming the setting). */
  protected abstract AbstractConfig parse(Map<String, String> props);

  /**
   * Why the resource cannot be used (missing, unreadable), or null; throws {@link Unreachable} when the service does
   * not answer ({@link GcpRetry#outageStatus}): an outage, not a problem of the config.
   */
  protected abstract String resourceProblem(AbstractConfig config);

  /** The service did not answer the check (an outage): validation reports it, start() does not fail on it. */
  protected static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The setting that names the resource, where validate() reports its problems. */
  protected abstract String resourceSetting();

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    try {
      String problem = resourceProblem(parse(props));
      if (problem != null) {
        throw new ConnectException(problem);
      }
    } catch (Unreachable outage) {
      // The tasks wait out an outage (outage.timeout.ms); a connector failed now would stay FAILED until restarted.
      LoggerFactory.getLogger(getClass()).warn("{}; starting the tasks anyway: they wait for the service to answer",
          outage.getMessage());
    }
    this.props = Map.copyOf(props);
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
  public Config validate(Map<String, String> connectorConfigs) {
    Config result = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = new HashMap<>();
    result.configValues().forEach(v -> values.put(v.name(), v));
    GcpConfig.validate(values);
    if (result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty())) {
      try {
        String problem = resourceProblem(parse(connectorConfigs));
        if (problem != null) {
          values.get(resourceSetting()).addErrorMessage(problem);
        }
      } catch (Unreachable outage) {
        values.get(resourceSetting()).addErrorMessage(outage.getMessage());
      } catch (ConfigException e) {
        ConfigErrors.attach(e, values, resourceSetting());
      }
    }
    return result;
  }
}
