package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Where budgets and their spend live. Money is in picodollars ({@link Picodollars}). Every
 * operation that reads or charges a budget first applies a reset that has come due, so budgets
 * reset by themselves. A store shared by many JVMs implements {@link #reserve} and {@link #settle}
 * as one atomic round trip each (a Redis script, a SQL transaction); the contract test
 * {@code BudgetStoreContract} says what every store must do.
 */
public interface BudgetStore extends AutoCloseable {

  /** The key under which the process-wide budget ({@code llmbudget.max_budget}) is kept. */
  String GLOBAL_KEY = "$global";

  /** Names the store for messages, e.g. {@code local file /srv/app/user_cost.json}. */
  String describe();

  /**
   * Atomically reserves {@code amount} on every key that has a limit, or on none. A budget refuses
   * when it has already spent its limit or when spent + reserved + amount would exceed it. Keys
   * without a budget are skipped.
   */
  ReserveResult reserve(String[] keys, long amount, Instant now);

  /**
   * Settles a reservation: releases {@code reserved} on every key and charges {@code actual} to
   * every key (creating a limit-less entry for a key that has none), booked under {@code model}.
   * {@code actual = 0} with {@code model = null} is a plain release.
   */
  void settle(String[] keys, long reserved, long actual, String model, Instant now);

  /** The budget under {@code key} after any due reset, or empty when there is none. */
  Optional<BudgetSnapshot> snapshot(String key, Instant now);

  /**
   * Creates the budget, or changes the limit and duration of an existing one while keeping what it
   * has spent in its current period.
   */
  void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt);

  /** Creates the budget unless {@code key} already has an entry; true when it created it. */
  boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt);

  /** Every key with an entry, the global one included. */
  Set<String> keys();

  /** Sets the spend of {@code key}'s current period to zero and starts a new period now. */
  void resetCost(String key, Instant now);

  /** Applies every reset that has come due by {@code now}. */
  void resetDue(Instant now);

  /** Makes everything charged so far durable (a no-op for memory). */
  void flush();

  /** Flushes and releases files, threads and connections. */
  @Override
  void close();
}
