package dev.llmbudget.internal;

/**
 * Reads the user id from the host application's own {@code org.slf4j.MDC}. This class may live in
 * the bootstrap class loader (agent) where SLF4J is invisible, so MDC is found through the
 * thread's context class loader (else the system loader) and cached per loader; it is read only
 * once the host has initialised SLF4J itself, so an app that never used SLF4J sees no SLF4J
 * start-up warnings because of us.
 */
public final class MdcUser {

  private static volatile String key = "userId";
  private static volatile HostSlf4j cached = HostSlf4j.absent(null);
  private static volatile HostSlf4j system;

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
    HostSlf4j slf4j = slf4j();
    String v = slf4j.mdc(key);
    if (v == null && slf4j.mdcKeepsNothing() && userBudgetConfigured()) {
      Log.warnOnce("mdc-keeps-nothing", "llm-budget: a user budget is configured, but this application's SLF4J "
          + (slf4j.nopFallback() ? "has no provider" : "provider's MDC keeps nothing (slf4j-simple, slf4j-nop)")
          + ", so users bound only through the MDC (key '" + key + "') get no user budget; bind them with "
          + "BudgetContext.run(user, ...) or use a provider whose MDC stores values (logback, log4j2, slf4j-jdk14)", null);
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

  /** The SLF4J this thread's code sees; for logging too. */
  static HostSlf4j slf4j() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    HostSlf4j c = cached;
    if (c.loader() != loader) {
      c = HostSlf4j.in(loader);
      cached = c;
    }
    return c.present() ? c : system();
  }

  private static HostSlf4j system() {
    HostSlf4j s = system;
    if (s == null) {
      s = HostSlf4j.in(ClassLoader.getSystemClassLoader());
      system = s;
    }
    return s;
  }

  private static boolean userBudgetConfigured() {
    try {
      return BudgetRuntime.config().userMaxBudget() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
