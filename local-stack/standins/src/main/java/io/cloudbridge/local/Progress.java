package io.cloudbridge.local;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shows how far each pipeline stage is until all arrived: redrawn in place on a terminal, a line per change
 * otherwise (a CI log, a pipe). Stops early when a connector or task fails, printing Connect's trace.
 */
final class Progress {

  private static final int BAR = 24;
  private final PrintStream out;
  private final DemoClients clients;
  private final DemoClients.Snapshot before;
  private final List<Demo.Expectation> expected;
  private final ConnectRest connect;
  private final List<String> connectors;
  private final boolean terminal = System.console() != null;

  Progress(PrintStream out, DemoClients clients, Map<String, Long> before, List<Demo.Expectation> expected,
      ConnectRest connect, List<String> connectors) {
    this.out = out;
    this.clients = clients;
    this.before = new DemoClients.Snapshot(before);
    this.expected = expected;
    this.connect = connect;
    this.connectors = connectors;
  }

  boolean await(Duration timeout) throws Exception {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    List<String> last = List.of();
    boolean drawn = false;
    while (true) {
      DemoClients.Snapshot now = clients.snapshot();
      List<String> lines = new ArrayList<>();
      boolean all = true;
      for (Demo.Expectation e : expected) {
        long got = now.sum(e.counter()) - (e.fromBefore() ? before.sum(e.counter()) : 0);
        all &= got >= e.records();
        lines.add(line(e, got));
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      if (terminal) {
        if (drawn) {
          out.print("\033[" + (lines.size() + 1) + "A");
        }
        out.println("\033[2KProgress after " + seconds + " s:");
        lines.forEach(l -> out.println("\033[2K" + l));
        drawn = true;
      } else if (!lines.equals(last)) {
        out.println("Progress after " + seconds + " s:");
        lines.forEach(out::println);
      }
      last = lines;
      if (all) {
        return true;
      }
      for (String name : connectors) {
        String failed = connect.failure(name);
        if (failed != null) {
          out.println("A connector failed, so the demo stops here: " + failed);
          return false;
        }
      }
      if (System.nanoTime() > deadline) {
        out.println("Gave up after " + timeout.toSeconds() + " s; missing:");
        for (int i = 0; i < expected.size(); i++) {
          Demo.Expectation e = expected.get(i);
          long got = now.sum(e.counter()) - (e.fromBefore() ? before.sum(e.counter()) : 0);
          if (got < e.records()) {
            out.println("  missing " + (e.records() - got) + " of " + e.records() + ": " + e.label());
          }
        }
        return false;
      }
      Thread.sleep(1000);
    }
  }

  private static String line(Demo.Expectation e, long got) {
    int filled = (int) Math.min(BAR, e.records() == 0 ? BAR : got * BAR / e.records());
    return String.format("  [%s%s] %5d/%-5d %s", "#".repeat(filled), ".".repeat(BAR - filled), got, e.records(),
        e.label());
  }
}
