package dev.llmbudget.isolated.slf4j;

import dev.llmbudget.internal.Log;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J provider of the agent's own copy of SLF4J, which Jedis logs through: without one, SLF4J
 * prints "No SLF4J providers were found" to the host's stderr. Warnings and errors go to llm-budget's
 * {@link Log} (the host's logging, or System.Logger); anything finer is dropped.
 */
public final class IsolatedSlf4jProvider implements SLF4JServiceProvider {

  private final ILoggerFactory loggers = ToLog::new;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  /** Public and no-argument for {@link java.util.ServiceLoader}. */
  public IsolatedSlf4jProvider() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  /** A logger that passes warnings and errors on to {@link Log}. */
  static final class ToLog extends LegacyAbstractLogger implements Logger {
    private static final long serialVersionUID = 1L;

    ToLog(String name) {
      this.name = name;
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return false;
    }

    @Override
    public boolean isInfoEnabled() {
      return false;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String messagePattern,
        Object[] arguments, Throwable throwable) {
      String text = "llm-budget: redis client (" + name + "): "
          + MessageFormatter.basicArrayFormat(messagePattern, arguments);
      if (level == Level.ERROR) {
        Log.error(text, throwable);
      } else if (level == Level.WARN) {
        Log.warn(text, throwable);
      }
    }
  }
}
