package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.testkit.RedisServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped in the middle of a run: calls go on against the offline allowance, then are refused;
 * when Redis is back the journal is replayed once and the totals are exact. Each test starts its own
 * redis-server, since it stops it.
 */
class RedisOutageTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final Duration LEASE = Duration.ofMinutes(10);

  RedisServer redis;
  BudgetStore store;

  @BeforeEach
  void start() throws Exception {
    redis = RedisServer.start();
    store = new RedisStoreProvider().open("outage", redis.url(),
        BudgetConfig.of(Map.of("llmbudget.store.offline_allowance", "1.00", "llmbudget.redis.timeout", "500ms")));
    store.putBudget(BudgetStore.GLOBAL_KEY, usd("10"), null, T0);
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    redis.close();
  }

  static BigDecimal usd(String s) {
    return new BigDecimal(s);
  }

  static long pico(String s) {
    return Picodollars.of(usd(s));
  }

  /** One call: reserve {@code reserve} on the global budget and alice's, settle {@code actual}. */
  boolean call(String reserve, String actual, Instant now) {
    long id = store.newReservationId();
    String[] keys = {"alice", BudgetStore.GLOBAL_KEY};
    if (!store.reserve(id, keys, pico(reserve), now, now.plus(LEASE)).isOk()) {
      return false;
    }
    return store.settle(id, pico(actual), "gpt-4o", now);
  }

  BigDecimal spent(String key, Instant now) {
    return store.snapshot(key, now).orElseThrow().currentCost();
  }

  @Test
  void callsGoOnWithinTheAllowanceThenAreRefusedAndTheJournalIsReplayedOnce() throws Exception {
    assertThat(call("0.5", "0.5", T0)).isTrue();
    long inFlight = store.newReservationId(); // reserved online, settled during the outage
    assertThat(store.reserve(inFlight, new String[] {"alice", BudgetStore.GLOBAL_KEY}, pico("0.2"), T0,
        T0.plus(LEASE)).isOk()).isTrue();

    redis.stop();
    Instant t1 = T0.plusSeconds(1);
    assertThat(store.settle(inFlight, pico("0.1"), "gpt-4o", t1)).isTrue();
    assertThat(call("0.3", "0.3", t1)).isTrue();
    assertThat(call("0.5", "0.4", t1)).isTrue();
    // 0.1 + 0.3 + 0.4 of the $1.00 allowance used: a reservation of 0.5 does not fit
    assertThatThrownBy(() -> call("0.5", "0.5", t1))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("offline allowance of $1")
        .hasMessageContaining("redis://127.0.0.1:" + redis.port());
    assertThat(call("0.2", "0.2", t1)).isTrue();

    redis.restart(true);
    Instant t2 = t1.plusSeconds(2);
    assertThat(call("0.1", "0.1", t2)).isTrue();

    assertThat(spent(BudgetStore.GLOBAL_KEY, t2)).isEqualByComparingTo("1.6"); // 0.5 + 0.1 + 0.3 + 0.4 + 0.2 + 0.1
    assertThat(spent("alice", t2)).isEqualByComparingTo("1.6");
    assertThat(store.snapshot("alice", t2).orElseThrow().reserved()).isZero();
    assertThat(((OfflineAllowanceStore) store).journalSize()).isZero();
    // nothing is replayed a second time
    assertThat(call("0.1", "0.1", t2.plusSeconds(5))).isTrue();
    store.flush();
    assertThat(spent(BudgetStore.GLOBAL_KEY, t2.plusSeconds(5))).isEqualByComparingTo("1.7");
  }

  @Test
  void aRedisThatRestartsEmptyGetsTheJournalAndThisJvmsBudgetsBackButNotWhatItForgot() throws Exception {
    assertThat(call("0.5", "0.5", T0)).isTrue();

    redis.stop();
    Instant t1 = T0.plusSeconds(1);
    assertThat(call("0.3", "0.25", t1)).isTrue();

    redis.restart(false);
    Instant t2 = t1.plusSeconds(2);
    assertThat(call("0.1", "0.1", t2)).isTrue();

    BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, t2).orElseThrow();
    // the spend Redis lost (0.5) is gone; the journal (0.25) and what came after (0.1) are there,
    // and the global budget this JVM created is back with its limit
    assertThat(global.currentCost()).isEqualByComparingTo("0.35");
    assertThat(global.totalBudget()).isEqualByComparingTo("10");
  }

  @Test
  void aJvmThatStartsDuringAnOutageRunsOnItsAllowanceAndPutsItsBudgetsWhenRedisAnswers() throws Exception {
    redis.stop();
    BudgetStore late = new RedisStoreProvider().open("outage-start", redis.url(),
        BudgetConfig.of(Map.of("llmbudget.store.offline_allowance", "0.50", "llmbudget.redis.timeout", "500ms")));
    try {
      late.putBudget(BudgetStore.GLOBAL_KEY, usd("10"), null, T0); // as StoreRegistry does at start-up
      assertThat(late.putBudgetIfAbsent("bob", usd("2"), null, T0)).isFalse();
      long id = late.newReservationId();
      assertThat(late.reserve(id, new String[] {"bob", BudgetStore.GLOBAL_KEY}, pico("0.4"), T0, T0.plus(LEASE)).isOk()).isTrue();
      late.settle(id, pico("0.3"), "gpt-4o", T0);
      assertThatThrownBy(() -> late.reserve(late.newReservationId(), new String[] {"bob"}, pico("0.3"), T0, T0.plus(LEASE)))
          .isInstanceOf(BudgetStoreException.class).hasMessageContaining("offline allowance of $0.5");

      redis.restart(true);
      Instant t2 = T0.plusSeconds(2);
      BudgetSnapshot global = late.snapshot(BudgetStore.GLOBAL_KEY, t2).orElseThrow();
      assertThat(global.totalBudget()).isEqualByComparingTo("10");
      assertThat(global.currentCost()).isEqualByComparingTo("0.3");
      BudgetSnapshot bob = late.snapshot("bob", t2).orElseThrow();
      assertThat(bob.totalBudget()).isEqualByComparingTo("2");
      assertThat(bob.currentCost()).isEqualByComparingTo("0.3");
    } finally {
      late.close();
    }
  }
}
