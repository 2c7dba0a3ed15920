package io.cloudbridge.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this JVM's threads by role between {@link #start} and {@link #stop} (threads that ended meanwhile
 * are not counted), and the time the garbage collectors took: where the two cores went during a run.
 */
final class CpuWatch {

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> before = new LinkedHashMap<>();
  private final Map<Long, String> names = new LinkedHashMap<>();
  private long gcBefore;
  private long wallBefore;
  private long processBefore;

  static CpuWatch start() {
    CpuWatch w = new CpuWatch();
    for (ThreadInfo t : w.threads.getThreadInfo(w.threads.getAllThreadIds())) {
      if (t != null) {
        w.before.put(t.getThreadId(), Math.max(0, w.threads.getThreadCpuTime(t.getThreadId())));
      }
    }
    w.gcBefore = gcMillis();
    w.processBefore = processCpu();
    w.wallBefore = System.nanoTime();
    return w;
  }

  private static long processCpu() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : 0;
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  /** CPU time of the whole process since {@link #start}, in nanoseconds. */
  long processNanos() {
    return processCpu() - processBefore;
  }

  /** e.g. {@code cores used 1.9 of 2: task 0.95, uploads 0.21, GCS stand-in 0.30, broker 0.22, other 0.12; GC 0.4 s} */
  String stop() {
    double wall = (System.nanoTime() - wallBefore) / 1e9;
    Map<String, Long> byRole = new TreeMap<>();
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long now = threads.getThreadCpuTime(t.getThreadId());
      long was = before.getOrDefault(t.getThreadId(), 0L);
      if (now > was) {
        byRole.merge(role(t.getThreadName()), now - was, Long::sum);
      }
    }
    StringBuilder b = new StringBuilder();
    double total = byRole.values().stream().mapToLong(Long::longValue).sum() / 1e9 / wall;
    double process = (processCpu() - processBefore) / 1e9 / wall;
    b.append(String.format("cores busy %.2f of %d (threads seen %.2f, the rest JIT compilers and GC threads):",
        process, Runtime.getRuntime().availableProcessors(), total));
    byRole.forEach((role, nanos) -> b.append(String.format(" %s %.2f,", role, nanos / 1e9 / wall)));
    b.append(String.format(" GC %.2f s in %.2f s", (gcMillis() - gcBefore) / 1000.0, wall));
    return b.toString();
  }

  private static String role(String thread) {
    if (thread.startsWith("task-thread-") || thread.startsWith("pool-")) {
      return "connect-task";
    }
    if (thread.startsWith("cloudbridge-gcs-upload")) {
      return "sink-uploads";
    }
    if (thread.startsWith("GcsStandIn") || thread.startsWith("HTTP-Dispatcher")) {
      return "gcs-stand-in";
    }
    if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.startsWith("broker-")
        || thread.contains("raft") || thread.contains("quorum") || thread.startsWith("group-coordinator")) {
      return "broker";
    }
    if (thread.equals("main")) {
      return "bench-main";
    }
    return "other";
  }
}
