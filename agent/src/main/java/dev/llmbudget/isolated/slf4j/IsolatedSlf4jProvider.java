package dev.llmbudget.isolated.slf4j;

import dev.llmbudget.internal.Log;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/** The relocated SLF4J's only provider inside the agent; see the package description. */
public final class IsolatedSlf4jProvider implements SLF4JServiceProvider {

  private final ILoggerFactory loggers = ToLog::new;
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

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

  /** Warnings and errors go to {@link Log}, each message pattern once; the rest is dropped. */
  static final class ToLog extends LegacyAbstractLogger {
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
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
        Throwable t) {
      String text = MessageFormatter.basicArrayFormat(pattern, args);
      // a pool that cannot reach its server says so on every attempt: once is loud enough, the
      // store's own errors name each refused call
      Log.warnOnce("slf4j:" + name + ":" + pattern, "llm-budget: " + name + ": " + text, t);
    }
  }
}
