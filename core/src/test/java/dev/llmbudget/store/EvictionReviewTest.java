package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regressions found by reviewing eviction (llmbudget.store.evict_idle_after) as a user whose money
 * depends on it: each case once lost, renamed or mis-counted something an evicted user had.
 */
class EvictionReviewTest {

  static final Instant T0 = EvictionTest.T0;
  static final long DOLLAR = EvictionTest.DOLLAR;
  static final Duration IDLE = EvictionTest.IDLE;

  @TempDir
  Path dir;

  final EvictionTest.HandClock clock = new EvictionTest.HandClock();

  LocalFileStore local(String name, Duration idle) {
    return new LocalFileStore(dir.resolve(name + ".json"), EvictionTest.UTC, Duration.ofHours(1), idle, clock);
  }

  /**
   * A user id with a lone surrogate (a truncated emoji, as a client may send) has no exact UTF-8
   * form: packed as UTF-8 it came back as "u?", so get_users listed a user nobody created and the
   * file kept two users' spend under one name, losing one of them.
   */
  @Test
  void userIdsWithoutAnExactUtf8FormKeepTheirNameAndTheirSpendThroughEviction() throws Exception {
    String high = "u\uD83D";
    String low = "u\uDE00";
    try (LocalFileStore evicting = local("evicting", IDLE); LocalFileStore reference = local("reference", Duration.ZERO)) {
      for (LedgerStore s : new LedgerStore[] {evicting, reference}) {
        s.charge(new String[] {high}, 2 * DOLLAR, "gpt-4o", T0);
        s.charge(new String[] {low}, 3 * DOLLAR, "gpt-4o", T0);
        s.charge(new String[] {"u?"}, 5 * DOLLAR, "gpt-4o", T0);
      }
      evicting.ledger.evictIdle();
      evicting.ledger.evictIdle();
      assertThat(new TreeSet<>(evicting.keys())).isEqualTo(new TreeSet<>(reference.keys()))
          .containsExactlyInAnyOrder(high, low, "u?");
      for (String k : reference.keys()) {
        assertThat(evicting.snapshot(k, T0)).as(k).isEqualTo(reference.snapshot(k, T0));
      }
      // what the flush writes to the file
      Map<String, StoredBudget> evictedFile = evicting.ledger.storedBudgets();
      Map<String, StoredBudget> referenceFile = reference.ledger.storedBudgets();
      assertThat(evictedFile).isEqualTo(referenceFile).hasSize(3);
    }
  }

  /**
   * A budget created beyond 2262 cannot be packed; the sweep used to tombstone it first and put the
   * state back after. A settle booking its model in that instant sealed the model's counter, found
   * the same entry live again with the sealed counter in it, and spun for ever handing its cost over
   * (a StackOverflowError thrown into the host's call), while the breakdown showed -$92,233 for the model.
   */
  @Test
  void aBudgetThatCannotBePackedIsNeverTombstonedSoSettlesBookingModelsNeitherSpinNorCorruptIt() throws Exception {
    Instant far = Instant.parse("2300-01-01T00:00:00Z");
    Ledger ledger = new Ledger(EvictionTest.UTC, true);
    ledger.putBudget("far", Ledger.Terms.NO_LIMIT, null, far, far);
    int threads = 3;
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.LongAdder charged = new java.util.concurrent.atomic.LongAdder();
    Thread sweeper = new Thread(() -> {
      while (!stop.get()) {
        ledger.evictIdle();
      }
    });
    java.util.List<Throwable> escaped = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread[] chargers = new Thread[threads];
    for (int i = 0; i < threads; i++) {
      chargers[i] = new Thread(() -> {
        while (!stop.get()) {
          ledger.charge(new String[] {"far"}, 7, "gpt-4o", far);
          charged.add(7);
        }
      });
      chargers[i].setDaemon(true);
      chargers[i].setUncaughtExceptionHandler((t, e) -> escaped.add(e));
    }
    sweeper.setDaemon(true);
    sweeper.start();
    for (Thread t : chargers) {
      t.start();
    }
    Thread.sleep(1500);
    stop.set(true);
    sweeper.join(5000);
    for (Thread t : chargers) {
      t.join(5000);
      assertThat(t.isAlive()).as("a charger spinning in the hand-over").isFalse();
    }
    assertThat(escaped).as("errors thrown into the calling threads").isEmpty();
    BudgetSnapshot s = ledger.snapshot("far", far).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo(Picodollars.toDollars(charged.sum()));
    assertThat(s.modelCost()).containsOnlyKeys("gpt-4o");
    assertThat(s.modelCost().get("gpt-4o")).isEqualByComparingTo(Picodollars.toDollars(charged.sum()));
  }

  /**
   * A period rollover is not a use: resetting the idle users of a daily budget when their day ends (a read,
   * updateBudgetAllUsers) used to drop their idle mark, so every rollover kept them live one more
   * idle span, and with spans of a day or more never let them go.
   */
  @Test
  void aResetThatFallsDueKeepsTheIdleMarkSoTheUserIsStillEvictedAtTheNextSweep() {
    BudgetDuration daily = BudgetDuration.parse("1d");
    try (MemoryStore evicting = new MemoryStore("evicting", EvictionTest.UTC, IDLE);
        MemoryStore reference = new MemoryStore("reference", EvictionTest.UTC, Duration.ZERO)) {
      for (LedgerStore s : new LedgerStore[] {evicting, reference}) {
        s.ledger.putBudget("alice", 10 * DOLLAR, daily, T0, T0);
        s.charge(new String[] {"alice"}, 3 * DOLLAR, "gpt-4o", T0);
      }
      assertThat(evicting.ledger.evictIdle()).isZero(); // marks
      Instant after = T0.plus(Duration.ofDays(1)).plusSeconds(60); // a day's budget resets on its creation's grid
      evicting.resetDue(after);
      reference.resetDue(after);
      assertThat(evicting.ledger.evictIdle()).as("evicted at the sweep after the rollover").isEqualTo(1);
      assertThat(evicting.snapshot("alice", after)).isEqualTo(reference.snapshot("alice", after));
      assertThat(evicting.snapshot("alice", after).orElseThrow().currentCost()).isEqualByComparingTo("0");
      // and a real use after the rollover still keeps a user live
      evicting.charge(new String[] {"alice"}, DOLLAR, null, after);
      assertThat(evicting.ledger.evictIdle()).isZero();
      assertThat(evicting.ledger.evictedCount()).isZero();
    }
  }

  /**
   * updateBudgetAllUsers (resetDue) is cheap when nothing is due: it used to decode every evicted
   * budget (its key, numbers and breakdown) under the eviction lock on each call, ~100 MB of garbage
   * with a million evicted users while every returning user waited. Allocation, not time: the
   * machine is shared.
   */
  @Test
  void resetDueDecodesOnlyTheEvictedBudgetsThatAreDue() {
    Ledger ledger = new Ledger(EvictionTest.UTC, true);
    BudgetDuration monthly = BudgetDuration.parse("30d");
    int users = 50_000;
    for (int i = 0; i < users; i++) {
      ledger.putBudget("user-" + i, 10 * DOLLAR, monthly, T0, T0);
    }
    ledger.putBudget("daily", 10 * DOLLAR, BudgetDuration.parse("1d"), T0, T0);
    ledger.charge(new String[] {"daily"}, DOLLAR, "gpt-4o", T0);
    ledger.evictIdle();
    assertThat(ledger.evictIdle()).isEqualTo(users + 1);
    Instant later = T0.plus(Duration.ofDays(2));
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    ledger.resetDue(later); // the due one is reset now
    long before = threads.getThreadAllocatedBytes(id);
    ledger.resetDue(later);
    long allocated = threads.getThreadAllocatedBytes(id) - before;
    assertThat(allocated).as("bytes allocated by a resetDue with nothing due").isLessThan(users);
    assertThat(ledger.snapshot("daily", later).orElseThrow().currentCost()).isEqualByComparingTo("0");
    assertThat(ledger.snapshot("user-7", later).orElseThrow().currentCost()).isEqualByComparingTo("0");
    assertThat(ledger.evictedCount()).isEqualTo(users + 1);
  }

  static long sweepThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("llm-budget-flush") && t.isAlive()).count();
  }

  /** The memory store's sweep is one daemon thread a store, none without eviction, gone after close(). */
  @Test
  void theMemoryStoresSweepThreadIsADaemonStartedOnlyWithEvictionAndStoppedByClose() {
    long before = sweepThreads();
    try (MemoryStore plain = new MemoryStore("plain", EvictionTest.UTC, Duration.ZERO)) {
      assertThat(sweepThreads()).isEqualTo(before);
    }
    java.util.List<MemoryStore> stores = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      stores.add(new MemoryStore("s" + i, EvictionTest.UTC, IDLE));
    }
    assertThat(sweepThreads()).isEqualTo(before + 20);
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("llm-budget-flush"))
        .allMatch(Thread::isDaemon);
    stores.forEach(MemoryStore::close);
    assertThat(sweepThreads()).isEqualTo(before);
  }

  /**
   * Every path at once on a real local file: charges with models, budget changes, snapshots,
   * get_users and flushes race the local store's own sweep. No user is listed or exported twice,
   * no cent is lost or counted twice, in memory, in the file, and after a reopen.
   */
  @Test
  void chargesBudgetChangesReadsAndFlushesRacingTheSweepLoseAndDuplicateNothing() throws Exception {
    int users = 64;
    java.util.concurrent.atomic.AtomicLong moved = new java.util.concurrent.atomic.AtomicLong();
    LocalFileStore store = local("race", IDLE);
    java.util.concurrent.atomic.LongAdder[] spent = new java.util.concurrent.atomic.LongAdder[users];
    for (int u = 0; u < users; u++) {
      spent[u] = new java.util.concurrent.atomic.LongAdder();
      store.ledger.putBudget("u" + u, 1_000_000 * DOLLAR, null, T0, T0);
    }
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int seed = w;
      threads.add(new Thread(() -> {
        java.util.Random rnd = new java.util.Random(seed);
        while (!stop.get()) {
          int u = rnd.nextInt(users);
          long amount = 1 + rnd.nextInt(1000);
          store.charge(new String[] {"u" + u}, amount, "m" + (u % 3), clock.now);
          spent[u].add(amount);
        }
      }));
    }
    threads.add(new Thread(() -> {
      java.util.Random rnd = new java.util.Random(9);
      while (!stop.get()) {
        int u = rnd.nextInt(users);
        store.putBudget("u" + u, BigDecimal.valueOf(1_000_000 + rnd.nextInt(5)), null, T0);
        java.util.Set<String> keys = store.keys();
        if (keys.size() != users) {
          throw new AssertionError("get_users listed " + keys.size() + " users: " + keys);
        }
        if (store.snapshot("u" + u, clock.now).isEmpty()) {
          throw new AssertionError("u" + u + " vanished");
        }
      }
    }));
    threads.add(new Thread(() -> {
      while (!stop.get()) {
        clock.now = clock.now.plus(IDLE);
        moved.addAndGet(store.evictIdle());
      }
    }));
    threads.add(new Thread(() -> {
      while (!stop.get()) {
        store.flush();
      }
    }));
    for (Thread t : threads) {
      t.setDaemon(true);
      t.setUncaughtExceptionHandler((x, e) -> failures.add(e));
      t.start();
    }
    Thread.sleep(1500);
    stop.set(true);
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(failures).isEmpty();
    assertThat(moved.get()).as("evictions during the race").isGreaterThan(users);
    store.close();
    Map<String, StoredBudget> file = UserCostJson.parse(
        java.nio.file.Files.readAllBytes(dir.resolve("race.json")), "race", clock.now);
    assertThat(file).hasSize(users);
    try (LocalFileStore reopened = local("race", Duration.ZERO)) {
      for (int u = 0; u < users; u++) {
        BudgetSnapshot s = reopened.snapshot("u" + u, clock.now).orElseThrow();
        BigDecimal expected = Picodollars.toDollars(spent[u].sum());
        assertThat(s.currentCost()).as("u%d", u).isEqualByComparingTo(expected);
        assertThat(s.modelCost()).as("u%d", u).containsOnlyKeys("m" + (u % 3));
        assertThat(s.modelCost().get("m" + (u % 3))).as("u%d", u).isEqualByComparingTo(expected);
        assertThat(file.get("u" + u).spent()).isEqualTo(spent[u].sum());
      }
    }
  }

  /**
   * Reservations and eviction: a budget holding one is never evicted; one whose reservation held
   * nothing (zero) or expired may be, and its settle still charges exactly what the call used.
   */
  @Test
  void settlesOfReservationsMadeBeforeTheSweepChargeExactlyOnce() {
    Ledger ledger = new Ledger(EvictionTest.UTC, true);
    for (String u : new String[] {"holding", "zero", "expired"}) { // "holding" reserves again after the expiry
      ledger.putBudget(u, 10 * DOLLAR, null, T0, T0);
    }
    Instant lease = T0.plus(Duration.ofMinutes(30));
    assertThat(ledger.reserve(1, new String[] {"holding"}, 5 * DOLLAR, T0, lease).isOk()).isTrue();
    assertThat(ledger.reserve(2, new String[] {"zero"}, 0, T0, lease).isOk()).isTrue();
    assertThat(ledger.reserve(3, new String[] {"expired"}, 5 * DOLLAR, T0, lease).isOk()).isTrue();
    Instant late = T0.plus(Duration.ofMinutes(45)); // past the lease, before the expired holds are forgotten
    assertThat(ledger.expireLeases(late)).isEqualTo(3); // all three leases ran out; each settle below comes late
    assertThat(ledger.reserve(4, new String[] {"holding"}, 5 * DOLLAR, late, late.plus(Duration.ofMinutes(30))).isOk())
        .isTrue();
    ledger.evictIdle();
    ledger.evictIdle();
    assertThat(ledger.keys()).containsExactlyInAnyOrder("holding", "zero", "expired");
    assertThat(ledger.evictedCount()).as("zero and expired, not holding").isEqualTo(2);
    assertThat(ledger.settle(4, 3 * DOLLAR, "gpt-4o", late)).isTrue();
    assertThat(ledger.settle(2, 2 * DOLLAR, "gpt-4o", late)).isTrue();
    assertThat(ledger.settle(3, 4 * DOLLAR, "gpt-4o", late)).isTrue();
    assertThat(ledger.settle(3, 4 * DOLLAR, "gpt-4o", late)).as("settled once").isFalse();
    for (Object[] c : new Object[][] {{"holding", "3"}, {"zero", "2"}, {"expired", "4"}}) {
      BudgetSnapshot s = ledger.snapshot((String) c[0], late).orElseThrow();
      assertThat(s.currentCost()).as((String) c[0]).isEqualByComparingTo((String) c[1]);
      assertThat(s.reserved()).as((String) c[0]).isEqualByComparingTo("0");
      assertThat(s.modelCost().get("gpt-4o")).as((String) c[0]).isEqualByComparingTo((String) c[1]);
    }
  }
}
