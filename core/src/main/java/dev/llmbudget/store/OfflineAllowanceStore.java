package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.Log;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wraps a store shared over the network (Redis, PostgreSQL) so that an outage neither stops every
 * call nor lets spend go unbounded: while the server is unreachable this JVM admits calls against a
 * local allowance ({@code llmbudget.store.offline_allowance}), journals what they cost, and replays
 * the journal exactly once when the server answers again; past the allowance, reserve throws
 * {@link BudgetStoreException} and {@code llmbudget.on_error} decides. A server that answers while
 * this JVM's connections to it are all busy ({@link BudgetStoreException#isBusy()}) is not an
 * outage: its error goes to the caller and no allowance is spent.
 */
public final class OfflineAllowanceStore implements BudgetStore {

  /** While offline, the server is tried again at most this often; calls in between stay local. */
  static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  /** A call admitted while offline: what it holds of the allowance and which keys it is for. */
  private record LocalHold(String[] keys, long amount) {}

  private record Terms(BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {}

  private final BudgetStore remote;
  private final long allowance;
  private volatile boolean offline;
  private volatile long probeAt;
  /**
   * Until when a replay's busy answer stands for the next callers while offline, so they fail at
   * once instead of each replaying behind the replay lock for up to the pool's three waits.
   */
  private volatile long busyUntil;
  private volatile BudgetStoreException lastBusy;
  /** What calls admitted offline hold, plus every charge still in the journal. */
  private final AtomicLong used = new AtomicLong();
  private final ConcurrentHashMap<Long, LocalHold> localHolds = new ConcurrentHashMap<>();
  /** The keys of reservations made on the server, to charge them if their settle has to wait. */
  private final ConcurrentHashMap<Long, String[]> remoteKeys = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<JournaledCharge> journal = new ConcurrentLinkedQueue<>();
  /** Budgets this JVM created, re-created if absent after an outage (a server that lost its data). */
  private final Map<String, Terms> ownBudgets = new ConcurrentHashMap<>();
  /** Changes made by putBudget while the server was unreachable. */
  private final Map<String, Terms> pendingPuts = new ConcurrentHashMap<>();
  private final ReentrantLock replaying = new ReentrantLock();
  private final java.time.Clock clock;

  /** {@code allowancePico}: what this JVM may spend while {@code remote} is unreachable. */
  public OfflineAllowanceStore(BudgetStore remote, long allowancePico) {
    this(remote, allowancePico, java.time.Clock.systemUTC());
  }

  /**
   * As {@link #OfflineAllowanceStore(BudgetStore, long)}; {@code clock} times the replays that no
   * caller asks for (the background retrier, the exit flush), so they agree with the callers' clock.
   */
  public OfflineAllowanceStore(BudgetStore remote, long allowancePico, java.time.Clock clock) {
    if (allowancePico < 0) {
      throw new IllegalArgumentException("the offline allowance cannot be negative, was " + allowancePico);
    }
    this.remote = remote;
    this.allowance = allowancePico;
    this.clock = clock;
    ExitFlush.register(this); // a journal still waiting at exit is replayed then, if the server answers
  }

  @Override
  public String describe() {
    return remote.describe();
  }

  /** True while the server is taken for unreachable and calls run on the allowance. */
  public boolean isOffline() {
    return offline;
  }

  /** Charges waiting to be replayed on the server. */
  public int journalSize() {
    return journal.size();
  }

  @Override
  public long newReservationId() {
    return remote.newReservationId();
  }

  @Override
  public ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
    if (amount < 0) {
      throw new IllegalArgumentException("a reservation cannot be negative, was " + amount + " picodollars");
    }
    BudgetStoreException down = null;
    if (tryServer(now)) {
      try {
        ReserveResult r = remote.reserve(id, keys, amount, now, expiresAt);
        if (r.isOk()) {
          remoteKeys.put(id, keys);
        }
        return r;
      } catch (BudgetStoreException e) {
        if (e.isBusy()) {
          throw e; // the server answers and holds the truth: admitting the call here could overspend it
        }
        down = e;
        goOffline(now, e);
      }
    }
    long u;
    do {
      u = used.get();
      if (u > allowance - amount) {
        throw new BudgetStoreException(remote.describe() + " is unreachable and this JVM has used its offline allowance of $"
            + Picodollars.toDollars(allowance).toPlainString() + " (llmbudget.store.offline_allowance)", down);
      }
    } while (!used.compareAndSet(u, u + amount));
    localHolds.put(id, new LocalHold(keys, amount));
    return ReserveResult.OK;
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now) {
    return settle(id, actual, model, now, null);
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now, Usage usage) {
    return settle(id, actual, model, now, usage, null);
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now, Usage usage, String sdk) {
    LocalHold local = localHolds.remove(id);
    if (local != null) {
      used.addAndGet(actual - local.amount);
      if (actual != 0) {
        journal.add(new JournaledCharge(local.keys, actual, model, usage, sdk, -1, false));
        PendingCharges.journaled(this);
      }
      replayIfOnline(now);
      return true;
    }
    String[] keys = remoteKeys.remove(id);
    boolean ask;
    try {
      ask = keys != null && tryServer(now);
    } catch (BudgetStoreException busy) {
      remoteKeys.put(id, keys); // the caller keeps the settle and retries it: its keys must still be known
      throw busy;
    }
    if (ask) {
      try {
        return remote.settle(id, actual, model, now, usage, sdk);
      } catch (BudgetStoreException e) {
        if (e.isBusy()) {
          remoteKeys.put(id, keys); // the caller keeps the settle and retries it (PendingCharges)
          throw e;
        }
        goOffline(now, e);
      }
    } else if (keys == null) {
      return remote.settle(id, actual, model, now, usage, sdk);
    }
    used.addAndGet(actual);
    // the failed settle may have landed with its answer lost: the replay settles the same id once
    journal.add(new JournaledCharge(keys, actual, model, usage, sdk, id, true));
    PendingCharges.journaled(this);
    return true;
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now) {
    charge(keys, actual, model, now, null);
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now, Usage usage) {
    charge(keys, actual, model, now, usage, null);
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now, Usage usage, String sdk) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    if (tryServer(now)) {
      try {
        remote.charge(keys, actual, model, now, usage, sdk);
        return;
      } catch (BudgetStoreException e) {
        if (e.isBusy()) {
          throw e; // the caller keeps the charge and retries it (PendingCharges)
        }
        goOffline(now, e);
      }
    }
    if (actual != 0) {
      used.addAndGet(actual);
      journal.add(new JournaledCharge(keys, actual, model, usage, sdk, -1, false));
      PendingCharges.journaled(this);
    }
  }

  /** Whether to ask the server: always while online; once a probe interval after the last failure while offline. */
  private boolean tryServer(Instant now) {
    if (!offline) {
      return true;
    }
    if (now.toEpochMilli() < probeAt) {
      return false;
    }
    BudgetStoreException busy = lastBusy;
    if (busy != null && now.toEpochMilli() < busyUntil) {
      throw BudgetStoreException.busy(busy.getMessage(), busy);
    }
    try {
      replay(now);
      return true;
    } catch (BudgetStoreException e) {
      if (e.isBusy()) {
        // it answers again: no more admissions on the allowance while its connections are busy
        lastBusy = e;
        busyUntil = now.toEpochMilli() + PROBE_INTERVAL.toMillis();
        throw e;
      }
      probeAt = now.toEpochMilli() + PROBE_INTERVAL.toMillis();
      return false;
    }
  }

  private void goOffline(Instant now, BudgetStoreException e) {
    probeAt = now.toEpochMilli() + PROBE_INTERVAL.toMillis();
    if (!offline) {
      offline = true;
      Log.warn("llm-budget: " + remote.describe() + " is unreachable (" + e.getMessage() + "); calls go on against "
          + "this JVM's offline allowance of $" + Picodollars.toDollars(allowance).toPlainString()
          + " (llmbudget.store.offline_allowance), journaled and replayed when it answers again");
    }
  }

  private void replayIfOnline(Instant now) {
    if (!offline && !journal.isEmpty()) {
      try {
        replay(now);
      } catch (BudgetStoreException e) {
        if (!e.isBusy()) { // busy: the journal waits for the background retrier
          goOffline(now, e);
        }
      }
    }
  }

  /**
   * Re-creates the budgets this JVM made if the server lost them, then replays the journal in
   * order, each entry once. Throws (and leaves the rest of the journal) when the server fails again.
   */
  private void replay(Instant now) {
    replaying.lock();
    try {
      BudgetStoreException busy = lastBusy;
      if (busy != null && now.toEpochMilli() < busyUntil) {
        // queued behind a replay that found the pool saturated: not one more wait of its length
        throw BudgetStoreException.busy(busy.getMessage(), busy);
      }
      // budgets first: a replayed charge would create a limit-less entry in their place
      boolean lostData = false;
      for (Map.Entry<String, Terms> e : ownBudgets.entrySet()) {
        String k = e.getKey();
        Terms t = e.getValue();
        if (pendingPuts.containsKey(k)) {
          remote.putBudget(k, t.totalBudget, t.duration, t.createdAt);
          pendingPuts.remove(k);
        } else if (remote.putBudgetIfAbsent(k, t.totalBudget, t.duration, t.createdAt)) {
          lostData = true;
        }
      }
      JournaledCharge p;
      while ((p = journal.peek()) != null) {
        if (lostData) {
          // the server lost the budgets this JVM made, and with them its reservations: a settle it
          // answers false did not land before (or was lost with the data), so it is charged now
          p.forgetAttempt();
        }
        p.apply(remote, now);
        journal.poll();
        used.addAndGet(-p.actual);
      }
      if (offline) {
        offline = false;
        Log.warn("llm-budget: " + remote.describe() + " answers again; the offline journal is replayed");
      }
    } finally {
      replaying.unlock();
    }
  }

  @Override
  public int expireLeases(Instant now) {
    return remote.expireLeases(now);
  }

  @Override
  public Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    tryServer(now);
    return remote.snapshot(key, now);
  }

  /**
   * Creates or changes the budget on the server. While it is unreachable (a JVM that starts during an
   * outage puts its global budget first), the change is kept and written when it answers again.
   */
  @Override
  public void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    Terms t = new Terms(totalBudget, duration, createdAt);
    ownBudgets.put(key, t);
    try {
      remote.putBudget(key, totalBudget, duration, createdAt);
      pendingPuts.remove(key);
    } catch (BudgetStoreException e) {
      if (e.isBusy()) {
        throw e;
      }
      pendingPuts.put(key, t);
      goOffline(createdAt, e);
    }
  }

  /** As the server's; while it is unreachable, false, and the budget is created when it answers again. */
  @Override
  public boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    if (!ownBudgets.containsKey(key)) { // asked on every call of a user with a default budget
      ownBudgets.putIfAbsent(key, new Terms(totalBudget, duration, createdAt));
    }
    if (!tryServer(createdAt)) {
      return false;
    }
    try {
      return remote.putBudgetIfAbsent(key, totalBudget, duration, createdAt);
    } catch (BudgetStoreException e) {
      if (e.isBusy()) {
        throw e;
      }
      goOffline(createdAt, e);
      return false;
    }
  }

  @Override
  public Set<String> keys() {
    return remote.keys();
  }

  @Override
  public Optional<SpendHistory> spendHistory() {
    return remote.spendHistory();
  }

  /** The server's claim; while it is unreachable this throws and the caller announces on its own. */
  @Override
  public boolean claimAlert(String key, String threshold, Instant periodStart, Instant periodEnd) {
    return remote.claimAlert(key, threshold, periodStart, periodEnd);
  }

  @Override
  public void resetCost(String key, Instant now) {
    remote.resetCost(key, now);
  }

  @Override
  public void resetDue(Instant now) {
    remote.resetDue(now);
  }

  /**
   * Replays the journal now if there is one, for the background retrier (a JVM that makes no more
   * calls must not wait for its next call or its exit); true when it is empty afterwards.
   */
  boolean replayNow() {
    if (journal.isEmpty()) {
      return true;
    }
    Instant now = clock.instant();
    try {
      replay(now);
      return true;
    } catch (RuntimeException e) {
      if (e instanceof BudgetStoreException && !offline && !((BudgetStoreException) e).isBusy()) {
        goOffline(now, (BudgetStoreException) e);
      }
      // already offline: the probe time stays the callers' (their clock, not this thread's), the
      // background retrier backs off on its own
      return false;
    }
  }

  @Override
  public void flush() {
    if (!journal.isEmpty()) {
      try {
        replay(clock.instant());
      } catch (BudgetStoreException e) {
        Log.warn("llm-budget: " + journal.size() + " charges of the offline journal could not be replayed on "
            + remote.describe() + ": " + e.getMessage());
      }
    }
    remote.flush();
  }

  @Override
  public void close() {
    ExitFlush.unregister(this);
    flush();
    PendingCharges.closed(this); // a closed store's journal is not retried any more (flush warned what it left)
    remote.close();
  }
}
