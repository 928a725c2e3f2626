package dev.llmbudget;

import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.StoreRegistry;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * The process-wide budget, LiteLLM's {@code litellm.max_budget} and {@code _current_cost}: every
 * LLM call in the JVM is checked against it. Set by {@code llmbudget.max_budget} (and
 * {@code llmbudget.max_budget_duration}) or here; its spend lives in the default store, so a
 * restart does not reset it unless that store is {@code memory}.
 */
public final class GlobalBudget {
  private GlobalBudget() {}

  /** Sets the limit ({@code null}: none, spend is still tracked) and how often it resets ({@code null}: never). */
  public static void set(BigDecimal maxBudget, String duration) {
    if (maxBudget != null) {
      Money.checkBudget(maxBudget, "maxBudget");
    }
    BudgetDuration d = duration == null ? null : BudgetDuration.parse(duration);
    StoreRegistry.setGlobalBudget(BudgetRuntime.get().engine().store(), maxBudget, d, "GlobalBudget.set", Instant.now());
  }

  /** The limit, or {@code null} when none is set. */
  public static BigDecimal maxBudget() {
    return snapshot().totalBudget();
  }

  /** What the process has spent in the current period, across all users. */
  public static BigDecimal currentCost() {
    return snapshot().currentCost();
  }

  /** The global budget as the store holds it; without a limit or spend yet, one with neither. */
  public static BudgetSnapshot snapshot() {
    BudgetRuntime r = BudgetRuntime.get();
    Instant now = r.engine().now();
    return r.engine().store().snapshot(BudgetStore.GLOBAL_KEY, now).orElseGet(() -> new BudgetSnapshot(
        BudgetStore.GLOBAL_KEY, null, BigDecimal.ZERO, BigDecimal.ZERO, Map.of(), null, now, now, null));
  }

  /**
   * How many LLM calls in this JVM were not metered exactly because something of ours failed: calls
   * that went out unchecked under {@code llmbudget.on_error=allow} (under {@code block} they are
   * refused), and calls whose answer the agent could not read, charged what they reserved. The
   * JMX {@code CallsUnmetered} and the metrics' unmetered counter show the same count.
   */
  public static long unmeteredCalls() {
    return CallCounters.unmeteredCount();
  }
}
