package dev.llmbudget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A budget's spend reached one of {@code llmbudget.alert.thresholds} (a share of its limit), as
 * handed to {@link BudgetManager#onThreshold}. {@code budget} is {@code "global"} or the user id;
 * {@code periodEnd} is null for a budget that never resets; {@code announced} is true in the one
 * JVM of a fleet sharing the store that logged it and posted the webhook, false in the others.
 */
public record BudgetThresholdEvent(String budget, boolean global, BigDecimal threshold, BigDecimal currentCost,
    BigDecimal maxBudget, Instant periodEnd, String text, boolean announced) {

  public BudgetThresholdEvent {
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(threshold, "threshold");
    Objects.requireNonNull(currentCost, "currentCost");
    Objects.requireNonNull(maxBudget, "maxBudget");
    Objects.requireNonNull(text, "text");
  }
}
