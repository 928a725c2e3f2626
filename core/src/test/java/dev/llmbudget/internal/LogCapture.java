package dev.llmbudget.internal;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages {@link Log} writes while open, wherever they go: through SLF4J (logback, once a
 * test of this JVM initialised it) or through {@code System.Logger} (java.util.logging). Public for
 * the tests of other packages (the stores').
 */
public final class LogCapture implements AutoCloseable {

  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final Logger jul = Logger.getLogger("dev.llmbudget");
  private final Handler julHandler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      messages.add(new java.util.logging.SimpleFormatter().formatMessage(r)); // fills in {0}-style parameters
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final ch.qos.logback.classic.Logger logback =
      (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.llmbudget");
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent e) {
      messages.add(e.getFormattedMessage());
    }
  };

  public LogCapture() {
    jul.addHandler(julHandler);
    appender.start();
    logback.addAppender(appender);
  }

  public List<String> messages() {
    return messages;
  }

  @Override
  public void close() {
    jul.removeHandler(julHandler);
    logback.detachAppender(appender);
  }
}
