package dev.llmbudget.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * The host application's SLF4J, found reflectively from a class loader and used only once the host
 * has initialised it itself: touching {@code MDC} or {@code LoggerFactory} first would run SLF4J's
 * provider lookup, which prints "No SLF4J providers were found" in an app that never logged through
 * SLF4J. No SLF4J class is ever linked directly, so this works from the bootstrap class loader.
 */
final class HostSlf4j {

  /** {@code LoggerFactory.INITIALIZATION_STATE} values, the same in SLF4J 1.7 and 2.x. */
  private static final int SUCCESSFUL = 3;
  private static final int NOP_FALLBACK = 4;


  private final ClassLoader loader;
  private final MethodHandle state;
  private final Class<?> mdc;
  private final Class<?> loggerFactory;
  private volatile MethodHandle mdcGet;
  private volatile Object logger;
  private volatile MethodHandle[] logMethods;
  private volatile Boolean nopMdc;

  private HostSlf4j(ClassLoader loader, MethodHandle state, Class<?> mdc, Class<?> loggerFactory) {
    this.loader = loader;
    this.state = state;
    this.mdc = mdc;
    this.loggerFactory = loggerFactory;
  }

  /** {@code loader} has no SLF4J, or one that cannot be inspected: nothing is read from it, ever. */
  static HostSlf4j absent(ClassLoader loader) {
    return new HostSlf4j(loader, null, null, null);
  }

  /**
   * The SLF4J {@code loader} sees, else {@link #absent}: loads its classes without initialising
   * them. Costly when absent (a failed class lookup): callers cache the answer per loader.
   */
  static HostSlf4j in(ClassLoader loader) {
    if (loader == null) {
      return absent(null);
    }
    try {
      Class<?> factory = Class.forName("org.slf4j.LoggerFactory", false, loader);
      Class<?> mdc = Class.forName("org.slf4j.MDC", false, loader);
      Field f = factory.getDeclaredField("INITIALIZATION_STATE");
      f.setAccessible(true);
      return new HostSlf4j(loader, MethodHandles.lookup().unreflectGetter(f), mdc, factory);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      // No SLF4J, or one in a named module that does not open its internals: leave it alone.
      return absent(loader);
    }
  }

  boolean present() {
    return state != null;
  }

  ClassLoader loader() {
    return loader;
  }

  /** True once the host's SLF4J has bound a real provider (not the NOP fallback). */
  boolean initialised() {
    if (state == null) {
      return false;
    }
    try {
      // Reading the field initialises LoggerFactory's class, which binds nothing by itself.
      return (int) state.invoke() == SUCCESSFUL;
    } catch (Throwable t) {
      return false;
    }
  }

  /** True once the host's SLF4J found no provider and fell back to NOP: its MDC keeps nothing. */
  boolean nopFallback() {
    try {
      return state != null && (int) state.invoke() == NOP_FALLBACK;
    } catch (Throwable t) {
      return false;
    }
  }

  /** {@code MDC.get(key)}, or {@code null} while SLF4J is not initialised. */
  String mdc(String key) {
    if (!initialised()) {
      return null;
    }
    try {
      MethodHandle get = mdcGet;
      if (get == null) {
        get = MethodHandles.publicLookup().findStatic(mdc, "get", MethodType.methodType(String.class, String.class));
        mdcGet = get;
      }
      return (String) get.invoke(key);
    } catch (Throwable t) {
      return null;
    }
  }

  /** True when the bound provider's MDC adapter keeps nothing (slf4j-simple, slf4j-nop). */
  boolean mdcKeepsNothing() {
    if (nopFallback()) {
      return true;
    }
    if (!initialised()) {
      return false;
    }
    Boolean nop = nopMdc;
    if (nop == null) {
      try {
        Object adapter = MethodHandles.publicLookup().findStatic(mdc, "getMDCAdapter",
            MethodType.methodType(Class.forName("org.slf4j.spi.MDCAdapter", false, loader))).invoke();
        nop = adapter == null || adapter.getClass().getName().equals("org.slf4j.helpers.NOPMDCAdapter");
      } catch (Throwable t) {
        nop = Boolean.FALSE;
      }
      nopMdc = nop;
    }
    return nop;
  }

  /**
   * Logs through the host's logger {@code dev.llmbudget} at {@code level}; false when SLF4J is not initialised and the caller must log elsewhere.
   */
  boolean log(Level level, String message, Throwable t) {
    if (!initialised()) {
      return false;
    }
    try {
      Object l = logger;
      MethodHandle[] methods = logMethods;
      if (l == null || methods == null) {
        Class<?> type = Class.forName("org.slf4j.Logger", false, loader);
        MethodType shape = MethodType.methodType(void.class, String.class, Throwable.class);
        methods = new MethodHandle[Level.values().length];
        for (Level each : Level.values()) {
          methods[each.ordinal()] = MethodHandles.publicLookup().findVirtual(type, each.method, shape);
        }
        l = MethodHandles.publicLookup().findStatic(loggerFactory, "getLogger",
            MethodType.methodType(type, String.class)).invoke("dev.llmbudget");
        logMethods = methods;
        logger = l;
      }
      methods[level.ordinal()].invoke(l, message, t);
      return true;
    } catch (Throwable e) {
      return false;
    }
  }

  /** The SLF4J levels we log at, with their method names. */
  enum Level {
    INFO("info"), WARN("warn"), ERROR("error");

    final String method;

    Level(String method) {
      this.method = method;
    }
  }
}
