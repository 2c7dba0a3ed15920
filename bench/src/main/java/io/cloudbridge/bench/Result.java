package io.cloudbridge.bench;

import java.util.Arrays;

/** Figures of one run: records and bytes moved in a wall-clock time, per-record latencies, peak heap. */
record Result(String label, long records, long bytes, long nanos, long[] latenciesMicros, long peakHeapBytes) {

  double recordsPerSecond() {
    return records / (nanos / 1e9);
  }

  double megabytesPerSecond() {
    return bytes / 1048576.0 / (nanos / 1e9);
  }

  /** The p-th percentile latency in milliseconds, or NaN without latencies. */
  double latencyMillis(double p) {
    if (latenciesMicros.length == 0) {
      return Double.NaN;
    }
    long[] sorted = latenciesMicros.clone();
    Arrays.sort(sorted);
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1000.0;
  }

  String row() {
    return String.format("%-34s %10d %12.0f %8.2f %9.1f %9.1f %9.1f %10.1f", label, records, recordsPerSecond(),
        megabytesPerSecond(), latencyMillis(50), latencyMillis(95), latencyMillis(99), peakHeapBytes / 1048576.0);
  }

  static String header() {
    return String.format("%-34s %10s %12s %8s %9s %9s %9s %10s", "run", "records", "records/s", "MB/s", "p50 ms",
        "p95 ms", "p99 ms", "peak MiB");
  }
}
