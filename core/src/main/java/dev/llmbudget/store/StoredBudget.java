package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.time.Instant;
import java.util.Map;

/**
 * One entry of a persisted user dict, in ledger units: what a file or a budget server holds for a
 * key. {@code limit} is {@link Ledger.Terms#NO_LIMIT} when spend is only tracked.
 */
record StoredBudget(long limit, BudgetDuration duration, Instant createdAt, Instant periodStart,
    long spent, Map<String, Long> models) {

  StoredBudget {
    models = Map.copyOf(models);
  }

  boolean sameTerms(StoredBudget other) {
    return limit == other.limit && java.util.Objects.equals(duration, other.duration);
  }
}
