package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link BudgetStore} does; each store's test extends this and says how to open one. */
abstract class BudgetStoreContract {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  BudgetStore store;

  /** Opens a fresh, empty store in UTC. */
  abstract BudgetStore openStore() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = openStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** A lease no test outlives unless it means to. */
  static final java.time.Duration LEASE = java.time.Duration.ofMinutes(10);

  /** Reserves under a fresh id with the default lease; for tests that never settle it. */
  ReserveResult reserve(String[] keys, long amount, Instant now) {
    return store.reserve(store.newReservationId(), keys, amount, now, now.plus(LEASE));
  }

  static String[] keys(String... k) {
    return k;
  }

  static BigDecimal usd(String s) {
    return new BigDecimal(s);
  }

  @Test
  void reserveWithinTheLimitSucceedsAndBeyondItRefuses() {
    store.putBudget("alice", usd("10"), null, T0);

    assertThat(reserve(keys("alice"), 6 * DOLLAR, T0).isOk()).isTrue();
    assertThat(reserve(keys("alice"), 4 * DOLLAR, T0).isOk()).isTrue();
    ReserveResult refused = reserve(keys("alice"), 1, T0);

    assertThat(refused.isOk()).isFalse();
    assertThat(refused.exhaustedKey()).isEqualTo("alice");
    assertThat(refused.limitPico()).isEqualTo(10 * DOLLAR);
    assertThat(store.snapshot("alice", T0).orElseThrow().reserved()).isEqualByComparingTo("10");
  }

  @Test
  void aBudgetThatHasSpentItsLimitRefusesEvenAZeroReservation() {
    store.putBudget("alice", usd("1"), null, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);

    assertThat(reserve(keys("alice"), 0, T0).isOk()).isFalse();
    assertThat(store.snapshot("alice", T0).orElseThrow().isExhausted()).isTrue();
  }

  @Test
  void reservationIsAllOrNoneAcrossKeys() {
    store.putBudget("alice", usd("10"), null, T0);
    store.putBudget(BudgetStore.GLOBAL_KEY, usd("1"), null, T0);

    ReserveResult r = reserve(keys("alice", BudgetStore.GLOBAL_KEY), 2 * DOLLAR, T0);

    assertThat(r.isOk()).isFalse();
    assertThat(r.exhaustedKey()).isEqualTo(BudgetStore.GLOBAL_KEY);
    assertThat(store.snapshot("alice", T0).orElseThrow().reserved()).isZero();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().reserved()).isZero();
  }

  @Test
  void settleReleasesTheReservationChargesTheActualCostAndBooksItPerModel() {
    store.putBudget("alice", usd("10"), null, T0);
    long id = store.newReservationId();
    store.reserve(id, keys("alice"), 3 * DOLLAR, T0, T0.plus(LEASE));

    assertThat(store.settle(id, 2 * DOLLAR, "gpt-4o", T0)).isTrue();
    store.charge(keys("alice"), Picodollars.of(usd("0.5")), "claude-3", T0);
    store.charge(keys("alice"), Picodollars.of(usd("0.25")), "gpt-4o", T0);

    BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
    assertThat(s.reserved()).isZero();
    assertThat(s.currentCost()).isEqualByComparingTo("2.75");
    assertThat(s.modelCost()).containsOnlyKeys("gpt-4o", "claude-3");
    assertThat(s.modelCost().get("gpt-4o")).isEqualByComparingTo("2.25");
    assertThat(s.modelCost().get("claude-3")).isEqualByComparingTo("0.5");
  }

  @Test
  void keysWithoutABudgetSkipReserveButSettleTracksTheirSpend() {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys("bob"), 1_000 * DOLLAR, T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.snapshot("bob", T0)).isEmpty();

    store.settle(id, DOLLAR, "gpt-4o", T0);

    BudgetSnapshot s = store.snapshot("bob", T0).orElseThrow();
    assertThat(s.totalBudget()).isNull();
    assertThat(s.currentCost()).isEqualByComparingTo("1");
    assertThat(s.reserved()).isZero();
    assertThat(store.keys()).containsExactly("bob");
  }

  @Test
  void putBudgetChangesTheLimitAndKeepsTheSpend() {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), 4 * DOLLAR, "gpt-4o", T0);

    store.putBudget("alice", usd("5"), BudgetDuration.MONTHLY, T0.plusSeconds(60));

    BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
    assertThat(s.totalBudget()).isEqualByComparingTo("5");
    assertThat(s.currentCost()).isEqualByComparingTo("4");
    assertThat(s.duration()).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(reserve(keys("alice"), 2 * DOLLAR, T0).isOk()).isFalse();
  }

  @Test
  void putBudgetIfAbsentCreatesOnlyOnce() {
    assertThat(store.putBudgetIfAbsent("alice", usd("10"), null, T0)).isTrue();
    assertThat(store.putBudgetIfAbsent("alice", usd("99"), BudgetDuration.DAILY, T0)).isFalse();

    BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
    assertThat(s.totalBudget()).isEqualByComparingTo("10");
    assertThat(s.duration()).isNull();
  }

  @Test
  void resetCostZeroesTheSpendAndStartsANewPeriod() {
    store.putBudget("alice", usd("10"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice"), 7 * DOLLAR, "gpt-4o", T0);
    Instant later = T0.plusSeconds(3600);

    store.resetCost("alice", later);

    BudgetSnapshot s = store.snapshot("alice", later).orElseThrow();
    assertThat(s.currentCost()).isZero();
    assertThat(s.modelCost()).isEmpty();
    assertThat(s.periodStart()).isEqualTo(later);
    assertThat(s.totalBudget()).isEqualByComparingTo("10");
  }

  @Test
  void aDailyBudgetResetsByItselfAfterMidnight() {
    store.putBudget("alice", usd("1"), BudgetDuration.DAILY, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    assertThat(reserve(keys("alice"), 1, T0.plusSeconds(3600)).isOk()).isFalse();

    Instant nextDay = Instant.parse("2026-03-11T00:00:00Z");
    assertThat(reserve(keys("alice"), DOLLAR / 2, nextDay).isOk()).isTrue();

    BudgetSnapshot s = store.snapshot("alice", nextDay).orElseThrow();
    assertThat(s.currentCost()).isZero();
    assertThat(s.periodStart()).isEqualTo(nextDay);
    assertThat(s.nextReset()).isEqualTo(Instant.parse("2026-03-12T00:00:00Z"));
  }

  @Test
  void resetDueAppliesEveryResetThatHasComeDue() {
    store.putBudget("alice", usd("5"), BudgetDuration.DAILY, T0);
    store.putBudget("bob", usd("5"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice", "bob"), DOLLAR, "gpt-4o", T0);

    Instant nextDay = Instant.parse("2026-03-11T08:00:00Z");
    store.resetDue(nextDay);

    assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isZero();
    assertThat(store.snapshot("bob", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
  }

  @Test
  void snapshotShowsTheBudgetAsStored() {
    Instant created = Instant.parse("2026-03-10T09:30:00Z");
    store.putBudget("alice", usd("12.5"), BudgetDuration.DAILY, created);
    reserve(keys("alice"), DOLLAR, T0);
    store.charge(keys("alice"), Picodollars.of(usd("0.000001234")), "gpt-4o", T0);

    BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();

    assertThat(s.key()).isEqualTo("alice");
    assertThat(s.totalBudget()).isEqualByComparingTo("12.5");
    assertThat(s.currentCost()).isEqualByComparingTo("0.000001234");
    assertThat(s.reserved()).isEqualByComparingTo("1");
    assertThat(s.duration()).isEqualTo(BudgetDuration.DAILY);
    assertThat(s.createdAt()).isEqualTo(created);
    assertThat(s.periodStart()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
    assertThat(s.nextReset()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    assertThat(store.snapshot("nobody", T0)).isEmpty();
    assertThat(store.describe()).isNotBlank();
  }

  @Test
  void concurrentCallsNeverSpendBeyondTheLimit() throws Exception {
    int calls = 200;
    long cost = Picodollars.of(usd("0.001"));
    store.putBudget("alice", Picodollars.toDollars(cost * calls), null, T0);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < calls; i++) {
            long id = store.newReservationId();
            if (store.reserve(id, keys("alice", "team"), cost, T0, T0.plus(LEASE)).isOk()) {
              admitted.incrementAndGet();
              store.settle(id, cost, "gpt-4o", T0);
            }
            BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
            assertThat(s.currentCost()).isLessThanOrEqualTo(s.totalBudget());
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
    assertThat(admitted.get()).isEqualTo(calls);
    assertThat(s.currentCost()).isEqualByComparingTo(s.totalBudget());
    assertThat(s.reserved()).isZero();
    assertThat(store.snapshot("team", T0).orElseThrow().currentCost()).isEqualByComparingTo(s.totalBudget());
  }
}
