package dev.llmbudget.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Our log lines go where the host's go: through the host's SLF4J (logger {@code dev.llmbudget})
 * once the host has initialised it with a provider, so logback/log4j2 layouts and levels apply;
 * otherwise through {@link System.Logger}. The agent brings no SLF4J binding of its own.
 */
public final class Log {
  private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

  private Log() {}

  public static void info(String message) {
    log(HostSlf4j.Level.INFO, System.Logger.Level.INFO, message, null);
  }

  public static void warn(String message) {
    log(HostSlf4j.Level.WARN, System.Logger.Level.WARNING, message, null);
  }

  public static void warn(String message, Throwable t) {
    log(HostSlf4j.Level.WARN, System.Logger.Level.WARNING, message, t);
  }

  public static void error(String message, Throwable t) {
    log(HostSlf4j.Level.ERROR, System.Logger.Level.ERROR, message, t);
  }

  /** Logs a warning the first time {@code key} is seen, so a broken path cannot flood the log. */
  public static void warnOnce(String key, String message, Throwable t) {
    if (ONCE.size() < 10_000 && ONCE.add(key)) {
      warn(message, t);
    }
  }

  private static void log(HostSlf4j.Level level, System.Logger.Level fallback, String message, Throwable t) {
    boolean logged;
    try {
      logged = MdcUser.slf4j().log(level, message, t);
    } catch (RuntimeException | LinkageError e) {
      logged = false;
    }
    if (!logged) {
      Fallback.LOGGER.log(fallback, message, t);
    }
  }

  /** Created on first use: {@link System#getLogger} starts the JDK's logging (~6 ms of CPU), which a host with SLF4J never needs. */
  private static final class Fallback {
    static final System.Logger LOGGER = System.getLogger("dev.llmbudget");
  }
}
