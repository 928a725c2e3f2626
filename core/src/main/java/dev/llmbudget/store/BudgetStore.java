package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * Where budgets and their spend live. Money is in picodollars ({@link Picodollars}). Every
 * operation that reads or charges a budget first applies a reset that has come due, so budgets
 * reset by themselves.
 *
 * <p>A reservation is identified by an id from {@link #newReservationId()}. The store records, under
 * that id, exactly what it held on each key, and {@link #settle} releases exactly that, whatever
 * happened to the limits in between (created, changed, removed). Every reservation carries a lease:
 * once {@code expiresAt} has passed, the store may release it on its own, and a settle that comes
 * later still charges its real cost once and releases nothing twice. A store shared by many JVMs
 * implements each of {@link #reserve}, {@link #settle} and {@link #charge} as one atomic step (a
 * Redis Lua script over a hash {@code res:<id>} of key to held amount and a sorted set of leases;
 * a SQL transaction that locks the budget rows in key order and inserts or deletes the reservation
 * row), and qualifies ids with its own instance id. All arithmetic is overflow-safe: an amount that
 * does not fit next to what a budget has spent and reserved is refused, never wrapped. The contract
 * test {@code BudgetStoreContract} says what every store must do.
 */
public interface BudgetStore extends AutoCloseable {

  /** The key under which the process-wide budget ({@code llmbudget.max_budget}) is kept. */
  String GLOBAL_KEY = "$global";

  /** Names the store for messages, e.g. {@code local file /srv/app/user_cost.json}. */
  String describe();

  /** A fresh reservation id, unique among the reservations of this store object. */
  long newReservationId();

  /**
   * Atomically reserves {@code amount} on every key that has a limit, or on none, and records what
   * it held under {@code id} until {@code expiresAt}. A budget refuses when it has already spent its
   * limit or when spent + reserved + amount would exceed it. Keys without a limit hold nothing; they
   * are only remembered, to be charged at settle. A refused reservation records nothing.
   *
   * @throws IllegalArgumentException when {@code amount} is negative
   */
  ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt);

  /**
   * Settles reservation {@code id}: releases exactly what it still holds on each key and charges
   * {@code actual} to every key it was made for (creating a limit-less entry for a key that has
   * none), booked under {@code model}. {@code actual = 0} with {@code model = null} is a plain
   * release. Idempotent: only the first settle of an id acts. A reservation whose lease expired was
   * already released; its settle only charges.
   *
   * @return false when the store knows no reservation {@code id} (settled already, or expired so
   *     long ago that it was forgotten); then nothing changed and the caller charges with {@link #charge}
   */
  boolean settle(long id, long actual, String model, Instant now);

  /** Charges {@code actual} to every key without a reservation, as a settle of a reservation of zero. */
  void charge(String[] keys, long actual, String model, Instant now);

  /**
   * As {@link #settle(long, long, String, Instant)}, also handing over the call's token counts
   * ({@code usage}, null when the caller only knows a cost) for stores that keep a ledger of every
   * charge. The default ignores them.
   */
  default boolean settle(long id, long actual, String model, Instant now, dev.llmbudget.Usage usage) {
    return settle(id, actual, model, now);
  }

  /** As {@link #charge(String[], long, String, Instant)}, with the call's token counts (nullable). */
  default void charge(String[] keys, long actual, String model, Instant now, dev.llmbudget.Usage usage) {
    charge(keys, actual, model, now);
  }

  /**
   * As {@link #settle(long, long, String, Instant, dev.llmbudget.Usage)}, also naming the SDK or
   * framework that metered the call ({@code sdk}, e.g. {@code openai-java}; null when unknown), for a
   * ledger. The default ignores it.
   */
  default boolean settle(long id, long actual, String model, Instant now, dev.llmbudget.Usage usage, String sdk) {
    return settle(id, actual, model, now, usage);
  }

  /** As {@link #charge(String[], long, String, Instant, dev.llmbudget.Usage)}, naming the SDK (nullable). */
  default void charge(String[] keys, long actual, String model, Instant now, dev.llmbudget.Usage usage, String sdk) {
    charge(keys, actual, model, now, usage);
  }

  /** Releases every reservation whose lease has expired by {@code now}; returns how many it released. */
  int expireLeases(Instant now);

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

  /**
   * Claims the announcement that budget {@code key} crossed {@code threshold} (e.g. {@code 0.8}) in
   * the period that began at {@code periodStart}: true for the one caller that should announce it.
   * A store shared by many JVMs makes that one caller across all of them, atomically (Redis
   * {@code SET NX}, a PostgreSQL row with a unique key, the local file under its lock), and may
   * forget the claim after {@code periodEnd} (null: a budget that never resets). The default is true
   * every time: a store of one JVM, where the caller remembers what it announced.
   *
   * @throws BudgetStoreException when a shared store cannot be reached
   */
  default boolean claimAlert(String key, String threshold, Instant periodStart, Instant periodEnd) {
    return true;
  }

  /** The store's ledger of spend per day, when it keeps one (PostgreSQL); empty by default. */
  default Optional<SpendHistory> spendHistory() {
    return Optional.empty();
  }

  /** Makes everything charged so far durable (a no-op for memory). */
  void flush();

  /** Flushes and releases files, threads and connections. */
  @Override
  void close();
}
