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

  @Test
  void capturesTheNamedLoggersDownToTheGivenLevelInLog4jAndJavaUtilLogging() {
    try (LogCapture logs = new LogCapture(org.apache.logging.log4j.Level.TRACE, "io.cloudbridge", "com.google")) {
      LoggerFactory.getLogger("io.cloudbridge.sqs.Reader").trace("polled {}", 3);
      LoggerFactory.getLogger("org.apache.kafka.clients.Other").debug("not captured");
      java.util.logging.Logger.getLogger("com.google.cloud.storage.Http").finest("fine detail");
      java.util.logging.Logger.getLogger("org.other.Jul").fine("not captured either");
      assertThat(logs.lines()).contains("io.cloudbridge.sqs.Reader polled 3", "com.google.cloud.storage.Http fine detail")
          .noneMatch(l -> l.contains("not captured"));
    }
    assertThat(java.util.logging.Logger.getLogger("com.google").getLevel()).isNull();
  }
}
