package dev.llmbudget.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Reads the user id from the host application's own {@code org.slf4j.MDC}. This class may live in
 * the bootstrap class loader (agent) where SLF4J is invisible, so MDC is found through the
 * thread's context class loader and cached per loader; no SLF4J class is ever linked directly.
 */
public final class MdcUser {

  private static volatile String key = "userId";
  private static volatile Cached cached = new Cached(null, null);
  private static final MethodHandle ABSENT = MethodHandles.constant(String.class, null);

  private MdcUser() {}

  public static void setKey(String mdcKey) {
    key = mdcKey;
  }

  public static String key() {
    return key;
  }

  /**
   * The MDC value under the configured key, or {@code null} when SLF4J or the value is absent, or
   * the value is no usable user id (warned once: the call counts against the global budget only).
   */
  public static String read() {
    MethodHandle get = handleFor(Thread.currentThread().getContextClassLoader());
    if (get == ABSENT) {
      return null;
    }
    String v;
    try {
      v = (String) get.invokeExact(key);
    } catch (Throwable t) {
      return null;
    }
    if (v == null || v.isEmpty()) {
      return null;
    }
    String problem = UserIds.problem(v);
    if (problem != null) {
      Log.warnOnce("mdc-user", "llm-budget: the MDC value under '" + key + "' is not a usable user id (" + problem
          + "); such calls are charged to the global budget only. This is logged once.", null);
      return null;
    }
    return v;
  }

  private static MethodHandle handleFor(ClassLoader loader) {
    Cached c = cached;
    if (c.get != null && c.loader == loader) {
      return c.get;
    }
    MethodHandle get = lookup(loader);
    cached = new Cached(loader, get);
    return get;
  }

  private record Cached(ClassLoader loader, MethodHandle get) {}

  private static MethodHandle lookup(ClassLoader loader) {
    for (ClassLoader cl : new ClassLoader[] {loader, ClassLoader.getSystemClassLoader()}) {
      if (cl == null) {
        continue;
      }
      try {
        Class<?> mdc = Class.forName("org.slf4j.MDC", false, cl);
        return MethodHandles.publicLookup().findStatic(mdc, "get",
            MethodType.methodType(String.class, String.class));
      } catch (ReflectiveOperationException | LinkageError e) {
        // SLF4J is optional: no MDC means no MDC user.
      }
    }
    return ABSENT;
  }
}
