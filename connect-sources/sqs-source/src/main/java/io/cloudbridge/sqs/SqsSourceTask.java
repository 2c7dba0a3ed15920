package io.cloudbridge.sqs;

import io.cloudbridge.common.PluginVersion;
import io.cloudbridge.common.sqs.SqsQueueIntake;
import io.cloudbridge.common.aws.AwsClients;
import io.cloudbridge.common.metrics.Counter;
import io.cloudbridge.common.metrics.TaskMetrics;
import io.cloudbridge.common.retry.ServiceWait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Turns SQS messages into records. A message is deleted only after Kafka acknowledged its record
 * ({@link #commitRecord}); until then its visibility is renewed, and on stop it is released at once.
 * Delivery is at least once: a message whose record was written but whose delete was lost is delivered again.
 */
public class SqsSourceTask extends SourceTask {

  private static final Logger log = LoggerFactory.getLogger(SqsSourceTask.class);
  private static final int MAX_BATCH = 500;

  private SqsSourceConfig config;
  private AwsClients aws;
  private SqsQueueIntake queue;
  private String queueUrl;
  private BodyDecoder decoder;
  private RecordFactory records;
  private TaskMetrics metrics;
  private Counter produced;
  private Counter acknowledgedCount;
  private Counter malformed;

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new SqsSourceConfig(props);
    aws = new AwsClients(config.aws());
    // Connections for the long polls, as many deletes, and visibility changes.
    metrics = TaskMetrics.from(context);
    // As many delete threads as receivers, so deleting keeps pace with receiving.
    ServiceWait outage = new ServiceWait(config.queue().outageTimeoutMs());
    ServiceWait.gauges(metrics, "SQS", outage);
    queue = new SqsQueueIntake(aws, config.queue(), metrics, "messages", config.queue().receivers(), outage);
    queueUrl = queue.queueUrl();
    produced = metrics.counter("records-produced-total", "Records handed to Kafka Connect.");
    acknowledgedCount = metrics.counter("records-acknowledged-total", "Records Kafka acknowledged.");
    malformed = metrics.counter("messages-malformed-total", "Messages whose body the value format could not read.");
    decoder = new BodyDecoder(config.valueFormat(), config.schemas(), config.detailAsJson(), config.base64(),
        config.snsUnwrap(), config.declaredSchemas());
    records = new RecordFactory(config, queueUrl);
    metrics.gauge("schema-changes-total", "How often the schema learned for a stream of JSON bodies (per EventBridge"
        + " source and detail-type) widened with a new field; rare once a stream's shapes are known.",
        decoder::schemaChanges);
    log.info("Reading {} with {} receivers, at most {} messages in flight", queueUrl, config.queue().receivers(),
        config.queue().maxInFlight());
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    List<SourceRecord> out = new ArrayList<>();
    for (Message m : queue.take(MAX_BATCH, Duration.ofSeconds(1))) {
      try {
        out.add(records.record(m, decoder.decode(m.body())));
      } catch (MalformedMessageException e) {
        malformed.increment();
        String reason = e.getMessage();
        switch (config.malformedPolicy()) {
          case FAIL -> throw new ConnectException("SQS message " + m.messageId() + " on " + queueUrl
              + " is malformed: " + reason + " (malformed.policy=fail)", e);
          case DEAD_LETTER -> {
            log.warn("SQS message {} on {} is malformed ({}); sending it to {}", m.messageId(), queueUrl, reason,
                config.deadLetterTopic());
            out.add(records.deadLetter(m, reason));
          }
          case LEAVE -> {
            log.warn("SQS message {} on {} is malformed ({}); leaving it to the queue's redrive policy",
                m.messageId(), queueUrl, reason);
            queue.leave(m.messageId());
          }
        }
      }
    }
    produced.add(out.size());
    return out.isEmpty() ? null : out;
  }

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    // metadata is null when a transform dropped the record: that, too, is the pipeline being done with it.
    acknowledgedCount.increment();
    queue.done((String) record.sourceOffset().get(RecordFactory.MESSAGE_ID));
  }

  @Override
  public void stop() {
    if (queue != null) {
      queue.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (aws != null) {
      aws.close();
    }
  }
}
