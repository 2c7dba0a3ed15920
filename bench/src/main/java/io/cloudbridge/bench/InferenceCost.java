package io.cloudbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudbridge.common.json.JsonSchemaLearner;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.apache.kafka.connect.data.Schema;

/**
 * The CPU cost per record of schema inference for JSON without a schema, as the sources run it
 * ({@link JsonSchemaLearner}: learn the stream's widening schema, then convert the document to it), next to the cost
 * of parsing the same documents alone, measured on this thread's CPU clock over the same bodies in the same run.
 * Printed beside a source scenario's throughput figures; not part of the timed runs.
 */
final class InferenceCost {

  private static final ObjectMapper JSON = new ObjectMapper();

  private InferenceCost() {}

  /** Prints µs of CPU per record for parsing alone and for parsing, learning and converting; {@code streamOf} keys. */
  static void print(String label, List<String> bodies, java.util.function.Function<JsonNode, String> streamOf)
      throws Exception {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    int rounds = Math.max(1, 200_000 / Math.max(1, bodies.size()));
    long sink = 0;
    // warm-up of both paths
    JsonSchemaLearner warm = new JsonSchemaLearner();
    for (String b : bodies) {
      JsonNode n = JSON.readTree(b);
      sink += JsonSchemaLearner.value(n, warm.learn(streamOf.apply(n), n)) == null ? 0 : 1;
    }
    long start = cpu.getCurrentThreadCpuTime();
    for (int r = 0; r < rounds; r++) {
      for (String b : bodies) {
        sink += JSON.readTree(b).size();
      }
    }
    long parse = cpu.getCurrentThreadCpuTime() - start;
    JsonSchemaLearner learner = new JsonSchemaLearner();
    start = cpu.getCurrentThreadCpuTime();
    for (int r = 0; r < rounds; r++) {
      for (String b : bodies) {
        JsonNode n = JSON.readTree(b);
        Schema s = learner.learn(streamOf.apply(n), n);
        sink += JsonSchemaLearner.value(n, s) == null ? 0 : 1;
      }
    }
    long inferred = cpu.getCurrentThreadCpuTime() - start;
    long n = (long) rounds * bodies.size();
    System.out.printf("inference (%s, %d documents): parse alone %.2f µs CPU/record, parse + learn + convert %.2f µs"
        + " CPU/record, so inference %.2f µs CPU/record; %d schema changes (%d)%n", label, n, parse / 1e3 / n,
        inferred / 1e3 / n, (inferred - parse) / 1e3 / n, learner.changes(), sink % 2);
  }
}
