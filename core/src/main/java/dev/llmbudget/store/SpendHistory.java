package dev.llmbudget.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * Spend per day, from a store that keeps a ledger of every charge (PostgreSQL); reached through
 * {@link BudgetStore#spendHistory()}, empty for stores that keep only each period's totals.
 */
@FunctionalInterface
public interface SpendHistory {

  /** What was charged on {@code day} (in the store's time zone), over {@code calls} calls. */
  record Day(LocalDate day, BigDecimal cost, long calls) {}

  /**
   * Days with spend in {@code [from, to)}, oldest first: of user {@code key}'s calls, or of every
   * call for {@link BudgetStore#GLOBAL_KEY}.
   */
  List<Day> perDay(String key, Instant from, Instant to);
}
