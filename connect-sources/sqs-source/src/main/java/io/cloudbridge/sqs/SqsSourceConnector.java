package io.cloudbridge.sqs;

import io.cloudbridge.common.sqs.SqsQueueSourceConnector;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;

/**
 * EventBridge events (or any messages) from an SQS queue into Kafka. Every task reads the same queue; SQS
 * spreads messages across them. Validation checks the configuration and that the queue can be read.
 */
public class SqsSourceConnector extends SqsQueueSourceConnector {

  @Override
  public Class<? extends Task> taskClass() {
    return SqsSourceTask.class;
  }

  @Override
  protected AbstractConfig parse(Map<String, String> props) {
    return new SqsSourceConfig(props);
  }

  @Override
  public ConfigDef config() {
    return SqsSourceConfig.CONFIG_DEF;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    // SQS cannot replay from an offset; delivery is at least once (delete after acknowledgement).
    return ExactlyOnceSupport.UNSUPPORTED;
  }
}
