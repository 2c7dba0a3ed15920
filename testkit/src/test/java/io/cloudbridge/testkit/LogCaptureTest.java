package io.cloudbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogCaptureTest {

  @Test
  void capturesInfoLinesOfLoggersConfiguredQuieterAndStopsWhenClosed() {
    try (LogCapture logs = new LogCapture()) {
      LoggerFactory.getLogger("org.apache.kafka.connect.Something").info("worker said {}", "hello");
      LoggerFactory.getLogger("io.cloudbridge.x").warn("plugin warned", new IllegalStateException("boom"));
      assertThat(logs.lines()).contains("org.apache.kafka.connect.Something worker said hello")
          .anyMatch(l -> l.startsWith("io.cloudbridge.x plugin warned | java.lang.IllegalStateException: boom"));
      logs.close();
      LoggerFactory.getLogger("io.cloudbridge.x").warn("after close");
      assertThat(logs.lines()).noneMatch(l -> l.contains("after close"));
    }
  }
}
