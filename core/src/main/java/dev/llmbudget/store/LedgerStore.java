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
    this(zone, false);
  }

  /** {@code evicts}: whether the store will sweep idle budgets out of the live map (see {@link Ledger#evictIdle}). */
  LedgerStore(ZoneId zone, boolean evicts) {
    this.ledger = new Ledger(zone, evicts);
  }

  /** Whether {@code idleAfter} asks for eviction: null and zero do not. */
  static boolean evicts(java.time.Duration idleAfter) {
    if (idleAfter != null && idleAfter.isNegative()) {
      throw new IllegalArgumentException("evict_idle_after must not be negative, was " + idleAfter);
    }
    return idleAfter != null && !idleAfter.isZero();
  }

  @Override
  public long newReservationId() {
    return ledger.newReservationId();
  }

  @Override
  public ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
    return ledger.reserve(id, keys, amount, now, expiresAt);
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now) {
    return ledger.settle(id, actual, model, now);
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now) {
    ledger.charge(keys, actual, model, now);
  }

  @Override
  public int expireLeases(Instant now) {
    return ledger.expireLeases(now);
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
    // asked on every call of a user with a default budget: a known key costs no conversion of the limit
    return !ledger.contains(key) && ledger.putBudgetIfAbsent(key, limitOf(totalBudget), duration, createdAt, createdAt);
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
