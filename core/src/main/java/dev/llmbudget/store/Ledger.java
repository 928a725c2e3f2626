package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.internal.Log;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory accounting every local store is built on. Each budget's period, spend and
 * reservations sit in one immutable {@link State} swapped by compare-and-set, so a check and a
 * reservation are one atomic step without locks, and a due reset happens inside the same step.
 */
final class Ledger {

  /**
   * A budget's fixed terms; replaced whole when the budget is re-created. The creation instant is
   * kept as epoch nanoseconds, not an Instant: 24 bytes less a budget (a tenth of one). An instant
   * outside the ~584 years a long of nanoseconds spans keeps its Instant in {@link FarTerms}.
   */
  static class Terms {
    static final long NO_LIMIT = Long.MAX_VALUE;

    final long limit;
    final BudgetDuration duration;
    private final long createdNanos;

    private Terms(long limit, BudgetDuration duration, long createdNanos) {
      this.limit = limit;
      this.duration = duration;
      this.createdNanos = createdNanos;
    }

    static Terms of(long limit, BudgetDuration duration, Instant createdAt) {
      if (createdAt != null) {
        try {
          long nanos = Math.addExact(Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000_000L), createdAt.getNano());
          return new Terms(limit, duration, nanos);
        } catch (ArithmeticException e) {
          // beyond 1677..2262: kept as the Instant it is
        }
      }
      return new FarTerms(limit, duration, createdAt);
    }

    long limit() {
      return limit;
    }

    BudgetDuration duration() {
      return duration;
    }

    Instant createdAt() {
      return Instant.ofEpochSecond(0, createdNanos);
    }

    boolean hasLimit() {
      return limit != NO_LIMIT;
    }
  }

  private static final class FarTerms extends Terms {
    private final Instant createdAt;

    FarTerms(long limit, BudgetDuration duration, Instant createdAt) {
      super(limit, duration, 0);
      this.createdAt = createdAt;
    }

    @Override
    Instant createdAt() {
      return createdAt;
    }
  }

  /**
   * A budget's moving part. {@code models} belongs to the period and is replaced on reset; it is
   * {@code null} until a model is charged in the period, so a budget nobody has charged by model
   * carries no map (an empty ConcurrentHashMap is 64 bytes, a third of a budget's footprint).
   */
  static final class State {
    final long spent;
    final long reserved;
    final long periodStart;
    final long nextReset;
    final ConcurrentHashMap<String, AtomicLong> models;

    State(long spent, long reserved, long periodStart, long nextReset,
        ConcurrentHashMap<String, AtomicLong> models) {
      this.spent = spent;
      this.reserved = reserved;
      this.periodStart = periodStart;
      this.nextReset = nextReset;
      this.models = models;
    }
  }

  /**
   * One budget. Its key lives only in the map that holds it and its state in a plain volatile field
   * swapped through {@link #STATE}: with a million users, an AtomicReference and a copy of the key
   * reference per entry are 24 bytes a user that buy nothing.
   */
  final class Entry {
    volatile Terms terms;
    volatile State state;

    Entry(Terms terms, State initial) {
      this.terms = terms;
      this.state = initial;
    }

    boolean cas(State expected, State next) {
      return STATE.compareAndSet(this, expected, next);
    }

    /** The current state, after applying a reset that is due at {@code now}. */
    State current(long now) {
      while (true) {
        State s = state;
        if (now < s.nextReset) {
          return s;
        }
        State reset = resetState(s, terms, now);
        if (cas(s, reset)) {
          mutations.increment();
          return reset;
        }
      }
    }

    /**
     * Reserves {@code amount} if there is room: {@code null} when it is held, {@link ReserveResult#OK}
     * when this budget has no limit (nothing held), otherwise the refusal with the figures that refused.
     */
    ReserveResult tryReserve(String key, long amount, long now) {
      Terms t = terms;
      while (true) {
        State s = current(now);
        if (!t.hasLimit()) {
          return ReserveResult.OK;
        }
        if (!fits(s.spent, s.reserved, amount, t.limit)) {
          return ReserveResult.exhausted(key, s.spent, s.reserved, t.limit);
        }
        State next = new State(s.spent, s.reserved + amount, s.periodStart, s.nextReset, s.models);
        if (cas(s, next)) {
          return null;
        }
      }
    }

    /** Releases {@code release} of what this budget holds and charges {@code actual}, in one step. */
    void settle(long release, long actual, String model, long now) {
      State s;
      State next;
      do {
        s = current(now);
        // exact bookkeeping keeps reserved >= release; the floor only guards against a store bug
        long r = Math.max(0, s.reserved - release);
        boolean byModel = model != null && actual != 0;
        next = new State(saturatedAdd(s.spent, actual), r, s.periodStart, s.nextReset,
            byModel ? modelsOf(s) : s.models);
      } while (!cas(s, next));
      if (model != null && actual != 0) {
        addModel(next.models, model, actual);
      }
      mutations.increment();
    }

    /** Adds spend learned from elsewhere (another JVM, a server) to the period that started at {@code periodStart}. */
    void addExternal(long periodStart, long spent, Map<String, Long> models, long now) {
      State s;
      State next;
      do {
        s = current(now);
        if (s.periodStart != periodStart) {
          return;
        }
        next = new State(saturatedAdd(s.spent, spent), s.reserved, s.periodStart, s.nextReset,
            models.isEmpty() ? s.models : modelsOf(s));
      } while (!cas(s, next));
      ConcurrentHashMap<String, AtomicLong> target = next.models;
      models.forEach((m, v) -> addModel(target, m, v));
      mutations.increment();
    }

    /**
     * Moves to a newer period learned from elsewhere (a reset made by another JVM), keeping this
     * JVM's reservations and whatever it charged above {@code keepAbove} (its spend not yet synced).
     */
    void adoptPeriod(StoredBudget theirs, long keepAbove, Map<String, Long> keepModelsAbove) {
      long start = theirs.periodStart().toEpochMilli();
      long next = nextResetAfter(theirs.periodStart(), terms.duration, terms.createdAt());
      State s;
      State adopted;
      do {
        s = state;
        ConcurrentHashMap<String, AtomicLong> m = new ConcurrentHashMap<>();
        theirs.models().forEach((k, v) -> m.put(modelName(k), new AtomicLong(v)));
        if (s.models != null) {
          s.models.forEach((k, v) -> {
            long mine = v.get() - keepModelsAbove.getOrDefault(k, 0L);
            if (mine > 0) {
              addModel(m, k, mine);
            }
          });
        }
        long spent = saturatedAdd(theirs.spent(), Math.max(0, s.spent - keepAbove));
        adopted = new State(spent, s.reserved, start, next, m.isEmpty() ? null : m);
      } while (!cas(s, adopted));
      mutations.increment();
    }

    /** Moves the current period's start to {@code periodStart}, keeping the spend and adding {@code spent}. */
    void rebase(long periodStart, long spent, Map<String, Long> models) {
      Terms t = terms;
      long next = nextResetAfter(Instant.ofEpochMilli(periodStart), t.duration, t.createdAt());
      State s;
      State moved;
      do {
        s = state;
        moved = new State(saturatedAdd(s.spent, spent), s.reserved, periodStart, next,
            models.isEmpty() ? s.models : modelsOf(s));
      } while (!cas(s, moved));
      ConcurrentHashMap<String, AtomicLong> target = moved.models;
      models.forEach((m, v) -> addModel(target, m, v));
      mutations.increment();
    }

    /** What persistence writes: terms and the settled spend of the period as it stands (no reset applied). */
    StoredBudget stored() {
      Terms t = terms;
      // settle books the model after the spend, so reading the models first keeps their sum at or
      // below the spend; a reset in between swaps the map, and then we read again.
      while (true) {
        State before = state;
        Map<String, Long> models = new HashMap<>();
        if (before.models != null) {
          before.models.forEach((m, v) -> models.put(m, v.get()));
        }
        State s = state;
        if (s.models == before.models) {
          return new StoredBudget(t.limit, t.duration, t.createdAt(), Instant.ofEpochMilli(s.periodStart), s.spent, models);
        }
      }
    }

    void resetNow(long now) {
      State s;
      do {
        s = state;
      } while (!cas(s, freshState(s.reserved, terms.duration, now)));
      mutations.increment();
    }

    BudgetSnapshot snapshot(String key, long now) {
      State s = current(now);
      Terms t = terms;
      Map<String, BigDecimal> models = new TreeMap<>();
      if (s.models != null) {
        s.models.forEach((m, v) -> models.put(m, Picodollars.toDollars(v.get())));
      }
      return new BudgetSnapshot(key,
          t.hasLimit() ? Picodollars.toDollars(t.limit) : null,
          Picodollars.toDollars(s.spent),
          Picodollars.toDollars(s.reserved),
          Collections.unmodifiableMap(models),
          t.duration,
          t.createdAt(),
          Instant.ofEpochMilli(s.periodStart),
          s.nextReset == Long.MAX_VALUE ? null : Instant.ofEpochMilli(s.nextReset));
    }
  }

  private static final AtomicReferenceFieldUpdater<Entry, State> STATE =
      AtomicReferenceFieldUpdater.newUpdater(Entry.class, State.class, "state");

  /**
   * Model names seen by this ledger, so a million users charged under one model share one string
   * instead of each keeping the copy its response or file parse made. Bounded: names beyond the
   * cap (a caller that passes arbitrary text) are kept as given.
   */
  private final ConcurrentHashMap<String, String> modelNames = new ConcurrentHashMap<>();
  private static final int MAX_MODEL_NAMES = 10_000;

  String modelName(String model) {
    String known = modelNames.get(model);
    if (known != null) {
      return known;
    }
    if (modelNames.size() >= MAX_MODEL_NAMES) {
      return model;
    }
    known = modelNames.putIfAbsent(model, model);
    return known != null ? known : model;
  }

  /** The map a new state of {@code s}'s period books models in: {@code s}'s own, or a first one. */
  private static ConcurrentHashMap<String, AtomicLong> modelsOf(State s) {
    return s.models != null ? s.models : new ConcurrentHashMap<>(2);
  }

  private void addModel(ConcurrentHashMap<String, AtomicLong> models, String model, long amount) {
    AtomicLong cost = models.get(model);
    if (cost == null) {
      cost = models.computeIfAbsent(modelName(model), m -> new AtomicLong());
    }
    cost.addAndGet(amount);
  }

  /** The latest instant a lease can end at in epoch milliseconds; later ones never expire. */
  private static final Instant LATEST = Instant.ofEpochMilli(Long.MAX_VALUE);

  private final ZoneId zone;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final LongAdder mutations = new LongAdder();
  private final ConcurrentHashMap<Long, Hold> holds = new ConcurrentHashMap<>();
  private final AtomicLong reservationIds = new AtomicLong();
  /** No lease expires (and no expired one is due to be forgotten) before this instant. */
  private volatile long nextLeaseCheck = Long.MAX_VALUE;
  private static final AtomicLongFieldUpdater<Ledger> NEXT_LEASE_CHECK =
      AtomicLongFieldUpdater.newUpdater(Ledger.class, "nextLeaseCheck");

  /**
   * A live reservation: exactly which budgets it holds {@code amount} on ({@code held[i]} for
   * {@code keys[i]}, {@code null} where it holds nothing), so settle and expiry release exactly that.
   */
  static final class Hold {
    static final int HELD = 0;
    static final int EXPIRED = 1;
    static final int SETTLED = 2;
    static final AtomicIntegerFieldUpdater<Hold> STATE = AtomicIntegerFieldUpdater.newUpdater(Hold.class, "state");

    final long id;
    final String[] keys;
    final Entry[] held;
    final long amount;
    final long reservedAt;
    final long expiresAt;
    volatile int state;

    Hold(long id, String[] keys, Entry[] held, long amount, long reservedAt, long expiresAt) {
      this.id = id;
      this.keys = keys;
      this.held = held;
      this.amount = amount;
      this.reservedAt = reservedAt;
      this.expiresAt = expiresAt;
    }

    /** An expired hold is kept one more lease span, so a late settle still finds and charges it. */
    long forgetAt() {
      return saturatedAdd(expiresAt, Math.max(0, expiresAt - reservedAt));
    }
  }

  Ledger(ZoneId zone) {
    this.zone = Objects.requireNonNull(zone, "zone");
  }

  ZoneId zone() {
    return zone;
  }

  /** Grows with every change; persistence compares it to know whether there is anything to write. */
  long mutationCount() {
    return mutations.sum();
  }

  Entry entry(String key) {
    return entries.get(key);
  }

  /** Every entry with its key. */
  Set<Map.Entry<String, Entry>> entries() {
    return entries.entrySet();
  }

  Set<String> keys() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  long newReservationId() {
    return reservationIds.incrementAndGet();
  }

  ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
    if (amount < 0) {
      throw new IllegalArgumentException("a reservation cannot be negative, was " + amount + " picodollars");
    }
    long t = now.toEpochMilli();
    if (t >= nextLeaseCheck) {
      expireLeases(t);
    }
    Entry[] held = null;
    for (int i = 0; i < keys.length; i++) {
      Entry e = keys[i] == null ? null : entries.get(keys[i]);
      if (e == null) {
        continue;
      }
      ReserveResult refused = e.tryReserve(keys[i], amount, t);
      if (refused == ReserveResult.OK) {
        continue;
      }
      if (refused != null) {
        if (held != null) {
          for (Entry h : held) {
            if (h != null) {
              h.settle(amount, 0, null, t);
            }
          }
        }
        return refused;
      }
      if (held == null) {
        held = new Entry[keys.length];
      }
      held[i] = e;
    }
    long expires = expiresAt.isAfter(LATEST) ? Long.MAX_VALUE : expiresAt.toEpochMilli();
    if (holds.putIfAbsent(id, new Hold(id, keys, held, amount, t, expires)) != null) {
      throw new IllegalStateException("reservation id " + id + " is already in use");
    }
    lowerLeaseCheck(expires);
    return ReserveResult.OK;
  }

  boolean settle(long id, long actual, String model, Instant now) {
    Hold h = holds.get(id);
    if (h == null) {
      return false;
    }
    boolean release;
    if (Hold.STATE.compareAndSet(h, Hold.HELD, Hold.SETTLED)) {
      release = true;
    } else if (Hold.STATE.compareAndSet(h, Hold.EXPIRED, Hold.SETTLED)) {
      release = false;
    } else {
      return false;
    }
    holds.remove(id, h);
    long t = now.toEpochMilli();
    for (int i = 0; i < h.keys.length; i++) {
      String key = h.keys[i];
      if (key == null) {
        continue;
      }
      // entries are never replaced or removed, so the entry held is the key's entry now
      Entry held = release && h.held != null ? h.held[i] : null;
      Entry e = held != null ? held : entries.get(key);
      if (e == null && actual != 0) {
        e = entries.computeIfAbsent(key, k -> newEntry(k, Terms.NO_LIMIT, null, now, now));
      }
      if (e != null && (held != null || actual != 0)) {
        e.settle(held == null ? 0 : h.amount, actual, model, t);
      }
    }
    return true;
  }

  void charge(String[] keys, long actual, String model, Instant now) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    if (actual == 0) {
      return;
    }
    long t = now.toEpochMilli();
    for (String key : keys) {
      if (key != null) {
        entries.computeIfAbsent(key, k -> newEntry(k, Terms.NO_LIMIT, null, now, now)).settle(0, actual, model, t);
      }
    }
  }

  /**
   * Releases every reservation whose lease ran out by {@code now} and forgets those expired long
   * enough ago (one more lease span) that no late settle is expected; returns how many it released.
   */
  int expireLeases(Instant now) {
    return expireLeases(now.toEpochMilli());
  }

  private int expireLeases(long now) {
    // Reset first, then lower again for every hold that stays. A reserve puts its hold, then always
    // writes the bound (lowerLeaseCheck); whichever of that write and this getAndSet comes first,
    // either the scan sees the hold or the bound keeps its expiry, so no lease is missed.
    NEXT_LEASE_CHECK.getAndSet(this, Long.MAX_VALUE);
    int released = 0;
    Hold first = null;
    for (Hold h : holds.values()) {
      if (h.expiresAt > now) {
        lowerLeaseCheck(h.expiresAt);
      } else if (Hold.STATE.compareAndSet(h, Hold.HELD, Hold.EXPIRED)) {
        released++;
        first = first == null ? h : first;
        if (h.held != null) {
          for (Entry e : h.held) {
            if (e != null) {
              e.settle(h.amount, 0, null, now);
            }
          }
        }
        lowerLeaseCheck(h.forgetAt());
      } else if (h.forgetAt() <= now) {
        holds.remove(h.id, h);
      } else {
        lowerLeaseCheck(h.forgetAt());
      }
    }
    if (first != null) {
      // one line per scan, not per reservation: a burst of abandoned calls must not flood the log
      Log.warn("llm-budget: released " + released + (released == 1 ? " reservation" : " reservations")
          + " not settled within its lease of "
          + dev.llmbudget.internal.UserIds.describe(java.time.Duration.ofMillis(first.expiresAt - first.reservedAt))
          + " (llmbudget.reservation_ttl), e.g. $" + Picodollars.toDollars(first.amount).toPlainString()
          + " for " + dev.llmbudget.internal.UserIds.describe(first.keys)
          + "; a call that completes later is still charged what it used");
    }
    return released;
  }

  private void lowerLeaseCheck(long at) {
    NEXT_LEASE_CHECK.accumulateAndGet(this, at, Math::min);
  }

  Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    if (now.toEpochMilli() >= nextLeaseCheck) {
      expireLeases(now.toEpochMilli());
    }
    Entry e = entries.get(key);
    return e == null ? Optional.empty() : Optional.of(e.snapshot(key, now.toEpochMilli()));
  }

  void putBudget(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Entry existing = entries.putIfAbsent(key, newEntry(key, limit, duration, createdAt, now));
    if (existing != null) {
      Terms old = existing.terms;
      existing.terms = Terms.of(limit, duration, old.createdAt());
      if (!Objects.equals(old.duration, duration)) {
        State s;
        do {
          s = existing.state;
        } while (!existing.cas(s, retime(s, duration, old.createdAt())));
      }
    }
    mutations.increment();
  }

  /** True when {@code key} has a budget here. */
  boolean contains(String key) {
    return entries.containsKey(key);
  }

  boolean putBudgetIfAbsent(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    if (entries.containsKey(key)) {
      return false;
    }
    boolean created = entries.putIfAbsent(key, newEntry(key, limit, duration, createdAt, now)) == null;
    if (created) {
      mutations.increment();
    }
    return created;
  }

  /** Loads a persisted entry unless {@code key} already has one; true when it did. */
  boolean restoreIfAbsent(String key, StoredBudget b) {
    if (entries.containsKey(key)) {
      return false;
    }
    ConcurrentHashMap<String, AtomicLong> m = null;
    if (!b.models().isEmpty()) {
      ConcurrentHashMap<String, AtomicLong> loaded = new ConcurrentHashMap<>(b.models().size());
      b.models().forEach((k, v) -> loaded.put(modelName(k), new AtomicLong(v)));
      m = loaded;
    }
    State initial = new State(b.spent(), 0, b.periodStart().toEpochMilli(),
        nextResetAfter(b.periodStart(), b.duration(), b.createdAt()), m);
    boolean added = entries.putIfAbsent(key,
        new Entry(Terms.of(b.limit(), b.duration(), b.createdAt()), initial)) == null;
    if (added) {
      mutations.increment();
    }
    return added;
  }

  void resetCost(String key, Instant now) {
    Entry e = entries.get(key);
    if (e != null) {
      e.resetNow(now.toEpochMilli());
    }
  }

  void resetDue(Instant now) {
    long t = now.toEpochMilli();
    if (t >= nextLeaseCheck) {
      expireLeases(t);
    }
    for (Entry e : entries.values()) {
      e.current(t);
    }
  }

  private Entry newEntry(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Terms terms = Terms.of(limit, duration, createdAt);
    Instant start = duration == null ? createdAt : duration.currentPeriodStart(createdAt, now, createdAt, zone);
    long next = nextResetAfter(start, duration, createdAt);
    return new Entry(terms, new State(0, 0, start.toEpochMilli(), next, null));
  }

  /** When a period that started at {@code periodStart} ends; spans step on the grid of {@code anchor}. */
  long nextResetAfter(Instant periodStart, BudgetDuration duration, Instant anchor) {
    return duration == null ? Long.MAX_VALUE : duration.nextReset(periodStart, anchor, zone).toEpochMilli();
  }

  private State resetState(State s, Terms terms, long now) {
    BudgetDuration duration = terms.duration;
    if (duration == null) {
      return new State(s.spent, s.reserved, s.periodStart, Long.MAX_VALUE, s.models);
    }
    Instant start = duration.currentPeriodStart(Instant.ofEpochMilli(s.periodStart), Instant.ofEpochMilli(now),
        terms.createdAt(), zone);
    return periodFrom(start, s.reserved, duration, terms.createdAt());
  }

  private State freshState(long reserved, BudgetDuration duration, long now) {
    return periodFrom(Instant.ofEpochMilli(now), reserved, duration, null);
  }

  private State periodFrom(Instant start, long reserved, BudgetDuration duration, Instant anchor) {
    long next = nextResetAfter(start, duration, anchor);
    return new State(0, reserved, start.toEpochMilli(), next, null);
  }

  private State retime(State s, BudgetDuration duration, Instant anchor) {
    long next = nextResetAfter(Instant.ofEpochMilli(s.periodStart), duration, anchor);
    return new State(s.spent, s.reserved, s.periodStart, next, s.models);
  }

  /**
   * Whether {@code amount} fits next to {@code spent} and {@code reserved} under {@code limit}. A budget
   * that has spent its limit refuses even a zero reservation; the sum saturates instead of wrapping,
   * so a huge amount is refused, never let through as a negative total.
   */
  static boolean fits(long spent, long reserved, long amount, long limit) {
    return Picodollars.fits(spent, reserved, amount, limit);
  }

  /** {@code a + b}, pinned at {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE} instead of wrapping. */
  static long saturatedAdd(long a, long b) {
    return Picodollars.saturatedAdd(a, b);
  }
}
