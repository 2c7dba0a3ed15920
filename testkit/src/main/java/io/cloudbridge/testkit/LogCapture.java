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
 * open, with exception traces, so a test can assert on what a worker and its plugins wrote. With
 * {@link #LogCapture(Level, String...)} the named loggers (and their children, Log4j and java.util.logging alike:
 * Google's client libraries log through the latter) are captured down to the given level.
 */
public final class LogCapture implements AutoCloseable {

  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Appender appender = new Appender();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final Level previousRootLevel;
  private final List<LoggerConfig> added = new java.util.ArrayList<>();
  private final List<java.util.logging.Logger> julLoggers = new java.util.ArrayList<>();
  private final List<java.util.logging.Level> julLevels = new java.util.ArrayList<>();
  private final JulHandler julHandler = new JulHandler();

  public LogCapture() {
    this(Level.INFO);
  }

  /** Captures INFO and above everywhere, and {@code level} and above for {@code loggers} and their children. */
  public LogCapture(Level level, String... loggers) {
    Configuration config = context.getConfiguration();
    appender.start();
    config.addAppender(appender);
    LoggerConfig root = config.getRootLogger();
    previousRootLevel = root.getLevel();
    root.addAppender(appender, Level.INFO, null);
    root.setLevel(Level.INFO);
    for (LoggerConfig logger : config.getLoggers().values()) {
      if (logger != root) {
        Level chosen = startsWithAny(logger.getName(), loggers) ? level : Level.INFO;
        logger.addAppender(appender, chosen, null);
        logger.setLevel(chosen);
      }
    }
    for (String name : loggers) {
      if (!config.getLoggers().containsKey(name)) {
        LoggerConfig logger = new LoggerConfig(name, level, false);
        logger.addAppender(appender, level, null);
        config.addLogger(name, logger);
        added.add(logger);
      }
      java.util.logging.Logger jul = java.util.logging.Logger.getLogger(name);
      julLoggers.add(jul);
      julLevels.add(jul.getLevel());
      jul.setLevel(julLevel(level));
    }
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
    context.updateLoggers();
  }

  private static boolean startsWithAny(String name, String[] prefixes) {
    for (String p : prefixes) {
      if (name.equals(p) || name.startsWith(p + ".")) {
        return true;
      }
    }
    return false;
  }

  private static java.util.logging.Level julLevel(Level level) {
    if (level.isLessSpecificThan(Level.TRACE)) {
      // TRACE is FINEST, as Log4j's JUL bridge maps them; ALL is below every named level.
      return level == Level.ALL ? java.util.logging.Level.ALL : java.util.logging.Level.FINEST;
    }
    if (level.isLessSpecificThan(Level.DEBUG)) {
      return java.util.logging.Level.FINE;
    }
    return level.isLessSpecificThan(Level.INFO) ? java.util.logging.Level.INFO : java.util.logging.Level.WARNING;
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
    added.forEach(l -> config.removeLogger(l.getName()));
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    for (int i = 0; i < julLoggers.size(); i++) {
      julLoggers.get(i).setLevel(julLevels.get(i));
    }
    context.updateLoggers();
    appender.stop();
  }

  /** java.util.logging records, as the Log4j lines: logger, message, exception chain. */
  private final class JulHandler extends java.util.logging.Handler {
    private final java.util.logging.Formatter formatter = new java.util.logging.SimpleFormatter();

    @Override
    public void publish(java.util.logging.LogRecord record) {
      StringBuilder line = new StringBuilder(String.valueOf(record.getLoggerName())).append(' ')
          .append(formatter.formatMessage(record));
      for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
        line.append(" | ").append(t);
      }
      lines.add(line.toString());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
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
