package io.cloudbridge.testkit;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures every log line of this JVM (at INFO and above, whatever the test's log configuration) while it is
 * open, with exception traces, so a test can assert on what a worker and its plugins wrote.
 */
public final class LogCapture implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Appender appender = new Appender();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Level previousRootLevel;

  public LogCapture() {
    Configuration config = context.getConfiguration();
    appender.start();
    config.addAppender(appender);
    LoggerConfig root = config.getRootLogger();
    previousRootLevel = root.getLevel();
    root.addAppender(appender, Level.INFO, null);
    root.setLevel(Level.INFO);
    for (LoggerConfig logger : config.getLoggers().values()) {
      if (logger != root) {
        logger.addAppender(appender, Level.INFO, null);
        logger.setLevel(Level.INFO);
      }
    }
    context.updateLoggers();
  }

  /** Every captured line: logger, message, and the stack trace of a logged exception. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  public boolean contains(String text) {
    return lines.stream().anyMatch(l -> l.contains(text));
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    config.getRootLogger().removeAppender(appender.getName());
    config.getRootLogger().setLevel(previousRootLevel);
    for (LoggerConfig logger : config.getLoggers().values()) {
      logger.removeAppender(appender.getName());
    }
    context.updateLoggers();
    appender.stop();
  }

  private final class Appender extends AbstractAppender {
    Appender() {
      super("cloudbridge-log-capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
          .append(event.getMessage().getFormattedMessage());
      for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
        line.append(" | ").append(t);
      }
      lines.add(line.toString());
    }
  }
}
