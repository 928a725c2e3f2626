package dev.llmbudget.store;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One JVM shutdown hook, registered on first use, that flushes every store still open at exit, so a
 * normal exit loses nothing even when the application never closes its stores.
 */
final class ExitFlush {

  private static final Set<BudgetStore> OPEN = ConcurrentHashMap.newKeySet();

  private ExitFlush() {}

  private static final class Hook {
    static {
      Runtime.getRuntime().addShutdownHook(new Thread(ExitFlush::flushAll, "llm-budget-exit-flush"));
    }

    static void ensure() {}
  }

  /** Makes sure the hook runs at exit, for {@link PendingCharges} that wait for a store. */
  static void ensureHook() {
    Hook.ensure();
  }

  static void register(BudgetStore store) {
    Hook.ensure();
    OPEN.add(store);
  }

  static void unregister(BudgetStore store) {
    OPEN.remove(store);
  }

  /** What the hook runs at exit; package-private so a test can see what a JVM leaves on disk at exit. */
  static void flushAll() {
    try {
      PendingCharges.flushAtExit(); // before the stores close their connections
    } catch (RuntimeException e) {
      System.getLogger("dev.llmbudget").log(Level.WARNING, "llm-budget: could not book the held-back charges at exit", e);
    }
    for (BudgetStore store : OPEN) {
      try {
        store.flush();
      } catch (RuntimeException e) {
        System.getLogger("dev.llmbudget").log(Level.WARNING,
            "llm-budget: could not flush " + store.describe() + " at exit", e);
      }
    }
  }
}
