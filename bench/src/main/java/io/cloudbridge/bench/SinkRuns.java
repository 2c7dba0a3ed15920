package io.cloudbridge.bench;

import io.cloudbridge.testkit.connect.ConnectCluster;
import java.lang.management.ManagementFactory;
import java.util.Properties;
import java.util.function.IntFunction;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the sink scenarios share: a backlog produced beforehand, and the worker's sink-task metrics. */
final class SinkRuns {

  private SinkRuns() {}

  /** Creates {@code topic} (one partition) and produces {@code records} values into it; returns their bytes. */
  static long backlog(ConnectCluster cluster, String topic, int records, IntFunction<String> value) {
    cluster.createTopic(topic, 1);
    Properties p = new Properties();
    p.put("bootstrap.servers", cluster.bootstrapServers());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("linger.ms", "20");
    p.put("batch.size", "524288");
    long bytes = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < records; i++) {
        String v = value.apply(i);
        bytes += v.length();
        producer.send(new ProducerRecord<>(topic, 0, null, v));
      }
    }
    return bytes;
  }

  /** A metric of Connect's sink-task metrics group for task 0 of the connector (0 before it exists). */
  static double sinkTaskMetric(String connector, String metric) {
    try {
      ObjectName name = new ObjectName("kafka.connect:type=sink-task-metrics,connector=" + connector + ",task=0");
      return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(name, metric)).doubleValue();
    } catch (Exception notYet) {
      return 0;
    }
  }
}
