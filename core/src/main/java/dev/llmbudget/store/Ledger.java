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
   * A budget's limit and period length, shared by every budget with the same two (see
   * {@link #terms}): with a million users on one default budget, one object instead of a million.
   * They travel in the {@link State}, so a budget change is the same one compare-and-set as a
   * reservation, and no call ever sees a new limit with the old period or the reverse.
   */
  static class Terms {
    static final long NO_LIMIT = Long.MAX_VALUE;

    final long limit;
    final BudgetDuration duration;

    Terms(long limit, BudgetDuration duration) {
      this.limit = limit;
      this.duration = duration;
    }

    long limit() {
      return limit;
    }

    BudgetDuration duration() {
      return duration;
    }

    /** The creation instant of a budget with these terms, which its entry keeps as epoch nanoseconds. */
    Instant createdAt(long createdNanos) {
      return Instant.ofEpochSecond(0, createdNanos);
    }

    boolean hasLimit() {
      return limit != NO_LIMIT;
    }

    @Override
    public boolean equals(Object o) {
      return o != null && o.getClass() == Terms.class && ((Terms) o).limit == limit
          && Objects.equals(((Terms) o).duration, duration);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(limit) * 31 + Objects.hashCode(duration);
    }
  }

  /**
   * The terms of one budget created at an instant outside the ~584 years a long of nanoseconds spans
   * (or at none): they keep that instant themselves and are never shared.
   */
  private static final class FarTerms extends Terms {
    private final Instant createdAt;

    FarTerms(long limit, BudgetDuration duration, Instant createdAt) {
      super(limit, duration);
      this.createdAt = createdAt;
    }

    @Override
    Instant createdAt(long createdNanos) {
      return createdAt;
    }
  }

  /** Terms of budgets that only track spend; never a map look-up, as a first charge creates these. */
  static final Terms UNLIMITED = new Terms(Terms.NO_LIMIT, null);
  private static final int MAX_TERMS = 10_000;
  /** Distinct terms seen by this ledger; bounded like {@link #modelNames}, beyond it terms are not shared. */
  private final ConcurrentHashMap<Terms, Terms> termsSeen = new ConcurrentHashMap<>();

  /** Shared terms for {@code limit} and {@code duration}. */
  Terms terms(long limit, BudgetDuration duration) {
    if (limit == Terms.NO_LIMIT && duration == null) {
      return UNLIMITED;
    }
    Terms t = new Terms(limit, duration);
    Terms known = termsSeen.get(t);
    if (known != null) {
      return known;
    }
    if (termsSeen.size() >= MAX_TERMS) {
      return t;
    }
    known = termsSeen.putIfAbsent(t, t);
    return known != null ? known : t;
  }

  /** Terms of a budget created at {@code createdAt}: shared, unless the instant needs its own {@link FarTerms}. */
  Terms terms(long limit, BudgetDuration duration, Instant createdAt) {
    return isNear(createdAt) ? terms(limit, duration) : new FarTerms(limit, duration, createdAt);
  }

  /** Whether {@code createdAt} fits in a long of epoch nanoseconds (1677..2262). */
  private static boolean isNear(Instant createdAt) {
    if (createdAt == null) {
      return false;
    }
    try {
      Math.addExact(Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000_000L), createdAt.getNano());
      return true;
    } catch (ArithmeticException e) {
      return false; // beyond 1677..2262: its FarTerms keep the Instant it is
    }
  }

  /** {@code createdAt} as epoch nanoseconds; 0 for an instant {@link #isNear} refuses (its terms keep it). */
  private static long nanosOf(Instant createdAt) {
    return isNear(createdAt) ? createdAt.getEpochSecond() * 1_000_000_000L + createdAt.getNano() : 0;
  }

  /**
   * A budget's moving part and its terms. {@code models} belongs to the period and is replaced on
   * reset; it is {@code null} until a model is charged in the period, so a budget nobody has charged
   * by model carries no map (an empty ConcurrentHashMap is 64 bytes, a third of a budget's footprint).
   */
  static class State {
    final long spent;
    final long reserved;
    final long periodStart;
    final long nextReset;
    final ConcurrentHashMap<String, AtomicLong> models;
    final Terms terms;

    State(long spent, long reserved, long periodStart, long nextReset,
        ConcurrentHashMap<String, AtomicLong> models, Terms terms) {
      this.spent = spent;
      this.reserved = reserved;
      this.periodStart = periodStart;
      this.nextReset = nextReset;
      this.models = models;
      this.terms = terms;
    }

    /** This state under other terms; an {@link Idle} one stays marked (a change of terms is no use). */
    State withTerms(Terms t) {
      return new State(spent, reserved, periodStart, nextReset, models, t);
    }
  }

  /**
   * A state the eviction sweep found unused and marked (the CLOCK algorithm's reference bit, kept
   * in the type so it costs no byte): every call replaces the state with a plain one, so a state
   * still marked at the next sweep has not been used since, and is evicted. A timestamp per budget
   * would have cost 8 bytes a budget and a write per call.
   */
  static final class Idle extends State {
    Idle(long spent, long reserved, long periodStart, long nextReset, ConcurrentHashMap<String, AtomicLong> models,
        Terms terms) {
      super(spent, reserved, periodStart, nextReset, models, terms);
    }

    Idle(State s) {
      this(s.spent, s.reserved, s.periodStart, s.nextReset, s.models, s.terms);
    }

    @Override
    State withTerms(Terms t) {
      return new Idle(spent, reserved, periodStart, nextReset, models, t);
    }
  }

  /**
   * One budget: 24 bytes. Its key lives only in the map that holds it, its state (terms included) in
   * a plain volatile field swapped through {@link #STATE}, and it is a static class: with a million
   * users, an AtomicReference, a copy of the key and a reference to the ledger per entry are 28
   * bytes a user that buy nothing. The creation instant is here, not in the shared terms, and changes
   * only in a merge (which excludes the sweep); {@link FarTerms} override it.
   */
  static final class Entry {
    volatile State state;
    volatile long createdNanos;

    Entry(long createdNanos, State initial) {
      this.createdNanos = createdNanos;
      this.state = initial;
    }

    boolean cas(State expected, State next) {
      return STATE.compareAndSet(this, expected, next);
    }

    /** When this budget was created, by the terms of {@code s} (one of its states). */
    Instant createdAt(State s) {
      return s.terms.createdAt(createdNanos);
    }

    /** When this budget was created. */
    Instant createdAt() {
      return createdAt(state);
    }

    /** The current state, after applying a reset that is due at {@code now}. */
    State current(Ledger l, long now) {
      while (true) {
        State s = state;
        if (now < s.nextReset) {
          return s;
        }
        if (s == EVICTED) {
          return s; // its nextReset is Long.MIN_VALUE, so the live fast path above pays nothing for this check
        }
        State reset = l.resetState(s, createdAt(s), now);
        if (s instanceof Idle) {
          reset = new Idle(reset); // a rollover (often done by a read) is not a use: it keeps the mark
        }
        if (cas(s, reset)) {
          l.mutations.increment();
          return reset;
        }
      }
    }

    /**
     * Reserves {@code amount} if there is room: {@code null} when it is held, {@link ReserveResult#OK}
     * when this budget has no limit (nothing held), otherwise the refusal with the figures that refused.
     */
    ReserveResult tryReserve(Ledger l, String key, long amount, long now) {
      while (true) {
        State s = current(l, now);
        if (s == EVICTED) {
          return MOVED;
        }
        Terms t = s.terms;
        if (!t.hasLimit()) {
          return ReserveResult.OK;
        }
        if (!fits(s.spent, s.reserved, amount, t.limit)) {
          return ReserveResult.exhausted(key, s.spent, s.reserved, t.limit);
        }
        State next = new State(s.spent, s.reserved + amount, s.periodStart, s.nextReset, s.models, t);
        if (cas(s, next)) {
          return null;
        }
      }
    }

    /**
     * Releases {@code release} of what this budget holds and charges {@code actual}, in one step;
     * false when the entry was evicted, so nothing happened here and the caller goes to the key's
     * entry now. An evicted entry held nothing, so a release alone needs no retry.
     */
    boolean settle(Ledger l, String key, long release, long actual, String model, long now) {
      State s;
      State next;
      do {
        s = current(l, now);
        if (s == EVICTED) {
          return false;
        }
        // exact bookkeeping keeps reserved >= release; the floor only guards against a store bug
        long r = Math.max(0, s.reserved - release);
        boolean byModel = model != null && actual != 0;
        next = new State(saturatedAdd(s.spent, actual), r, s.periodStart, s.nextReset,
            byModel ? modelsOf(s) : s.models, s.terms);
      } while (!cas(s, next));
      if (model != null && actual != 0) {
        l.bookModel(this, key, next.models, next.periodStart, model, actual);
      }
      l.mutations.increment();
      return true;
    }

    /** Adds spend learned from elsewhere (another JVM, a server) to the period that started at {@code periodStart}. */
    void addExternal(Ledger l, long periodStart, long spent, Map<String, Long> models, long now) {
      State s;
      State next;
      do {
        s = current(l, now);
        if (s.periodStart != periodStart) {
          return;
        }
        next = new State(saturatedAdd(s.spent, spent), s.reserved, s.periodStart, s.nextReset,
            models.isEmpty() ? s.models : modelsOf(s), s.terms);
      } while (!cas(s, next));
      ConcurrentHashMap<String, AtomicLong> target = next.models;
      models.forEach((m, v) -> l.addModel(target, m, v));
      l.mutations.increment();
    }

    /**
     * Moves to a newer period learned from elsewhere (a reset made by another JVM), keeping this
     * JVM's reservations and whatever it charged above {@code keepAbove} (its spend not yet synced).
     */
    void adoptPeriod(Ledger l, StoredBudget theirs, long keepAbove, Map<String, Long> keepModelsAbove) {
      long start = theirs.periodStart().toEpochMilli();
      State s;
      State adopted;
      do {
        s = state;
        long next = l.nextResetAfter(theirs.periodStart(), s.terms.duration, createdAt(s));
        ConcurrentHashMap<String, AtomicLong> m = new ConcurrentHashMap<>();
        theirs.models().forEach((k, v) -> m.put(l.modelName(k), new AtomicLong(v)));
        if (s.models != null) {
          s.models.forEach((k, v) -> {
            long mine = v.get() - keepModelsAbove.getOrDefault(k, 0L);
            if (mine > 0) {
              l.addModel(m, k, mine);
            }
          });
        }
        long spent = saturatedAdd(theirs.spent(), Math.max(0, s.spent - keepAbove));
        adopted = new State(spent, s.reserved, start, next, m.isEmpty() ? null : m, s.terms);
      } while (!cas(s, adopted));
      l.mutations.increment();
    }

    /** Moves the current period's start to {@code periodStart}, keeping the spend and adding {@code spent}. */
    void rebase(Ledger l, long periodStart, long spent, Map<String, Long> models) {
      State s;
      State moved;
      do {
        s = state;
        long next = l.nextResetAfter(Instant.ofEpochMilli(periodStart), s.terms.duration, createdAt(s));
        moved = new State(saturatedAdd(s.spent, spent), s.reserved, periodStart, next,
            models.isEmpty() ? s.models : modelsOf(s), s.terms);
      } while (!cas(s, moved));
      ConcurrentHashMap<String, AtomicLong> target = moved.models;
      models.forEach((m, v) -> l.addModel(target, m, v));
      l.mutations.increment();
    }

    /** What persistence writes: terms and the settled spend of the period as it stands (no reset applied). */
    StoredBudget stored() {
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
          Terms t = s.terms;
          return new StoredBudget(t.limit, t.duration, createdAt(s), Instant.ofEpochMilli(s.periodStart), s.spent, models);
        }
      }
    }

    /** False when the entry was evicted (nothing done). */
    boolean resetNow(Ledger l, long now) {
      State s;
      do {
        s = state;
        if (s == EVICTED) {
          return false;
        }
      } while (!cas(s, l.freshState(s, now)));
      l.mutations.increment();
      return true;
    }

    /** This budget as the user sees it; null when the entry was evicted meanwhile. */
    BudgetSnapshot snapshot(Ledger l, String key, long now) {
      State s = current(l, now);
      if (s == EVICTED) {
        return null;
      }
      Terms t = s.terms;
      Map<String, BigDecimal> models = new TreeMap<>();
      if (s.models != null) {
        s.models.forEach((m, v) -> models.put(m, Picodollars.toDollars(v.get())));
      }
      if (state == EVICTED) {
        return null; // the sweep may have sealed the model costs just read; read the packed copy
      }
      return new BudgetSnapshot(key,
          t.hasLimit() ? Picodollars.toDollars(t.limit) : null,
          Picodollars.toDollars(s.spent),
          Picodollars.toDollars(s.reserved),
          Collections.unmodifiableMap(models),
          t.duration,
          createdAt(s),
          Instant.ofEpochMilli(s.periodStart),
          s.nextReset == Long.MAX_VALUE ? null : Instant.ofEpochMilli(s.nextReset));
    }
  }

  /**
   * The state of an entry the sweep moved to {@link #evicted}: a tombstone set by compare-and-set, so
   * an operation that read the entry before it was evicted fails its own compare-and-set and looks
   * the key up again (which re-hydrates it), instead of changing a copy nobody will read. Its
   * nextReset of Long.MIN_VALUE sends it off {@link Entry#current}'s fast path, so live entries pay
   * nothing for the check.
   */
  static final State EVICTED = new State(0, 0, 0, Long.MIN_VALUE, null, UNLIMITED);
  /** {@link Entry#tryReserve}'s answer for an evicted entry; never leaves the ledger. */
  static final ReserveResult MOVED = ReserveResult.exhausted("", 0, 0, 0);
  /**
   * A model cost the sweep has taken into the packed copy. A settle that booked its model into a
   * map the sweep already read (it lost the race by a few instructions) finds this mark, or finds
   * the entry evicted, and books the amount into the re-hydrated entry instead (see bookModel).
   */
  private static final long SEALED = Long.MIN_VALUE;
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

  /**
   * Evicted budgets, packed. Its monitor is the eviction lock: the sweep moves one entry at a time
   * under it (tombstone, pack, put here, remove from {@link #entries}), and with eviction on, every
   * miss of {@link #entries} and every creation of an entry takes it too. So under the lock a key
   * is in exactly one of the two, and a key is never created fresh while its budget sits here.
   */
  private final EvictedBudgets evicted = new EvictedBudgets();
  /**
   * How many budgets {@link #evicted} holds, readable without the lock; for statistics and to skip
   * work. Never to decide that a key has no entry: a miss in {@link #entries} while the key is being
   * re-hydrated could read it as 0 after the entry went back, so a miss always asks under the lock.
   */
  private volatile int evictedCount;
  private final boolean evicts;

  Ledger(ZoneId zone) {
    this(zone, false);
  }

  /** {@code evicts}: whether {@link #evictIdle} may be called (creation then goes through the eviction lock). */
  Ledger(ZoneId zone, boolean evicts) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.evicts = evicts;
  }

  /** How many budgets are evicted now. */
  int evictedCount() {
    return evictedCount;
  }

  /**
   * One pass of the eviction sweep, on a store's background thread, never a call's: marks every
   * budget that holds no reservation as {@link Idle}, and moves those still marked since the last
   * pass (so unused for a whole sweep interval at least) to the packed form; returns how many moved.
   *
   * <p>Race with a concurrent call of the same user: the entry is tombstoned by compare-and-set on
   * its state, the only field a call changes money through, so either the call's compare-and-set
   * came first (the state is no longer the marked one, the sweep's fails, nothing is evicted) or
   * the sweep's did (the call's fails, it sees {@link #EVICTED} and goes through {@link #rehydrate},
   * which waits for this lock and finds the packed copy). The terms are part of the state, so a
   * budget change is a compare-and-set that meets the tombstone the same way. Model costs
   * are sealed one by one (see SEALED). Callers that change entries outside these protocols
   * (LedgerSync's merge) must exclude the sweep, which the local store does with its flush lock.
   */
  int evictIdle() {
    if (!evicts) {
      throw new IllegalStateException("this ledger was made without eviction");
    }
    int moved = 0;
    for (Map.Entry<String, Entry> me : entries.entrySet()) {
      Entry e = me.getValue();
      State s = e.state;
      if (s == EVICTED || s.reserved != 0) {
        continue;
      }
      if (!(s instanceof Idle)) {
        e.cas(s, new Idle(s)); // failing means it was just used: it stays unmarked
        continue;
      }
      // Decided before the tombstone, never by putting a tombstoned state back: a settle that saw the
      // tombstone has sealed its model cost for a hand-over, and would find that sealed counter in
      // the restored state and hand it over for ever. Only a merge changes a creation instant, and
      // it excludes the sweep.
      if (s.terms.getClass() != Terms.class || !EvictedBudgets.packable(me.getKey())) {
        continue; // a creation instant beyond 2262 does not pack
      }
      synchronized (evicted) {
        if (!e.cas(s, EVICTED)) {
          continue; // used meanwhile
        }
        // s is the last state before the tombstone, so its terms are the latest: a budget change
        // is a compare-and-set of the state too, and one made now sees the tombstone
        evicted.put(me.getKey(), pack(e, s));
        evictedCount = evicted.size();
        entries.remove(me.getKey(), e);
        moved++;
      }
    }
    return moved;
  }

  private static EvictedBudgets.Packed pack(Entry e, State s) {
    String[] names = new String[0];
    long[] costs = new long[0];
    if (s.models != null) {
      java.util.List<String> n = new java.util.ArrayList<>();
      java.util.List<Long> c = new java.util.ArrayList<>();
      for (Map.Entry<String, AtomicLong> m : s.models.entrySet()) {
        long v = m.getValue().getAndSet(SEALED);
        if (v != SEALED) {
          n.add(m.getKey());
          c.add(v);
        }
      }
      names = n.toArray(names);
      costs = c.stream().mapToLong(Long::longValue).toArray();
    }
    return new EvictedBudgets.Packed(s.terms.limit, s.terms.duration, e.createdNanos, s.spent, s.periodStart,
        s.nextReset, names, costs);
  }

  private Entry unpack(EvictedBudgets.Packed p) {
    ConcurrentHashMap<String, AtomicLong> m = null;
    if (p.models.length > 0) {
      m = new ConcurrentHashMap<>(p.models.length);
      for (int i = 0; i < p.models.length; i++) {
        m.put(modelName(p.models[i]), new AtomicLong(p.costs[i]));
      }
    }
    Entry e = new Entry(p.createdNanos, new Idle(p.spent, 0, p.periodStart, p.nextReset, m,
        terms(p.limit, p.duration))); // not used yet: may go at the next sweep
    return e;
  }

  /**
   * The slow path of a miss: under the eviction lock, the key's live entry, else its evicted budget
   * moved back into {@link #entries} exactly as it was packed, else {@code fresh} put there (null:
   * none). Never returns an evicted entry: the sweep removes one before it lets go of the lock.
   */
  private Entry rehydrate(String key, Entry fresh) {
    if (!evicts) {
      if (fresh == null) {
        return entries.get(key);
      }
      Entry had = entries.putIfAbsent(key, fresh);
      return had != null ? had : fresh;
    }
    synchronized (evicted) {
      Entry e = entries.get(key);
      if (e != null) {
        return e;
      }
      EvictedBudgets.Packed p = evicted.size() == 0 ? null : evicted.take(key);
      if (p != null) {
        e = unpack(p);
      } else if (fresh != null) {
        e = fresh;
      } else {
        return null;
      }
      entries.put(key, e);
      evictedCount = evicted.size();
      return e;
    }
  }

  /** The key's entry for reading or changing; null when it has none. May be one being evicted. */
  private Entry lookup(String key) {
    Entry e = entries.get(key);
    return e != null || !evicts ? e : rehydrate(key, null);
  }

  /** The key's entry, created without a limit when it has none. May be one being evicted. */
  private Entry lookupOrCreate(String key, Instant now) {
    Entry e = entries.get(key);
    return e != null ? e : rehydrate(key, newEntry(key, Terms.NO_LIMIT, null, now, now));
  }

  /**
   * Books {@code amount} under {@code model} in {@code models}, the map of the period that started
   * at {@code periodStart} that {@code e}'s settle just installed. If the sweep evicted {@code e}
   * meanwhile, whichever of the two seals a cost first takes it: the sweep into the packed copy, or
   * this call, which books what it took into the re-hydrated entry. So every amount is counted once.
   */
  private void bookModel(Entry e, String key, ConcurrentHashMap<String, AtomicLong> models, long periodStart,
      String model, long amount) {
    AtomicLong cost = models.get(model);
    if (cost == null) {
      cost = models.computeIfAbsent(modelName(model), m -> new AtomicLong());
    }
    if (!evicts) {
      cost.addAndGet(amount);
      return;
    }
    long v;
    do {
      v = cost.get();
      if (v == SEALED) {
        handOver(key, periodStart, model, amount);
        return;
      }
    } while (!cost.compareAndSet(v, v + amount));
    if (e.state == EVICTED) {
      long taken = cost.getAndSet(SEALED);
      if (taken != SEALED) {
        handOver(key, periodStart, model, taken);
      }
    }
  }

  private void handOver(String key, long periodStart, String model, long amount) {
    while (true) {
      Entry live = rehydrate(key, null);
      if (live == null) {
        return; // cannot happen: an evicted key is packed until re-hydrated
      }
      State s = live.state;
      if (s == EVICTED) {
        continue;
      }
      if (s.periodStart != periodStart) {
        return; // that period was reset meanwhile and its breakdown with it, as without eviction
      }
      if (s.models == null && !live.cas(s, new State(s.spent, s.reserved, s.periodStart, s.nextReset,
          new ConcurrentHashMap<>(2), s.terms))) {
        continue;
      }
      State now = live.state;
      if (now == EVICTED || now.periodStart != periodStart || now.models == null) {
        continue;
      }
      bookModel(live, key, now.models, periodStart, model, amount);
      return;
    }
  }

  /** Grows with every change; persistence compares it to know whether there is anything to write. */
  long mutationCount() {
    return mutations.sum();
  }

  /**
   * The key's live entry, re-hydrating an evicted one; null when it has none. For callers that
   * exclude the sweep (LedgerSync under the local store's flush lock).
   */
  Entry entry(String key) {
    Entry e = entries.get(key);
    return e != null && e.state != EVICTED ? e : rehydrate(key, null);
  }

  /** What persistence writes for every budget, evicted ones included, without re-hydrating them. */
  Map<String, StoredBudget> storedBudgets() {
    Map<String, StoredBudget> out = new HashMap<>();
    if (!evicts) {
      entries.forEach((k, e) -> out.put(k, e.stored()));
      return out;
    }
    synchronized (evicted) {
      entries.forEach((k, e) -> out.put(k, e.stored()));
      evicted.forEach((k, p) -> out.put(k, storedOf(p)));
    }
    return out;
  }

  private StoredBudget storedOf(EvictedBudgets.Packed p) {
    Map<String, Long> models = new HashMap<>();
    for (int i = 0; i < p.models.length; i++) {
      models.put(p.models[i], p.costs[i]);
    }
    return new StoredBudget(p.limit, p.duration, Instant.ofEpochSecond(0, p.createdNanos),
        Instant.ofEpochMilli(p.periodStart), p.spent, models);
  }

  Set<String> keys() {
    if (!evicts) {
      return Collections.unmodifiableSet(entries.keySet());
    }
    java.util.HashSet<String> all = new java.util.HashSet<>();
    synchronized (evicted) {
      all.addAll(entries.keySet());
      evicted.forEachKey(all::add);
    }
    return Collections.unmodifiableSet(all);
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
      Entry e = keys[i] == null ? null : lookup(keys[i]);
      if (e == null) {
        continue;
      }
      ReserveResult refused = e.tryReserve(this, keys[i], amount, t);
      while (refused == MOVED) {
        e = rehydrate(keys[i], null);
        refused = e.tryReserve(this, keys[i], amount, t);
      }
      if (refused == ReserveResult.OK) {
        continue;
      }
      if (refused != null) {
        if (held != null) {
          for (int j = 0; j < held.length; j++) {
            if (held[j] != null) {
              held[j].settle(this, keys[j], amount, 0, null, t); // holds something, so it is not evicted
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
      // An entry is replaced only after eviction, which never takes one that holds anything: the
      // entry held is the key's entry now, unless this hold was of nothing (amount 0).
      Entry held = release && h.held != null ? h.held[i] : null;
      if (held == null && actual == 0) {
        continue;
      }
      Entry e = held != null ? held : lookupOrCreate(key, now);
      if (!e.settle(this, key, held == null ? 0 : h.amount, actual, model, t) && actual != 0) {
        do {
          e = rehydrate(key, newEntry(key, Terms.NO_LIMIT, null, now, now));
        } while (!e.settle(this, key, 0, actual, model, t));
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
        Entry e = lookupOrCreate(key, now);
        while (!e.settle(this, key, 0, actual, model, t)) {
          e = rehydrate(key, newEntry(key, Terms.NO_LIMIT, null, now, now));
        }
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
          for (int i = 0; i < h.held.length; i++) {
            if (h.held[i] != null) {
              h.held[i].settle(this, h.keys[i], h.amount, 0, null, now); // false only for a hold of nothing
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
    long t = now.toEpochMilli();
    Entry e = entries.get(key);
    while (true) {
      if (e != null) {
        BudgetSnapshot s = e.snapshot(this, key, t);
        if (s != null) {
          return Optional.of(s);
        }
      } else if (!evicts) {
        return Optional.empty();
      }
      synchronized (evicted) {
        e = entries.get(key);
        if (e == null) {
          // read from the packed copy, not re-hydrated: listing every user must not undo eviction
          EvictedBudgets.Packed p = evicted.get(key);
          return p == null ? Optional.empty() : Optional.of(resetIfDue(key, p, t).snapshot(this, key, t));
        }
      }
    }
  }

  /**
   * An unlisted entry with {@code key}'s evicted budget, after applying (to the packed copy too) a
   * reset that fell due, as {@link Entry#current} does to a live one. Under the eviction lock.
   */
  private Entry resetIfDue(String key, EvictedBudgets.Packed p, long now) {
    Entry e = unpack(p);
    State before = e.state;
    State after = e.current(this, now);
    if (after != before) {
      if (after.spent == 0 && after.models == null) {
        evicted.resetPeriod(key, after.periodStart, after.nextReset);
      } else {
        evicted.take(key);
        evicted.put(key, pack(e, after));
      }
    }
    return e;
  }

  void putBudget(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Entry fresh = newEntry(key, limit, duration, createdAt, now);
    Entry e = entries.get(key);
    if (e == null) {
      e = rehydrate(key, fresh);
    }
    while (e != fresh) {
      // One compare-and-set of the state with the new terms (and the period end they give): a call
      // sees the budget wholly before or wholly after the change. Seen evicted: do it on the key's
      // entry now, which the sweep packed with the terms of the state it tombstoned.
      State s = e.state;
      if (s == EVICTED) {
        e = rehydrate(key, fresh);
        continue;
      }
      Instant created = e.createdAt(s);
      Terms t = terms(limit, duration, created);
      State next = Objects.equals(s.terms.duration, duration) ? s.withTerms(t) : retime(s, t, created);
      if (e.cas(s, next)) {
        break;
      }
    }
    mutations.increment();
  }

  /**
   * Moves {@code e}'s creation instant to {@code createdAt} (a merge that found another writer created
   * the same budget earlier); under the caller's exclusion of the sweep, like the rest of a merge.
   */
  void recreated(Entry e, Instant createdAt) {
    if (isNear(createdAt)) {
      e.createdNanos = nanosOf(createdAt); // before the terms that read it; FarTerms ignore it
    }
    State s;
    do {
      s = e.state;
      Terms t = terms(s.terms.limit, s.terms.duration, createdAt);
      if (t == s.terms) {
        break; // shared terms: the entry's instant written above is all there is
      }
      if (e.cas(s, s.withTerms(t))) {
        break;
      }
    } while (true);
  }

  /** True when {@code key} has a budget here, evicted or not. */
  boolean contains(String key) {
    if (entries.containsKey(key)) {
      return true;
    }
    if (!evicts) {
      return false;
    }
    synchronized (evicted) {
      return entries.containsKey(key) || evicted.contains(key);
    }
  }

  boolean putBudgetIfAbsent(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    if (contains(key)) {
      return false;
    }
    Entry fresh = newEntry(key, limit, duration, createdAt, now);
    boolean created = rehydrate(key, fresh) == fresh;
    if (created) {
      mutations.increment();
    }
    return created;
  }

  /** Loads a persisted entry unless {@code key} already has one; true when it did. */
  boolean restoreIfAbsent(String key, StoredBudget b) {
    if (contains(key)) {
      return false;
    }
    ConcurrentHashMap<String, AtomicLong> m = null;
    if (!b.models().isEmpty()) {
      ConcurrentHashMap<String, AtomicLong> loaded = new ConcurrentHashMap<>(b.models().size());
      b.models().forEach((k, v) -> loaded.put(modelName(k), new AtomicLong(v)));
      m = loaded;
    }
    State initial = new Idle(b.spent(), 0, b.periodStart().toEpochMilli(),
        nextResetAfter(b.periodStart(), b.duration(), b.createdAt()), m,
        terms(b.limit(), b.duration(), b.createdAt())); // loaded, not used: may go at the first sweep
    Entry fresh = new Entry(nanosOf(b.createdAt()), initial);
    boolean added = rehydrate(key, fresh) == fresh;
    if (added) {
      mutations.increment();
    }
    return added;
  }

  void resetCost(String key, Instant now) {
    Entry e = lookup(key);
    while (e != null && !e.resetNow(this, now.toEpochMilli())) {
      e = rehydrate(key, null);
    }
  }

  void resetDue(Instant now) {
    long t = now.toEpochMilli();
    if (t >= nextLeaseCheck) {
      expireLeases(t);
    }
    for (Entry e : entries.values()) {
      e.current(this, t);
    }
    if (evicts) {
      // evicted budgets reset in their packed form, so the file and a snapshot show the new period
      // as they would without eviction, and nothing is re-hydrated
      synchronized (evicted) {
        // only the due ones are decoded: this runs on every updateBudgetAllUsers, under the lock
        java.util.List<String> due = new java.util.ArrayList<>();
        evicted.forEachDueKey(t, due::add);
        for (String k : due) {
          resetIfDue(k, evicted.get(k), t);
        }
      }
    }
  }

  private Entry newEntry(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Instant start = duration == null ? createdAt : duration.currentPeriodStart(createdAt, now, createdAt, zone);
    long next = nextResetAfter(start, duration, createdAt);
    return new Entry(nanosOf(createdAt), new State(0, 0, start.toEpochMilli(), next, null,
        terms(limit, duration, createdAt)));
  }

  /** When a period that started at {@code periodStart} ends; spans step on the grid of {@code anchor}. */
  long nextResetAfter(Instant periodStart, BudgetDuration duration, Instant anchor) {
    return duration == null ? Long.MAX_VALUE : duration.nextReset(periodStart, anchor, zone).toEpochMilli();
  }

  private State resetState(State s, Instant createdAt, long now) {
    BudgetDuration duration = s.terms.duration;
    if (duration == null) {
      return new State(s.spent, s.reserved, s.periodStart, Long.MAX_VALUE, s.models, s.terms);
    }
    Instant start = duration.currentPeriodStart(Instant.ofEpochMilli(s.periodStart), Instant.ofEpochMilli(now),
        createdAt, zone);
    return periodFrom(start, s.reserved, s.terms, createdAt);
  }

  private State freshState(State s, long now) {
    return periodFrom(Instant.ofEpochMilli(now), s.reserved, s.terms, null);
  }

  private State periodFrom(Instant start, long reserved, Terms terms, Instant anchor) {
    long next = nextResetAfter(start, terms.duration, anchor);
    return new State(0, reserved, start.toEpochMilli(), next, null, terms);
  }

  /** {@code s} under new terms {@code t} with another duration: the period keeps its start, and ends as {@code t} says. */
  private State retime(State s, Terms t, Instant anchor) {
    long next = nextResetAfter(Instant.ofEpochMilli(s.periodStart), t.duration, anchor);
    return new State(s.spent, s.reserved, s.periodStart, next, s.models, t);
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
