package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory accounting every local store is built on. Each budget's period, spend and
 * reservations sit in one immutable {@link State} swapped by compare-and-set, so a check and a
 * reservation are one atomic step without locks, and a due reset happens inside the same step.
 */
final class Ledger {

  /** A budget's fixed terms; replaced whole when the budget is re-created. */
  record Terms(long limit, BudgetDuration duration, Instant createdAt) {
    static final long NO_LIMIT = Long.MAX_VALUE;

    boolean hasLimit() {
      return limit != NO_LIMIT;
    }
  }

  /** A budget's moving part. {@code models} belongs to the period and is replaced on reset. */
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

  final class Entry {
    final String key;
    volatile Terms terms;
    final AtomicReference<State> state;

    Entry(String key, Terms terms, State initial) {
      this.key = key;
      this.terms = terms;
      this.state = new AtomicReference<>(initial);
    }

    /** The current state, after applying a reset that is due at {@code now}. */
    State current(long now) {
      while (true) {
        State s = state.get();
        if (now < s.nextReset) {
          return s;
        }
        State reset = resetState(s, terms.duration, now);
        if (state.compareAndSet(s, reset)) {
          mutations.increment();
          return reset;
        }
      }
    }

    /** Reserves if there is room; returns the state that refused, or {@code null} on success. */
    State tryReserve(long amount, long now) {
      Terms t = terms;
      while (true) {
        State s = current(now);
        if (!t.hasLimit()) {
          return null;
        }
        if (s.spent >= t.limit || s.spent + s.reserved + amount > t.limit || s.reserved + amount < 0) {
          return s;
        }
        State next = new State(s.spent, s.reserved + amount, s.periodStart, s.nextReset, s.models);
        if (state.compareAndSet(s, next)) {
          return null;
        }
      }
    }

    void settle(long reserved, long actual, String model, long now) {
      State s;
      State next;
      do {
        s = current(now);
        long r = Math.max(0, s.reserved - reserved);
        next = new State(Math.addExact(s.spent, actual), r, s.periodStart, s.nextReset, s.models);
      } while (!state.compareAndSet(s, next));
      if (model != null && actual != 0) {
        next.models.computeIfAbsent(model, m -> new AtomicLong()).addAndGet(actual);
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
        next = new State(Math.addExact(s.spent, spent), s.reserved, s.periodStart, s.nextReset, s.models);
      } while (!state.compareAndSet(s, next));
      ConcurrentHashMap<String, AtomicLong> target = next.models;
      models.forEach((m, v) -> target.computeIfAbsent(m, k -> new AtomicLong()).addAndGet(v));
      mutations.increment();
    }

    /**
     * Moves to a newer period learned from elsewhere (a reset made by another JVM), keeping this
     * JVM's reservations and whatever it charged above {@code keepAbove} (its spend not yet synced).
     */
    void adoptPeriod(StoredBudget theirs, long keepAbove, Map<String, Long> keepModelsAbove) {
      long start = theirs.periodStart().toEpochMilli();
      long next = nextResetAfter(theirs.periodStart(), terms.duration);
      State s;
      State adopted;
      do {
        s = state.get();
        ConcurrentHashMap<String, AtomicLong> m = new ConcurrentHashMap<>();
        theirs.models().forEach((k, v) -> m.put(k, new AtomicLong(v)));
        s.models.forEach((k, v) -> {
          long mine = v.get() - keepModelsAbove.getOrDefault(k, 0L);
          if (mine > 0) {
            m.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(mine);
          }
        });
        long spent = Math.addExact(theirs.spent(), Math.max(0, s.spent - keepAbove));
        adopted = new State(spent, s.reserved, start, next, m);
      } while (!state.compareAndSet(s, adopted));
      mutations.increment();
    }

    /** Moves the current period's start to {@code periodStart}, keeping the spend and adding {@code spent}. */
    void rebase(long periodStart, long spent, Map<String, Long> models) {
      long next = nextResetAfter(Instant.ofEpochMilli(periodStart), terms.duration);
      State s;
      State moved;
      do {
        s = state.get();
        moved = new State(Math.addExact(s.spent, spent), s.reserved, periodStart, next, s.models);
      } while (!state.compareAndSet(s, moved));
      ConcurrentHashMap<String, AtomicLong> target = moved.models;
      models.forEach((m, v) -> target.computeIfAbsent(m, k -> new AtomicLong()).addAndGet(v));
      mutations.increment();
    }

    /** What persistence writes: terms and the settled spend of the period as it stands (no reset applied). */
    StoredBudget stored() {
      Terms t = terms;
      // settle books the model after the spend, so reading the models first keeps their sum at or
      // below the spend; a reset in between swaps the map, and then we read again.
      while (true) {
        State before = state.get();
        Map<String, Long> models = new HashMap<>();
        before.models.forEach((m, v) -> models.put(m, v.get()));
        State s = state.get();
        if (s.models == before.models) {
          return new StoredBudget(t.limit, t.duration, t.createdAt, Instant.ofEpochMilli(s.periodStart), s.spent, models);
        }
      }
    }

    void resetNow(long now) {
      State s;
      do {
        s = state.get();
      } while (!state.compareAndSet(s, freshState(s.reserved, terms.duration, now)));
      mutations.increment();
    }

    BudgetSnapshot snapshot(long now) {
      State s = current(now);
      Terms t = terms;
      Map<String, BigDecimal> models = new TreeMap<>();
      s.models.forEach((m, v) -> models.put(m, Picodollars.toDollars(v.get())));
      return new BudgetSnapshot(key,
          t.hasLimit() ? Picodollars.toDollars(t.limit) : null,
          Picodollars.toDollars(s.spent),
          Picodollars.toDollars(s.reserved),
          Collections.unmodifiableMap(models),
          t.duration,
          t.createdAt,
          Instant.ofEpochMilli(s.periodStart),
          s.nextReset == Long.MAX_VALUE ? null : Instant.ofEpochMilli(s.nextReset));
    }
  }

  private final ZoneId zone;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final LongAdder mutations = new LongAdder();

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

  Collection<Entry> entries() {
    return entries.values();
  }

  Set<String> keys() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  ReserveResult reserve(String[] keys, long amount, Instant now) {
    long t = now.toEpochMilli();
    for (int i = 0; i < keys.length; i++) {
      Entry e = keys[i] == null ? null : entries.get(keys[i]);
      if (e == null) {
        continue;
      }
      State refused = e.tryReserve(amount, t);
      if (refused != null) {
        for (int j = 0; j < i; j++) {
          Entry held = keys[j] == null ? null : entries.get(keys[j]);
          if (held != null) {
            held.settle(amount, 0, null, t);
          }
        }
        return ReserveResult.exhausted(e.key, refused.spent, e.terms.limit);
      }
    }
    return ReserveResult.OK;
  }

  void settle(String[] keys, long reserved, long actual, String model, Instant now) {
    long t = now.toEpochMilli();
    for (String key : keys) {
      if (key == null) {
        continue;
      }
      Entry e = entries.get(key);
      if (e == null) {
        if (actual == 0) {
          continue;
        }
        e = entries.computeIfAbsent(key, k -> newEntry(k, Terms.NO_LIMIT, null, now, now));
      }
      e.settle(e.terms.hasLimit() ? reserved : 0, actual, model, t);
    }
  }

  Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    Entry e = entries.get(key);
    return e == null ? Optional.empty() : Optional.of(e.snapshot(now.toEpochMilli()));
  }

  void putBudget(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Entry existing = entries.putIfAbsent(key, newEntry(key, limit, duration, createdAt, now));
    if (existing != null) {
      Terms old = existing.terms;
      existing.terms = new Terms(limit, duration, old.createdAt);
      if (!Objects.equals(old.duration, duration)) {
        State s;
        do {
          s = existing.state.get();
        } while (!existing.state.compareAndSet(s, retime(s, duration)));
      }
    }
    mutations.increment();
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

  /** Loads an entry as persisted; replaces any entry under the same key. */
  void restore(String key, long limit, BudgetDuration duration, Instant createdAt, Instant periodStart,
      long spent, Map<String, Long> models) {
    long start = periodStart.toEpochMilli();
    long next = duration == null ? Long.MAX_VALUE : duration.nextReset(periodStart, zone).toEpochMilli();
    ConcurrentHashMap<String, AtomicLong> m = new ConcurrentHashMap<>();
    models.forEach((k, v) -> m.put(k, new AtomicLong(v)));
    entries.put(key, new Entry(key, new Terms(limit, duration, createdAt), new State(spent, 0, start, next, m)));
  }

  /** Loads a persisted entry unless {@code key} already has one; true when it did. */
  boolean restoreIfAbsent(String key, StoredBudget b) {
    if (entries.containsKey(key)) {
      return false;
    }
    ConcurrentHashMap<String, AtomicLong> m = new ConcurrentHashMap<>();
    b.models().forEach((k, v) -> m.put(k, new AtomicLong(v)));
    State initial = new State(b.spent(), 0, b.periodStart().toEpochMilli(),
        nextResetAfter(b.periodStart(), b.duration()), m);
    boolean added = entries.putIfAbsent(key,
        new Entry(key, new Terms(b.limit(), b.duration(), b.createdAt()), initial)) == null;
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
    for (Entry e : entries.values()) {
      e.current(t);
    }
  }

  private Entry newEntry(String key, long limit, BudgetDuration duration, Instant createdAt, Instant now) {
    Terms terms = new Terms(limit, duration, createdAt);
    Instant start = duration == null ? createdAt : duration.currentPeriodStart(createdAt, now, zone);
    long next = duration == null ? Long.MAX_VALUE : duration.nextReset(start, zone).toEpochMilli();
    return new Entry(key, terms, new State(0, 0, start.toEpochMilli(), next, new ConcurrentHashMap<>()));
  }

  long nextResetAfter(Instant periodStart, BudgetDuration duration) {
    return duration == null ? Long.MAX_VALUE : duration.nextReset(periodStart, zone).toEpochMilli();
  }

  private State resetState(State s, BudgetDuration duration, long now) {
    if (duration == null) {
      return new State(s.spent, s.reserved, s.periodStart, Long.MAX_VALUE, s.models);
    }
    Instant start = duration.currentPeriodStart(Instant.ofEpochMilli(s.periodStart), Instant.ofEpochMilli(now), zone);
    return periodFrom(start, s.reserved, duration);
  }

  private State freshState(long reserved, BudgetDuration duration, long now) {
    return periodFrom(Instant.ofEpochMilli(now), reserved, duration);
  }

  private State periodFrom(Instant start, long reserved, BudgetDuration duration) {
    long next = duration == null ? Long.MAX_VALUE : duration.nextReset(start, zone).toEpochMilli();
    return new State(0, reserved, start.toEpochMilli(), next, new ConcurrentHashMap<>());
  }

  private State retime(State s, BudgetDuration duration) {
    long next = duration == null
        ? Long.MAX_VALUE : duration.nextReset(Instant.ofEpochMilli(s.periodStart), zone).toEpochMilli();
    return new State(s.spent, s.reserved, s.periodStart, next, s.models);
  }
}
