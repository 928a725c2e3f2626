package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * One budget as a store holds it, in the shape of an entry of LiteLLM's {@code user_cost.json}.
 *
 * @param key the user id, or {@link BudgetStore#GLOBAL_KEY} for the process-wide budget
 * @param totalBudget the limit in US dollars, or {@code null} when spend is only tracked
 * @param currentCost what was spent in the current period
 * @param reserved what in-flight calls have reserved and not yet settled
 * @param modelCost spend per model in the current period
 * @param duration how often the budget resets, or {@code null} for never
 * @param createdAt when the budget was created
 * @param periodStart when the current period started (LiteLLM's {@code last_updated_at})
 * @param nextReset when the next reset is due, or {@code null} for never
 */
public record BudgetSnapshot(
    String key,
    BigDecimal totalBudget,
    BigDecimal currentCost,
    BigDecimal reserved,
    Map<String, BigDecimal> modelCost,
    BudgetDuration duration,
    Instant createdAt,
    Instant periodStart,
    Instant nextReset) {

  /** True when a limit is set and nothing of it is left. */
  public boolean isExhausted() {
    return totalBudget != null && currentCost.compareTo(totalBudget) >= 0;
  }
}
