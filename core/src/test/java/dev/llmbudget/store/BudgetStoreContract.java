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

  /** Whether the store claims alerts once across its users (shared stores); a store of one JVM claims every time. */
  boolean claimsAlertsOnce() {
    return false;
  }

  @Test
  void anAlertIsClaimedOncePerBudgetThresholdAndPeriodEvenWhenClaimedConcurrently() throws Exception {
    Instant end = T0.plus(java.time.Duration.ofDays(30));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> claims = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      for (int i = 0; i < 8; i++) {
        claims.add(pool.submit(() -> {
          go.await();
          return store.claimAlert("alice", "0.8", T0, end);
        }));
      }
      go.countDown();
      int won = 0;
      for (Future<Boolean> f : claims) {
        won += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(won).isEqualTo(claimsAlertsOnce() ? 1 : 8);
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.claimAlert("alice", "1", T0, end)).isTrue();
    assertThat(store.claimAlert("bob", "0.8", T0, end)).isTrue();
    assertThat(store.claimAlert("alice", "0.8", end, null)).isTrue(); // the next period
    assertThat(store.claimAlert("alice", "0.8", end, null)).isEqualTo(!claimsAlertsOnce());
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

  // --- reservations record what they hold (issue 8 item 5), leases (item 6), overflow (item 7) ---

  long reserveOk(String key, String amount, Instant now) {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(key), Picodollars.of(usd(amount)), now, now.plus(LEASE)).isOk()).isTrue();
    return id;
  }

  @Test
  void aBudgetCreatedWhileACallIsInFlightIsNotOverspentWhenThatCallIsReleased() {
    long first = reserveOk("u", "0.9", T0); // no budget yet: holds nothing
    store.putBudget("u", usd("1.0"), null, T0);
    long second = reserveOk("u", "0.9", T0);

    store.settle(first, 0, null, T0); // must not free the 0.9 that the second call holds

    assertThat(store.snapshot("u", T0).orElseThrow().reserved()).isEqualByComparingTo("0.9");
    assertThat(reserve(keys("u"), Picodollars.of(usd("0.9")), T0).isOk()).isFalse();
    store.settle(second, Picodollars.of(usd("0.9")), "gpt-4o", T0);
    BudgetSnapshot s = store.snapshot("u", T0).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo("0.9");
    assertThat(s.reserved()).isZero();
  }

  @Test
  void removingALimitDoesNotLeaveItsReservationsStuck() {
    store.putBudget("u", usd("1"), null, T0);
    long id = reserveOk("u", "0.6", T0);
    store.putBudget("u", null, null, T0);

    store.settle(id, 0, null, T0);
    store.putBudget("u", usd("1"), null, T0);

    assertThat(store.snapshot("u", T0).orElseThrow().reserved()).isZero();
    assertThat(reserve(keys("u"), DOLLAR, T0).isOk()).isTrue();
  }

  @Test
  void changingALimitReleasesExactlyWhatWasHeld() {
    store.putBudget("u", usd("1"), null, T0);
    long id = reserveOk("u", "0.5", T0);
    store.putBudget("u", usd("2"), null, T0);
    long other = reserveOk("u", "1.2", T0);

    store.settle(id, Picodollars.of(usd("0.1")), "gpt-4o", T0);

    BudgetSnapshot s = store.snapshot("u", T0).orElseThrow();
    assertThat(s.reserved()).isEqualByComparingTo("1.2");
    assertThat(s.currentCost()).isEqualByComparingTo("0.1");
    store.settle(other, 0, null, T0);
    assertThat(store.snapshot("u", T0).orElseThrow().reserved()).isZero();
  }

  @Test
  void aSecondSettleOfTheSameReservationChangesNothing() {
    store.putBudget("u", usd("5"), null, T0);
    long id = reserveOk("u", "1", T0);
    long other = reserveOk("u", "1", T0);

    assertThat(store.settle(id, DOLLAR, "gpt-4o", T0)).isTrue();
    assertThat(store.settle(id, DOLLAR, "gpt-4o", T0)).isFalse();

    BudgetSnapshot s = store.snapshot("u", T0).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo("1");
    assertThat(s.reserved()).isEqualByComparingTo("1");
    assertThat(store.settle(other, 0, null, T0)).isTrue();
    assertThat(store.settle(store.newReservationId(), DOLLAR, "gpt-4o", T0)).isFalse();
    assertThat(store.snapshot("u", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
  }

  @Test
  void anExpiredLeaseIsReleasedAndALateSettleStillChargesOnce() {
    store.putBudget("u", usd("1"), null, T0);
    long abandoned = reserveOk("u", "0.8", T0);
    assertThat(reserve(keys("u"), Picodollars.of(usd("0.5")), T0.plus(LEASE).minusMillis(1)).isOk()).isFalse();

    Instant later = T0.plus(LEASE).plusSeconds(60);
    long next = reserveOk("u", "0.5", later); // the lease ran out: its 0.8 is free again

    assertThat(store.snapshot("u", later).orElseThrow().reserved()).isEqualByComparingTo("0.5");
    assertThat(store.settle(abandoned, Picodollars.of(usd("0.3")), "gpt-4o", later)).isTrue();
    assertThat(store.settle(abandoned, Picodollars.of(usd("0.3")), "gpt-4o", later)).isFalse();
    BudgetSnapshot s = store.snapshot("u", later).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo("0.3");
    assertThat(s.reserved()).isEqualByComparingTo("0.5");
    store.settle(next, 0, null, later);
    assertThat(store.snapshot("u", later).orElseThrow().reserved()).isZero();
  }

  @Test
  void expireLeasesReleasesOnlyWhatHasRunOutAndSnapshotsSeeIt() {
    store.putBudget("u", usd("10"), null, T0);
    reserveOk("u", "1", T0);
    reserveOk("u", "2", T0.plusSeconds(120));

    assertThat(store.expireLeases(T0.plus(LEASE).minusMillis(1))).isZero();
    assertThat(store.expireLeases(T0.plus(LEASE))).isEqualTo(1);
    assertThat(store.snapshot("u", T0.plus(LEASE)).orElseThrow().reserved()).isEqualByComparingTo("2");
    assertThat(store.expireLeases(T0.plus(LEASE))).isZero();
    // no explicit expiry: a snapshot after the second lease ran out shows it released
    assertThat(store.snapshot("u", T0.plusSeconds(120).plus(LEASE)).orElseThrow().reserved()).isZero();
  }

  @Test
  void aReservationForgottenLongAfterItsLeaseIsNotSettledAgain() {
    store.putBudget("u", usd("10"), null, T0);
    long id = reserveOk("u", "1", T0);
    Instant muchLater = T0.plus(LEASE.multipliedBy(2)).plusSeconds(1);

    store.expireLeases(T0.plus(LEASE));
    store.expireLeases(muchLater);

    assertThat(store.settle(id, DOLLAR, "gpt-4o", muchLater)).isFalse();
    assertThat(store.snapshot("u", muchLater).orElseThrow().currentCost()).isZero();
    assertThat(store.snapshot("u", muchLater).orElseThrow().reserved()).isZero();
  }

  @Test
  void hugeAmountsAreRefusedNeverWrappedAround() {
    store.putBudget("u", usd("10"), null, T0);
    store.charge(keys("u"), 5 * DOLLAR, "gpt-4o", T0);
    reserveOk("u", "4", T0);

    ReserveResult r = reserve(keys("u"), Long.MAX_VALUE - 2 * DOLLAR, T0);
    ReserveResult max = reserve(keys("u"), Long.MAX_VALUE, T0);

    assertThat(r.isOk()).isFalse();
    assertThat(max.isOk()).isFalse();
    assertThat(r.spentPico()).isEqualTo(5 * DOLLAR);
    assertThat(r.reservedPico()).isEqualTo(4 * DOLLAR);
    assertThat(r.limitPico()).isEqualTo(10 * DOLLAR);
    BudgetSnapshot s = store.snapshot("u", T0).orElseThrow();
    assertThat(s.reserved()).isEqualByComparingTo("4");
    assertThat(reserve(keys("u"), DOLLAR, T0).isOk()).isTrue();
    assertThat(reserve(keys("u"), 1, T0).isOk()).isFalse();
  }

  @Test
  void hugeChargesSaturateInsteadOfWrappingToNegative() {
    store.putBudget("u", usd("10"), null, T0);

    store.charge(keys("u"), Long.MAX_VALUE, "gpt-4o", T0);
    store.charge(keys("u"), Long.MAX_VALUE, "gpt-4o", T0);

    assertThat(store.snapshot("u", T0).orElseThrow().currentCost()).isEqualByComparingTo(Picodollars.MAX_DOLLARS);
    assertThat(reserve(keys("u"), 0, T0).isOk()).isFalse();
  }

  @Test
  void negativeAmountsAreRejectedWithAClearError() {
    store.putBudget("u", usd("10"), null, T0);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> reserve(keys("u"), -1, T0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.charge(keys("u"), -1, "m", T0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThat(store.snapshot("u", T0).orElseThrow().reserved()).isZero();
  }

  @Test
  void aMonthlySpanStartedOnThe31stStepsOnItsOwnGrid() {
    Instant jan31 = Instant.parse("2026-01-31T00:00:00Z");
    store.putBudget("u", usd("1"), BudgetDuration.parse("1mo"), jan31);
    assertThat(store.snapshot("u", jan31).orElseThrow().nextReset()).isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));

    Instant inApril = Instant.parse("2026-04-05T00:00:00Z");
    BudgetSnapshot feb = store.snapshot("u", Instant.parse("2026-03-01T00:00:00Z")).orElseThrow();
    BudgetSnapshot mar = store.snapshot("u", inApril).orElseThrow();

    assertThat(feb.periodStart()).isEqualTo(Instant.parse("2026-02-28T00:00:00Z"));
    assertThat(feb.nextReset()).isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
    assertThat(mar.periodStart()).isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
    assertThat(mar.nextReset()).isEqualTo(Instant.parse("2026-04-30T00:00:00Z"));
  }

  @Test
  void aBudgetWithRoomLeftIsNotExhausted() {
    store.putBudget("u", usd("1"), null, T0);
    store.charge(keys("u"), DOLLAR - 1, "gpt-4o", T0);

    assertThat(store.snapshot("u", T0).orElseThrow().isExhausted()).isFalse();
    store.charge(keys("u"), 1, "gpt-4o", T0);
    assertThat(store.snapshot("u", T0).orElseThrow().isExhausted()).isTrue();
  }

  @Test
  void aReservationIdCannotBeUsedTwiceWhileItIsLive() {
    store.putBudget("u", usd("10"), null, T0);
    long id = reserveOk("u", "1", T0);

    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> store.reserve(id, keys("u"), DOLLAR, T0, T0.plus(LEASE)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(Long.toString(id));
    assertThat(store.newReservationId()).isNotEqualTo(id);
  }

  @Test
  void resetDueAlsoReleasesExpiredLeases() {
    store.putBudget("u", usd("10"), BudgetDuration.DAILY, T0);
    reserveOk("u", "1", T0);

    store.resetDue(T0.plus(LEASE));

    assertThat(store.expireLeases(T0.plus(LEASE))).isZero();
    assertThat(store.snapshot("u", T0.plus(LEASE)).orElseThrow().reserved()).isZero();
  }

  @Test
  void racingSettlesAndExpiryChargeEachReservationOnceAndReleaseItOnce() throws Exception {
    store.putBudget("u", usd("1000"), null, T0);
    int n = 2_000;
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = reserveOk("u", "0.1", T0);
    }
    Instant atExpiry = T0.plus(LEASE);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger settled = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < 3; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (long id : ids) {
            if (store.settle(id, DOLLAR / 20, "gpt-4o", atExpiry)) {
              settled.incrementAndGet();
            }
          }
          return null;
        }));
      }
      done.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 50; i++) {
          store.expireLeases(atExpiry);
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    BudgetSnapshot s = store.snapshot("u", atExpiry).orElseThrow();
    assertThat(settled.get()).isEqualTo(n);
    assertThat(s.currentCost()).isEqualByComparingTo(usd("0.05").multiply(BigDecimal.valueOf(n)));
    assertThat(s.reserved()).isZero();
  }
}
