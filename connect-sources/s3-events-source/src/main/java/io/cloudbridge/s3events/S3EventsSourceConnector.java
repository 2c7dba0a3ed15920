package io.cloudbridge.s3events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.sqs.QueueLocator;
import io.cloudbridge.common.sqs.SqsQueueSourceConnector;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * S3 objects into Kafka as they are created, driven by S3 event notifications on an SQS queue. Every task reads
 * the same queue; SQS spreads notifications, and so objects, across them. Supports exactly-once delivery
 * (KIP-618): each poll's records and offsets form one transaction.
 *
 * <p>Offsets (KIP-875): altering or resetting an object's offset through the Connect REST API also queues a
 * replay notification for that object on the connector's queue, so that when the connector resumes it reads the
 * object again from the new offset (from the start after a reset).
 */
public class S3EventsSourceConnector extends SqsQueueSourceConnector {

  private static final Logger log = LoggerFactory.getLogger(S3EventsSourceConnector.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Class<? extends Task> taskClass() {
    return S3EventsSourceTask.class;
  }

  @Override
  protected AbstractConfig parse(Map<String, String> props) {
    return new S3EventsSourceConfig(props);
  }

  @Override
  public ConfigDef config() {
    return S3EventsSourceConfig.CONFIG_DEF;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.SUPPORTED;
  }

  @Override
  public boolean alterOffsets(Map<String, String> connectorConfig, Map<Map<String, ?>, Map<String, ?>> offsets) {
    for (Map.Entry<Map<String, ?>, Map<String, ?>> e : offsets.entrySet()) {
      String problem = ObjectOffsets.problem(e.getKey(), e.getValue());
      if (problem != null) {
        throw new ConnectException(problem);
      }
    }
    S3EventsSourceConfig config = new S3EventsSourceConfig(connectorConfig);
    try (AwsClients aws = new AwsClients(config.aws());
         SqsClient sqs = aws.configure(SqsClient.builder(), 2).build()) {
      String url = QueueLocator.resolve(sqs, config.queue());
      for (Map<String, ?> partition : offsets.keySet()) {
        String body = replayNotification(partition);
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(body));
        log.info("Queued a replay of s3://{}/{} on {}", partition.get(ObjectOffsets.BUCKET),
            partition.get(ObjectOffsets.KEY), url);
      }
    }
    return true;
  }

  /** An S3-shaped notification that makes a task read the object again from its (altered) offset. */
  static String replayNotification(Map<String, ?> partition) {
    ObjectNode record = JSON.createObjectNode();
    record.put("eventSource", "cloudbridge:replay");
    record.put("eventName", ObjectEvent.REPLAY_EVENT);
    ObjectNode s3 = record.putObject("s3");
    s3.putObject("bucket").put("name", partition.get(ObjectOffsets.BUCKET).toString());
    ObjectNode object = s3.putObject("object")
        .put("key", URLEncoder.encode(partition.get(ObjectOffsets.KEY).toString(), StandardCharsets.UTF_8));
    if (partition.get(ObjectOffsets.VERSION) != null) {
      object.put("versionId", partition.get(ObjectOffsets.VERSION).toString());
    }
    ObjectNode root = JSON.createObjectNode();
    root.putArray("Records").add(record);
    return root.toString();
  }
}
