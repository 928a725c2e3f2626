package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;

/**
 * A store whose authoritative state is an in-memory {@link Ledger} in this JVM; subclasses make it
 * durable (a file, a budget server) off the hot path.
 */
abstract class LedgerStore implements BudgetStore {

  final Ledger ledger;

  LedgerStore(ZoneId zone) {
    this.ledger = new Ledger(zone);
  }

  @Override
  public ReserveResult reserve(String[] keys, long amount, Instant now) {
    return ledger.reserve(keys, amount, now);
  }

  @Override
  public void settle(String[] keys, long reserved, long actual, String model, Instant now) {
    ledger.settle(keys, reserved, actual, model, now);
  }

  @Override
  public Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    return ledger.snapshot(key, now);
  }

  @Override
  public void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    ledger.putBudget(key, limitOf(totalBudget), duration, createdAt, createdAt);
  }

  @Override
  public boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    return ledger.putBudgetIfAbsent(key, limitOf(totalBudget), duration, createdAt, createdAt);
  }

  @Override
  public Set<String> keys() {
    return ledger.keys();
  }

  @Override
  public void resetCost(String key, Instant now) {
    ledger.resetCost(key, now);
  }

  @Override
  public void resetDue(Instant now) {
    ledger.resetDue(now);
  }

  static long limitOf(BigDecimal totalBudget) {
    return totalBudget == null ? Ledger.Terms.NO_LIMIT : Picodollars.of(totalBudget);
  }
}
