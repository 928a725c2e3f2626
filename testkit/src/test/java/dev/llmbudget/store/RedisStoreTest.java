package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.testkit.RedisServer;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link BudgetStore} contract on a real redis-server (testkit's {@link RedisServer}, or the one
 * {@code LLMBUDGET_IT_REDIS_URL} names). Lives in testkit because testkit depends on core; each
 * test gets a project of its own, so nothing is flushed between tests.
 */
class RedisStoreTest extends BudgetStoreContract {

  @Override
  boolean claimsAlertsOnce() {
    return true;
  }

  static RedisServer server;
  static String url;
  static final AtomicInteger PROJECTS = new AtomicInteger();

  @BeforeAll
  static void startRedis() throws Exception {
    url = RedisServer.externalUrl();
    if (url == null) {
      server = RedisServer.start();
      url = server.url();
    }
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  static BudgetStore open(String project, Map<String, String> settings) {
    return new RedisStoreProvider().open(project, url, BudgetConfig.of(settings));
  }

  @Override
  BudgetStore openStore() {
    return open("contract-" + ProcessHandle.current().pid() + "-" + PROJECTS.incrementAndGet(), Map.of());
  }

  @Test
  void twoStoreObjectsOnOneProjectShareTheBudgetLikeTwoJvms() {
    String project = "shared-" + ProcessHandle.current().pid() + "-" + PROJECTS.incrementAndGet();
    try (BudgetStore a = open(project, Map.of()); BudgetStore b = open(project, Map.of())) {
      a.putBudget("alice", usd("1"), BudgetDuration.MONTHLY, T0);
      long ida = a.newReservationId();
      long idb = b.newReservationId();
      assertThat(ida).isEqualTo(idb); // the same local id in two JVMs must not collide on the server
      assertThat(a.reserve(ida, keys("alice"), Picodollars.of(usd("0.6")), T0, T0.plus(LEASE)).isOk()).isTrue();
      assertThat(b.reserve(idb, keys("alice"), Picodollars.of(usd("0.6")), T0, T0.plus(LEASE)).isOk()).isFalse();
      assertThat(b.reserve(idb, keys("alice"), Picodollars.of(usd("0.4")), T0, T0.plus(LEASE)).isOk()).isTrue();

      assertThat(a.settle(ida, Picodollars.of(usd("0.5")), "gpt-4o", T0)).isTrue();
      assertThat(b.settle(idb, Picodollars.of(usd("0.25")), "gpt-4o", T0)).isTrue();

      BudgetSnapshot s = b.snapshot("alice", T0).orElseThrow();
      assertThat(s.currentCost()).isEqualByComparingTo("0.75");
      assertThat(s.reserved()).isZero();
      assertThat(a.keys()).containsExactly("alice");
    }
  }

  @Test
  void amountsBeyondADoubleStayExact() {
    // Lua numbers are doubles: 2^53 + 1 picodollars would round to 2^53 without the two-limb arithmetic
    long big = (1L << 53) + 1;
    store.charge(keys("u"), big, "gpt-4o", T0);
    store.charge(keys("u"), 2, "gpt-4o", T0);

    assertThat(Picodollars.of(store.snapshot("u", T0).orElseThrow().currentCost())).isEqualTo(big + 2);
    assertThat(Picodollars.of(store.snapshot("u", T0).orElseThrow().modelCost().get("gpt-4o"))).isEqualTo(big + 2);
  }

  @Test
  void aDescriptionNeverShowsThePassword() {
    String withPassword = url.replace("redis://", "redis://app:s3cret@");
    BudgetStore s = new RedisStoreProvider().open("p", withPassword, BudgetConfig.of(Map.of()));
    try {
      assertThat(s.describe()).contains("app:***@").doesNotContain("s3cret");
    } finally {
      s.close();
    }
  }

  @Test
  void clocksAFewSecondsApartRollAMonthOverOnceAndLoseNoSpend() {
    Instant boundary = Instant.parse("2026-04-01T00:00:00Z");
    store.putBudget("u", usd("10"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("u"), Picodollars.of(usd("3")), "gpt-4o", boundary.minusSeconds(10));
    // a JVM whose clock runs 5 s ahead rolls the month over first and charges the new month
    store.charge(keys("u"), Picodollars.of(usd("1")), "gpt-4o", boundary.plusSeconds(2));
    // a JVM 5 s behind still thinks it is March: its charge lands in the period that is current on
    // the server (April), the reset is not applied a second time, and nothing is lost
    store.charge(keys("u"), Picodollars.of(usd("2")), "gpt-4o", boundary.minusSeconds(3));
    store.charge(keys("u"), Picodollars.of(usd("0.5")), "gpt-4o", boundary.plusSeconds(6));

    BudgetSnapshot s = store.snapshot("u", boundary.plusSeconds(7)).orElseThrow();
    assertThat(s.periodStart()).isEqualTo(boundary);
    assertThat(s.currentCost()).isEqualByComparingTo("3.5");
    assertThat(s.nextReset()).isEqualTo(Instant.parse("2026-05-01T00:00:00Z"));
  }

  @Test
  void callsRacingAcrossTheMonthsEndRollItOverOnceAndLoseNothing() throws Exception {
    Instant boundary = Instant.parse("2026-04-01T00:00:00Z");
    long c = Picodollars.of(usd("0.01"));
    store.putBudget("u", usd("100"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("u", "lifetime"), 7 * c, "gpt-4o", boundary.minusSeconds(60)); // March before the race
    int threads = 8;
    int calls = 50;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < calls; i++) {
            // each thread's clock crosses midnight half way through, a few ms apart from the others'
            Instant now = boundary.plusMillis((i - calls / 2) * 10L + thread);
            long id = store.newReservationId();
            assertThat(store.reserve(id, keys("u", "lifetime"), c, now, now.plus(LEASE)).isOk()).isTrue();
            assertThat(store.settle(id, c, "gpt-4o", now)).isTrue();
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    Instant after = boundary.plusSeconds(1);
    BudgetSnapshot april = store.snapshot("u", after).orElseThrow();
    BudgetSnapshot lifetime = store.snapshot("lifetime", after).orElseThrow();
    // every charge is on the key that never resets, exactly once
    assertThat(Picodollars.of(lifetime.currentCost())).isEqualTo((7 + threads * calls) * c);
    // April started once, at midnight; it holds every charge made at or after midnight by its
    // caller's clock, and none of March's 7 made before the race
    assertThat(april.periodStart()).isEqualTo(boundary);
    assertThat(april.nextReset()).isEqualTo(Instant.parse("2026-05-01T00:00:00Z"));
    long aprilCalls = Picodollars.of(april.currentCost()) / c;
    assertThat(aprilCalls).isBetween((long) threads * calls / 2, (long) threads * calls);
    assertThat(april.reserved()).isZero();
  }

  /** Commands clients sent (those run inside scripts are counted apart, under their own names). */
  static long clientCommands() throws Exception {
    String info = server.command("INFO commandstats");
    long n = 0;
    for (String cmd : new String[] {"evalsha", "eval", "hgetall", "smembers"}) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + cmd + ":calls=(\\d+)").matcher(info);
      if (m.find()) {
        n += Long.parseLong(m.group(1));
      }
    }
    return n;
  }

  @Test
  void aCallIsTwoRoundTripsIncludingTheUsersDefaultBudget() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(server != null, "counts commands on the server it started");
    // what the engine does per call of a user with llmbudget.user.max_budget: create-if-absent, reserve, settle
    store.putBudgetIfAbsent("u", usd("5"), BudgetDuration.DAILY, T0);
    long first = store.newReservationId();
    store.reserve(first, keys("u", BudgetStore.GLOBAL_KEY), DOLLAR / 100, T0, T0.plus(LEASE));
    store.settle(first, DOLLAR / 100, "gpt-4o", T0);

    long before = clientCommands();
    assertThat(store.putBudgetIfAbsent("u", usd("5"), BudgetDuration.DAILY, T0)).isFalse();
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys("u", BudgetStore.GLOBAL_KEY), DOLLAR / 100, T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.settle(id, DOLLAR / 100, "gpt-4o", T0)).isTrue();
    long after = clientCommands();

    assertThat(after - before).isEqualTo(2);
  }
}
