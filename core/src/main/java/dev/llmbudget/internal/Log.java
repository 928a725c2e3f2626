package dev.llmbudget.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logging through {@link System.Logger}: no SLF4J binding is brought into the host, and a host
 * that routes platform logging to its own framework (e.g. slf4j-jdk-platform-logging) sees ours.
 */
public final class Log {
  private static final System.Logger LOGGER = System.getLogger("dev.llmbudget");
  private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();

  private Log() {}

  public static void info(String message) {
    LOGGER.log(System.Logger.Level.INFO, message);
  }

  public static void warn(String message) {
    LOGGER.log(System.Logger.Level.WARNING, message);
  }

  public static void warn(String message, Throwable t) {
    LOGGER.log(System.Logger.Level.WARNING, message, t);
  }

  public static void error(String message, Throwable t) {
    LOGGER.log(System.Logger.Level.ERROR, message, t);
  }

  /** Logs a warning the first time {@code key} is seen, so a broken path cannot flood the log. */
  public static void warnOnce(String key, String message, Throwable t) {
    if (ONCE.size() < 10_000 && ONCE.add(key)) {
      LOGGER.log(System.Logger.Level.WARNING, message, t);
    }
  }
}
