package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Eviction of idle budgets (llmbudget.store.evict_idle_after) loses nothing: every observable of a
 * user is what the same store without eviction shows, after the same calls, in both stores.
 */
class EvictionTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);
  static final Duration IDLE = Duration.ofMinutes(10);
  static final Duration LEASE = Duration.ofMinutes(30);
  static final ZoneId UTC = ZoneOffset.UTC;

  @TempDir
  Path dir;

  enum Kind { MEMORY, LOCAL }

  /** A clock the test moves; the local store reads it when it merges and sweeps. */
  static final class HandClock extends Clock {
    volatile Instant now = T0;

    @Override
    public ZoneId getZone() {
      return UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final HandClock clock = new HandClock();

  LedgerStore open(Kind kind, String name, boolean evicts) {
    Duration idle = evicts ? IDLE : Duration.ZERO;
    return kind == Kind.MEMORY
        ? new MemoryStore(name, UTC, idle)
        : new LocalFileStore(dir.resolve(name + ".json"), UTC, Duration.ofHours(1), idle, clock);
  }

  /** The two stores the test drives alike: one evicts, one never does. */
  final class Twins implements AutoCloseable {
    final LedgerStore evicting;
    final LedgerStore reference;

    Twins(Kind kind) {
      evicting = open(kind, "evicting", true);
      reference = open(kind, "reference", false);
    }

    void both(java.util.function.Consumer<LedgerStore> call) {
      call.accept(evicting);
      call.accept(reference);
    }

    ReserveResult[] reserve(long id, String[] keys, long amount) {
      Instant now = clock.now;
      return new ReserveResult[] {evicting.reserve(id, keys, amount, now, now.plus(LEASE)),
          reference.reserve(id, keys, amount, now, now.plus(LEASE))};
    }

    /** Two passes of the sweep, as its thread makes in two idle spans: the first marks, the second moves. */
    int sweep() {
      return evicting.ledger.evictIdle() + evicting.ledger.evictIdle();
    }

    /** Every observable a user has: the keys, and each key's snapshot. */
    void assertSame() {
      Instant now = clock.now;
      assertThat(new TreeSet<>(evicting.keys())).isEqualTo(new TreeSet<>(reference.keys()));
      for (String k : reference.keys()) {
        Optional<BudgetSnapshot> e = evicting.snapshot(k, now);
        assertThat(e).as("snapshot of %s", k).isEqualTo(reference.snapshot(k, now));
      }
      assertThat(evicting.snapshot("nobody", now)).isEmpty();
    }

    @Override
    public void close() {
      evicting.close();
      reference.close();
    }
  }

  static String[] keys(String... k) {
    return k;
  }

  static void assertSameResult(ReserveResult[] r) {
    assertThat(r[0].isOk()).isEqualTo(r[1].isOk());
    assertThat(r[0]).usingRecursiveComparison().isEqualTo(r[1]);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anEvictedUserShowsAndBehavesExactlyAsOneThatWasNeverEvicted(Kind kind) {
    try (Twins t = new Twins(kind)) {
      BudgetDuration daily = BudgetDuration.parse("1d");
      t.both(s -> {
        s.ledger.putBudget("alice", 10 * DOLLAR, daily, T0, T0);
        s.ledger.putBudget("bob", 5 * DOLLAR, null, T0, T0);
        s.ledger.putBudget("erin", 4 * DOLLAR, null, T0, T0);
        s.charge(keys("alice", BudgetStore.GLOBAL_KEY), DOLLAR, "gpt-4o", T0);
        s.charge(keys("alice"), DOLLAR / 2, "claude-3-5-sonnet", T0);
        s.charge(keys("carol"), 2 * DOLLAR, "gpt-4o-mini", T0); // spend without a budget
      });
      assertSameResult(t.reserve(1, keys("bob"), DOLLAR));
      t.both(s -> s.settle(1, DOLLAR / 4, "gpt-4o", T0));
      assertSameResult(t.reserve(2, keys("erin"), DOLLAR)); // left held: erin must stay live

      assertThat(t.evicting.ledger.evictIdle()).as("the first pass only marks").isZero();
      clock.now = T0.plus(Duration.ofMinutes(11));
      int moved = t.evicting.ledger.evictIdle();
      assertThat(moved).as("alice, bob, carol, $global; not erin, who holds a reservation").isEqualTo(4);
      assertThat(t.evicting.ledger.evictedCount()).isEqualTo(4);
      t.assertSame();
      assertThat(t.evicting.ledger.evictedCount()).as("reading does not re-hydrate").isEqualTo(4);

      // erin's reservation settles on her live entry; a hold of nothing may outlive eviction
      t.both(s -> s.settle(2, DOLLAR / 2, "gpt-4o", clock.now));
      assertThat(t.evicting.ledger.evictIdle()).as("erin was used since the last pass").isZero();

      // a day later alice's period ended while she was evicted
      clock.now = T0.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(1));
      t.assertSame();
      assertThat(t.evicting.snapshot("alice", clock.now).orElseThrow().currentCost()).isEqualByComparingTo("0");
      assertThat(t.evicting.ledger.evictIdle()).as("erin, unused since the last pass").isEqualTo(1);

      // back in use: reserve up to the limit, refuse beyond it, with the same figures
      assertSameResult(t.reserve(3, keys("alice", BudgetStore.GLOBAL_KEY), 9 * DOLLAR));
      assertSameResult(t.reserve(4, keys("alice"), 2 * DOLLAR));
      assertSameResult(t.reserve(5, keys("bob"), 4 * DOLLAR));
      assertThat(t.reserve(6, keys("bob"), 4 * DOLLAR)[1].isOk()).isFalse();
      t.both(s -> s.settle(5, DOLLAR, "gpt-4o", clock.now));
      t.both(s -> s.settle(3, 8 * DOLLAR, "gpt-4o", clock.now));
      t.both(s -> s.settle(4, DOLLAR, "gpt-4o", clock.now));
      t.assertSame();

      // terms changed while evicted, a manual reset while evicted, resets due while evicted
      clock.now = clock.now.plus(Duration.ofMinutes(20));
      assertThat(t.sweep()).isPositive();
      t.both(s -> s.ledger.putBudget("bob", 7 * DOLLAR, BudgetDuration.parse("7d"), T0, clock.now));
      t.both(s -> s.putBudgetIfAbsent("carol", BigDecimal.ONE, null, clock.now));
      clock.now = clock.now.plus(Duration.ofMinutes(20));
      assertThat(t.sweep()).isPositive();
      t.both(s -> s.resetCost("erin", clock.now));
      clock.now = clock.now.plus(Duration.ofDays(8));
      t.both(s -> s.resetDue(clock.now));
      t.assertSame();
      t.both(s -> s.charge(keys("bob", "carol"), DOLLAR, "o3", clock.now));
      t.assertSame();
    }
  }

  @Test
  void theLocalFileAfterEvictionHoldsEverythingAndReopensToTheSameBudgets() throws Exception {
    try (Twins t = new Twins(Kind.LOCAL)) {
      BudgetDuration monthly = BudgetDuration.parse("30d");
      t.both(s -> {
        s.ledger.putBudget("alice", 10 * DOLLAR, monthly, T0, T0);
        s.charge(keys("alice"), 3 * DOLLAR, "gpt-4o", T0);
        s.charge(keys("alice"), DOLLAR, "claude-3-5-sonnet", T0);
        s.charge(keys("bob"), 2 * DOLLAR, "gpt-4o-mini", T0);
      });
      clock.now = T0.plus(Duration.ofHours(1));
      assertThat(t.sweep()).isEqualTo(2);
      t.both(LedgerStore::flush);
      Map<String, StoredBudget> evictedFile = UserCostReader.parse(
          Files.readAllBytes(dir.resolve("evicting.json")), "evicting", clock.now);
      Map<String, StoredBudget> referenceFile = UserCostReader.parse(
          Files.readAllBytes(dir.resolve("reference.json")), "reference", clock.now);
      assertThat(evictedFile).isEqualTo(referenceFile).containsKeys("alice", "bob");
      assertThat(evictedFile.get("alice").models()).containsEntry("gpt-4o", 3 * DOLLAR);

      // another JVM's spend merged into an evicted user, then a reopen
      try (LocalFileStore other = new LocalFileStore(dir.resolve("evicting.json"), UTC, Duration.ofHours(1),
          Duration.ZERO, clock)) {
        other.charge(keys("alice"), DOLLAR, "gpt-4o", clock.now);
      }
      t.reference.charge(keys("alice"), DOLLAR, "gpt-4o", clock.now);
      t.both(LedgerStore::flush);
      t.assertSame();
      t.evicting.close();
      try (LocalFileStore reopened = new LocalFileStore(dir.resolve("evicting.json"), UTC, Duration.ofHours(1),
          IDLE, clock)) {
        for (String k : t.reference.keys()) {
          assertThat(reopened.snapshot(k, clock.now)).isEqualTo(t.reference.snapshot(k, clock.now));
        }
        assertThat(reopened.snapshot("alice", clock.now).orElseThrow().currentCost()).isEqualByComparingTo("5");
      }
    }
  }

  /**
   * Threads reserve and settle (with a model) on a few users while a sweep evicts every entry that
   * holds nothing, as fast as it can: the hardest interleaving eviction can meet. Spend and model
   * costs come out exact, and spent + reserved never passes a limit, checked while it runs.
   */
  @ParameterizedTest
  @EnumSource(Kind.class)
  void concurrentCallsAndASweepLoseNothingAndKeepEveryLimit(Kind kind) throws Exception {
    LedgerStore store = open(kind, "racing", true);
    try {
      String[] users = new String[32];
      for (int i = 0; i < users.length; i++) {
        users[i] = "u" + i;
      }
      long limit = 50_000 * DOLLAR;
      for (String u : users) {
        store.ledger.putBudget(u, limit, null, T0, T0);
      }
      Map<String, LongAdder> expected = new ConcurrentHashMap<>();
      for (String u : users) {
        expected.put(u, new LongAdder());
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> broken = new AtomicReference<>();
      AtomicLong evictions = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int seed = w;
        threads.add(new Thread(() -> {
          java.util.Random rnd = new java.util.Random(seed);
          for (int i = 0; i < 50_000 && broken.get() == null; i++) {
            String u = users[rnd.nextInt(users.length)];
            long amount = (1 + rnd.nextInt(1000)) * DOLLAR / 1000;
            if (rnd.nextInt(4) == 0) {
              store.charge(keys(u), amount, "m" + rnd.nextInt(3), T0);
              expected.get(u).add(amount);
              continue;
            }
            long id = store.newReservationId();
            if (store.reserve(id, keys(u), amount, T0, T0.plus(LEASE)).isOk()) {
              long actual = rnd.nextInt(2) == 0 ? amount : amount / 2;
              store.settle(id, actual, "m" + rnd.nextInt(3), T0);
              expected.get(u).add(actual);
            }
          }
        }));
      }
      Thread sweeper = new Thread(() -> {
        while (!stop.get()) {
              evictions.addAndGet(store.ledger.evictIdle());
        }
      });
      Thread checker = new Thread(() -> {
        while (!stop.get()) {
          for (String u : users) {
            BudgetSnapshot s = store.snapshot(u, T0).orElse(null);
            if (s == null) {
              broken.set(u + " vanished");
            } else if (s.currentCost().add(s.reserved()).compareTo(Picodollars.toDollars(limit)) > 0) {
              broken.set(u + " over its limit: " + s);
            }
          }
        }
      });
      sweeper.start();
      checker.start();
      threads.forEach(Thread::start);
      for (Thread th : threads) {
        th.join();
      }
      stop.set(true);
      sweeper.join();
      checker.join();
      assertThat(broken.get()).isNull();
      assertThat(evictions.get()).as("the sweep did evict while calls ran").isGreaterThan(50);
      for (String u : users) {
        BudgetSnapshot s = store.snapshot(u, T0).orElseThrow();
        BigDecimal spent = Picodollars.toDollars(expected.get(u).sum());
        assertThat(s.currentCost()).as("spend of %s", u).isEqualByComparingTo(spent);
        assertThat(s.reserved()).isZero();
        assertThat(s.modelCost().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
            .as("model breakdown of %s", u).isEqualByComparingTo(spent);
        assertThat(s.totalBudget()).isEqualByComparingTo(Picodollars.toDollars(limit));
      }
    } finally {
      store.close();
    }
  }

  /**
   * updateBudgetAllUsers (resetDue) resets every evicted budget whose period ended in its packed
   * form, so the file shows the new period at once, as it would without eviction, and leaves the
   * others' spend alone. Daily and monthly users alternate, so due and not-due budgets are packed
   * side by side.
   */
  @Test
  void resetDueResetsInTheFileEveryEvictedBudgetWhosePeriodEndedAndNoOther() throws Exception {
    try (LedgerStore store = open(Kind.LOCAL, "due", true)) {
      for (int i = 0; i < 24; i++) {
        store.putBudget("user-" + i, new BigDecimal("10"), i % 2 == 0 ? BudgetDuration.DAILY : BudgetDuration.MONTHLY,
            T0);
        store.charge(new String[] {"user-" + i}, DOLLAR, "gpt-4o", T0);
      }
      store.ledger.evictIdle();
      assertThat(store.ledger.evictIdle()).isEqualTo(24);

      clock.now = Instant.parse("2026-03-11T09:00:00Z");
      store.resetDue(clock.now);
      store.flush();

      com.fasterxml.jackson.databind.JsonNode file = UserCostJson.MAPPER.readTree(dir.resolve("due.json").toFile());
      for (int i = 0; i < 24; i++) {
        assertThat(file.at("/user-" + i + "/current_cost").decimalValue()).as("user-" + i)
            .isEqualByComparingTo(i % 2 == 0 ? "0" : "1");
      }
    }
  }

  /**
   * The flush thread sweeps once an eviction interval has passed since the previous sweep, to the
   * millisecond: a budget marked at one sweep and unused since is packed at the next.
   */
  @Test
  void aLocalFileSweepsExactlyOneEvictionIntervalAfterThePreviousSweep() {
    try (LedgerStore s = open(Kind.LOCAL, "sweep", true)) {
      LocalFileStore store = (LocalFileStore) s;
      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      assertThat(store.evictIdle()).as("the first sweep only marks").isZero();

      clock.now = T0.plus(IDLE).minusMillis(1);
      assertThat(store.evictIdle()).as("no sweep is due yet").isZero();
      assertThat(store.ledger.evictedCount()).isZero();

      clock.now = T0.plus(IDLE);
      assertThat(store.evictIdle()).isEqualTo(1);
      assertThat(store.ledger.evictedCount()).isEqualTo(1);
      assertThat(store.snapshot("alice", clock.now).orElseThrow().currentCost()).isEqualByComparingTo("1");
    }
  }

  /** No idle time (null, as zero) asks for no eviction: the store works and never sweeps; a negative one is refused. */
  @Test
  void aStoreGivenNoIdleTimeNeverEvictsAndANegativeOneIsRefused() {
    try (MemoryStore memory = new MemoryStore("no-idle", UTC, null);
        LocalFileStore local = new LocalFileStore(dir.resolve("no-idle.json"), UTC, Duration.ofHours(1), null, clock)) {
      for (LedgerStore store : new LedgerStore[] {memory, local}) {
        store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
        assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
        org.assertj.core.api.Assertions.assertThatThrownBy(store.ledger::evictIdle)
            .isInstanceOf(IllegalStateException.class);
      }
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MemoryStore("negative", UTC, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evict_idle_after must not be negative");
  }

  /** An evicting memory store's own sweep thread packs a budget left idle, with no call asking. */
  @Test
  void theMemoryStoresSweepThreadEvictsAnIdleBudgetOnItsOwn() throws Exception {
    try (MemoryStore store = new MemoryStore("sweeping", UTC, Duration.ofMillis(20))) {
      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (store.ledger.evictedCount() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5); // polls the sweep thread's work, up to 10 s; two sweeps take 40 ms
      }

      assertThat(store.ledger.evictedCount()).as("evicted by the sweep thread").isEqualTo(1);
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
    }
  }

  @Test
  void aFullBudgetRefusesAfterEvictionAndTheRefusalIsExact() {
    LedgerStore store = open(Kind.MEMORY, "full", true);
    try {
      store.ledger.putBudget("dan", 2 * DOLLAR, null, T0, T0);
      store.charge(keys("dan"), 2 * DOLLAR, "gpt-4o", T0);
      Instant later = T0.plus(Duration.ofHours(1));
      assertThat(store.ledger.evictIdle() + store.ledger.evictIdle()).isEqualTo(1);
      ReserveResult r = store.reserve(store.newReservationId(), keys("dan"), 1, later, later.plus(LEASE));
      assertThat(r.isOk()).isFalse();
      assertThat(r.exhaustedKey()).isEqualTo("dan");
      Map<String, BigDecimal> models = store.snapshot("dan", later).orElseThrow().modelCost();
      assertThat(models).containsOnlyKeys("gpt-4o");
      assertThat(models.get("gpt-4o")).isEqualByComparingTo("2");
    } finally {
      store.close();
    }
  }
}
