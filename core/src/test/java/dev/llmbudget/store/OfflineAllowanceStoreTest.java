package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.internal.LogCapture;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline allowance in core's own tests: what a JVM admits, refuses, journals and replays when
 * its shared store stops answering. The server is a real {@link MemoryStore}; only the network in
 * front of it is simulated ({@link Link}: up, down, or applying a request and losing the answer),
 * which is the far edge these rules are about. testkit's RedisOutageTest does the same with a real
 * redis-server that is stopped and restarted.
 */
class OfflineAllowanceStoreTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final Duration LEASE = Duration.ofMinutes(10);
  static final String GLOBAL = BudgetStore.GLOBAL_KEY;

  /**
   * The network between this JVM and its budget server. Reservation ids are made locally (as the
   * Redis and PostgreSQL stores make them), so they work while the server is down.
   */
  static final class Link implements BudgetStore {
    BudgetStore server;
    volatile boolean down;
    /** The server answers, but every connection of this JVM to it is busy (a saturated pool). */
    volatile boolean busy;
    /** The next request reaches the server and is applied, but its answer is lost. */
    volatile boolean loseNextAnswer;
    /** The next reservation fails before it reaches the server (the connection drops). */
    volatile boolean failNextReserve;
    boolean closed;
    int flushes;
    private long ids;

    Link(BudgetStore server) {
      this.server = server;
    }

    private void check() {
      if (busy) {
        throw BudgetStoreException.busy("postgres store: every pooled connection stayed busy while the server answered", null);
      }
      if (down) {
        throw new BudgetStoreException("redis://127.0.0.1:6390: connection refused");
      }
    }

    private <T> T answer(T value) {
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw new BudgetStoreException("redis://127.0.0.1:6390: read timed out");
      }
      return value;
    }

    @Override
    public String describe() {
      return "redis store redis://127.0.0.1:6390";
    }

    @Override
    public synchronized long newReservationId() {
      return ++ids;
    }

    @Override
    public ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
      check();
      if (failNextReserve) {
        failNextReserve = false;
        throw new BudgetStoreException("redis://127.0.0.1:6390: connection reset");
      }
      return answer(server.reserve(id, keys, amount, now, expiresAt));
    }

    @Override
    public boolean settle(long id, long actual, String model, Instant now) {
      check();
      return answer(server.settle(id, actual, model, now));
    }

    @Override
    public void charge(String[] keys, long actual, String model, Instant now) {
      check();
      server.charge(keys, actual, model, now);
      answer(null);
    }

    @Override
    public int expireLeases(Instant now) {
      check();
      return server.expireLeases(now);
    }

    @Override
    public Optional<BudgetSnapshot> snapshot(String key, Instant now) {
      check();
      return server.snapshot(key, now);
    }

    @Override
    public void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
      check();
      server.putBudget(key, totalBudget, duration, createdAt);
    }

    @Override
    public boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
      check();
      return server.putBudgetIfAbsent(key, totalBudget, duration, createdAt);
    }

    @Override
    public Set<String> keys() {
      check();
      return server.keys();
    }

    @Override
    public void resetCost(String key, Instant now) {
      check();
      server.resetCost(key, now);
    }

    @Override
    public void resetDue(Instant now) {
      check();
      server.resetDue(now);
    }

    @Override
    public void flush() {
      check();
      flushes++;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  MemoryStore server;
  Link link;
  OfflineAllowanceStore store;

  @BeforeEach
  void open() {
    server = new MemoryStore("server", ZoneOffset.UTC);
    link = new Link(server);
    // the background retrier replays at this clock's time, as the calls of the tests are timed
    store = new OfflineAllowanceStore(link, pico("1"), Clock.fixed(T0.plusSeconds(1), ZoneOffset.UTC));
    store.putBudget(GLOBAL, usd("10"), null, T0);
  }

  @AfterEach
  void close() {
    link.down = false;
    link.busy = false;
    store.close();
  }

  static BigDecimal usd(String s) {
    return new BigDecimal(s);
  }

  static long pico(String dollars) {
    return Picodollars.of(usd(dollars));
  }

  static String[] keys(String... k) {
    return k;
  }

  BigDecimal spentOnServer(String key) {
    return server.snapshot(key, T0).map(BudgetSnapshot::currentCost).orElse(null);
  }

  BigDecimal reservedOnServer(String key) {
    return server.snapshot(key, T0).orElseThrow().reserved();
  }

  boolean admit(String amount, Instant now) {
    return store.reserve(store.newReservationId(), keys(GLOBAL), pico(amount), now, now.plus(LEASE)).isOk();
  }

  /** A call of {@code reserved} that costs {@code actual}, reserved and settled at {@code now}. */
  void call(String reserved, String actual, Instant now) {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico(reserved), now, now.plus(LEASE)).isOk()).isTrue();
    assertThat(store.settle(id, pico(actual), "gpt-4o", now)).isTrue();
  }

  /** Takes the store offline at {@code at}: the server is down and a call finds out. */
  void goOfflineAt(Instant at) {
    link.down = true;
    call("0", "0", at);
    assertThat(store.isOffline()).isTrue();
  }

  @Test
  void aNegativeAllowanceIsRefusedWithItsValue() {
    assertThatThrownBy(() -> new OfflineAllowanceStore(link, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("offline allowance cannot be negative, was -1");
    assertThat(new OfflineAllowanceStore(link, 0).isOffline()).isFalse();
  }

  @Test
  void itNamesTheServerItWraps() {
    assertThat(store.describe()).isEqualTo("redis store redis://127.0.0.1:6390");
  }

  @Test
  void negativeAmountsAreRefusedAndZeroIsNot() {
    assertThatThrownBy(() -> store.reserve(store.newReservationId(), keys(GLOBAL), -1, T0, T0.plus(LEASE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was -1 picodollars");
    assertThatThrownBy(() -> store.charge(keys(GLOBAL), -1, "gpt-4o", T0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was -1 picodollars");

    assertThat(admit("0", T0)).isTrue();
    store.charge(keys(GLOBAL), 0, "gpt-4o", T0);
    link.down = true;
    assertThat(admit("0", T0)).isTrue();
    store.charge(keys(GLOBAL), 0, "gpt-4o", T0);

    assertThat(store.journalSize()).isZero();
  }

  @Test
  void onlineEveryStepIsTheServersAndNothingIsJournaled() {
    store.putBudget("alice", usd("2"), null, T0);
    call("1.5", "0.5", T0);
    store.charge(keys(GLOBAL, "alice"), pico("0.25"), "gpt-4o", T0);
    ReserveResult refused = store.reserve(store.newReservationId(), keys("alice"), pico("1.8"), T0, T0.plus(LEASE));

    assertThat(refused.isOk()).isFalse();
    assertThat(refused.exhaustedKey()).isEqualTo("alice");
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.75");
    assertThat(spentOnServer("alice")).isEqualByComparingTo("0.25");
    assertThat(reservedOnServer(GLOBAL)).isZero();
    assertThat(store.journalSize()).isZero();
    assertThat(store.isOffline()).isFalse();
    assertThat(store.keys()).containsExactlyInAnyOrder(GLOBAL, "alice");
    assertThat(store.snapshot("alice", T0).orElseThrow().totalBudget()).isEqualByComparingTo("2");
    // an id the server never saw is the server's answer too: nothing settled
    assertThat(store.settle(999_999, pico("1"), "gpt-4o", T0)).isFalse();
  }

  @Test
  void offlineCallsRunOnTheAllowanceUpToExactlyItsAmountThenAreRefusedNamingIt() {
    goOfflineAt(T0);

    assertThat(admit("0.6", T0)).isTrue();
    assertThat(admit("0.4", T0)).isTrue(); // exactly the $1 allowance
    assertThatThrownBy(() -> admit("0.000000000001", T0))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("redis store redis://127.0.0.1:6390 is unreachable")
        .hasMessageContaining("offline allowance of $1 (llmbudget.store.offline_allowance)");
  }

  @Test
  void aRefusalOfTheCallThatFoundTheServerDownCarriesTheServersError() {
    OfflineAllowanceStore none = new OfflineAllowanceStore(link, 0);
    link.down = true;

    assertThatThrownBy(() -> none.reserve(none.newReservationId(), keys(GLOBAL), 1, T0, T0.plus(LEASE)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("offline allowance of $0 ")
        .cause().hasMessageContaining("connection refused");
  }

  @Test
  void aSettledOfflineCallGivesBackWhatItDidNotUseAndIsReplayedOnceWithItsModel() {
    goOfflineAt(T0);
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.8"), T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.settle(id, pico("0.3"), "gpt-4o", T0)).isTrue();
    call("0.2", "0", T0); // used nothing: nothing to replay

    assertThat(store.journalSize()).isEqualTo(1);
    assertThat(admit("0.7", T0)).isTrue(); // 0.3 used + 0.7 = the allowance
    assertThatThrownBy(() -> admit("0.000000000001", T0)).isInstanceOf(BudgetStoreException.class);

    link.down = false;
    Instant back = T0.plusSeconds(1);
    assertThat(store.snapshot(GLOBAL, back).orElseThrow().currentCost()).isEqualByComparingTo("0.3");
    assertThat(store.isOffline()).isFalse();
    assertThat(store.journalSize()).isZero();
    assertThat(server.snapshot(GLOBAL, back).orElseThrow().modelCost()).containsOnlyKeys("gpt-4o");
    assertThat(reservedOnServer(GLOBAL)).isZero();
  }

  @Test
  void theServerIsAskedAgainExactlyOneProbeIntervalAfterItFailedAndNotBefore() {
    goOfflineAt(T0);
    call("0.1", "0.1", T0);
    link.down = false;

    call("0.1", "0.1", T0.plusMillis(999));
    assertThat(store.isOffline()).isTrue();
    assertThat(spentOnServer(GLOBAL)).isZero();

    call("0.1", "0.1", T0.plusMillis(1000));
    assertThat(store.isOffline()).isFalse();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.3");
    assertThat(store.journalSize()).isZero();
  }

  @Test
  void aFailedProbePutsTheNextOneAFullIntervalLater() {
    goOfflineAt(T0);
    call("0.1", "0.1", T0);
    call("0.1", "0.1", T0.plusMillis(1000)); // probes, the server is still down
    assertThat(store.isOffline()).isTrue();
    link.down = false;

    call("0.1", "0.1", T0.plusMillis(1999));
    assertThat(store.isOffline()).isTrue();
    assertThat(spentOnServer(GLOBAL)).isZero();

    call("0.1", "0.1", T0.plusMillis(2000));
    assertThat(store.isOffline()).isFalse();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.4");
  }

  @Test
  void aReplayGivesTheAllowanceBackForTheNextOutage() {
    goOfflineAt(T0);
    call("0.9", "0.9", T0);
    link.down = false;
    call("0", "0", T0.plusSeconds(1)); // replays
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.9");

    goOfflineAt(T0.plusSeconds(2));
    assertThat(admit("1", T0.plusSeconds(2))).isTrue();
  }

  @Test
  void aCallReservedOnTheServerAndSettledDuringTheOutageIsSettledThereAfterwards() {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = true;

    assertThat(store.settle(id, pico("0.4"), "gpt-4o", T0)).isTrue();
    assertThat(store.isOffline()).isTrue();
    assertThat(store.journalSize()).isEqualTo(1);
    // its cost counts against the allowance until it is replayed
    assertThat(admit("0.6", T0)).isTrue();
    assertThatThrownBy(() -> admit("0.000000000001", T0)).isInstanceOf(BudgetStoreException.class);

    link.down = false;
    store.snapshot(GLOBAL, T0.plusSeconds(1));
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.4");
    assertThat(reservedOnServer(GLOBAL)).isZero(); // the server's hold is released, not left to its lease
  }

  @Test
  void aSettleWhileAlreadyOfflineWaitsForTheProbe() {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    goOfflineAt(T0);
    link.down = false;

    assertThat(store.settle(id, pico("0.4"), "gpt-4o", T0.plusMillis(500))).isTrue();
    assertThat(spentOnServer(GLOBAL)).isZero();
    assertThat(store.journalSize()).isEqualTo(1);

    store.snapshot(GLOBAL, T0.plusSeconds(1));
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.4");
    assertThat(store.journalSize()).isZero();
  }

  @Test
  void aSettleTheServerNoLongerKnowsIsReportedSoTheCallerChargesIt() {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plusSeconds(1)).isOk()).isTrue();
    server.expireLeases(T0.plusSeconds(1));
    server.expireLeases(T0.plusSeconds(10)); // expired long ago: forgotten

    assertThat(store.settle(id, pico("0.4"), "gpt-4o", T0.plusSeconds(10))).isFalse();
    assertThat(spentOnServer(GLOBAL)).isZero();
  }

  @Test
  void aServerThatLostItsDataGetsTheBudgetsOfThisJvmAndTheJournalBack() {
    store.putBudget("alice", usd("5"), BudgetDuration.DAILY, T0);
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL, "alice"), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = true;
    assertThat(store.settle(id, pico("0.4"), "gpt-4o", T0)).isTrue();
    call("0.2", "0.2", T0);

    server = new MemoryStore("restarted", ZoneOffset.UTC);
    link.server = server;
    link.down = false;
    store.snapshot(GLOBAL, T0.plusSeconds(1));

    BudgetSnapshot alice = server.snapshot("alice", T0).orElseThrow();
    assertThat(alice.totalBudget()).isEqualByComparingTo("5");
    assertThat(alice.duration()).isEqualTo(BudgetDuration.DAILY);
    assertThat(alice.currentCost()).isEqualByComparingTo("0.4"); // the reservation it forgot is charged
    assertThat(server.snapshot(GLOBAL, T0).orElseThrow().totalBudget()).isEqualByComparingTo("10");
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.6");
  }

  @Test
  void aReplayWhoseAnswerWasLostIsRepeatedWithoutChargingTwice() {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = true;
    assertThat(store.settle(id, pico("0.4"), "gpt-4o", T0)).isTrue();
    call("0.3", "0.3", T0);

    link.down = false;
    link.loseNextAnswer = true; // the settle of the server's reservation is applied, its answer lost
    store.snapshot(GLOBAL, T0.plusSeconds(1));
    assertThat(store.isOffline()).isTrue();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.4");

    store.snapshot(GLOBAL, T0.plusSeconds(2));
    assertThat(store.isOffline()).isFalse();
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.7");
  }

  @Test
  void aReplayedOfflineCallWhoseReservationAnswerWasLostIsChargedOnce() {
    goOfflineAt(T0);
    call("0.3", "0.3", T0);

    link.down = false;
    link.loseNextAnswer = true; // the zero reservation of the replay is made, its answer lost
    store.snapshot(GLOBAL, T0.plusSeconds(1));
    assertThat(store.journalSize()).isEqualTo(1);

    store.snapshot(GLOBAL, T0.plusSeconds(2));
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.3");
    assertThat(reservedOnServer(GLOBAL)).isZero();
  }

  @Test
  void spendOfABudgetThatOthersExhaustedDuringTheOutageIsStillCharged() {
    store.putBudget("alice", usd("1"), null, T0);
    goOfflineAt(T0);
    call("0.3", "0.3", T0);
    server.charge(keys("alice"), pico("1"), "gpt-4o", T0); // another JVM spent alice's budget

    link.down = false;
    store.snapshot("alice", T0.plusSeconds(1));
    // the journaled call was for the global budget only; now one for alice
    goOfflineAt(T0.plusSeconds(2));
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL, "alice"), pico("0.2"), T0.plusSeconds(2), T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.settle(id, pico("0.2"), "gpt-4o", T0.plusSeconds(2))).isTrue();
    link.down = false;
    store.snapshot("alice", T0.plusSeconds(3));

    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer("alice")).isEqualByComparingTo("1.2");
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.5");
  }

  @Test
  void chargesDuringTheOutageAreJournaledAndCountAgainstTheAllowance() {
    goOfflineAt(T0);
    store.charge(keys(GLOBAL), pico("0.75"), "gpt-4o", T0);
    assertThat(store.journalSize()).isEqualTo(1);
    assertThatThrownBy(() -> admit("0.26", T0)).isInstanceOf(BudgetStoreException.class);
    assertThat(admit("0.25", T0)).isTrue();

    link.down = false;
    store.snapshot(GLOBAL, T0.plusSeconds(1));
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.75");
  }

  @Test
  void aChargeThatFindsTheServerDownTakesTheStoreOffline() {
    link.down = true;
    store.charge(keys(GLOBAL), pico("0.5"), "gpt-4o", T0);

    assertThat(store.isOffline()).isTrue();
    assertThat(store.journalSize()).isEqualTo(1);
    link.down = false;
    store.charge(keys(GLOBAL), pico("0.25"), "gpt-4o", T0.plusSeconds(1));
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.75");
    assertThat(store.journalSize()).isZero();
  }

  @Test
  void anOfflineCallSettledAfterTheServerCameBackIsReplayedAtOnce() {
    goOfflineAt(T0);
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = false;
    call("0.1", "0.1", T0.plusSeconds(1)); // back online

    assertThat(store.settle(id, pico("0.5"), "gpt-4o", T0.plusSeconds(1))).isTrue();
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.6");
  }

  /**
   * The background retrier's replay, for a JVM that makes no more calls: while the server is down it
   * keeps the journal and answers that it is not empty (the retrier backs off); once the server
   * answers it replays the journal once and answers that it is empty.
   */
  @Test
  void theRetriersReplayKeepsTheJournalWhileTheServerIsDownAndEmptiesItOnceItAnswers() {
    assertThat(store.replayNow()).as("nothing journaled").isTrue();
    goOfflineAt(T0);
    call("0.2", "0.1", T0);
    assertThat(store.journalSize()).isEqualTo(1);

    assertThat(store.replayNow()).isFalse();
    assertThat(store.journalSize()).isEqualTo(1);
    assertThat(spentOnServer(GLOBAL)).isZero();

    link.down = false;
    assertThat(store.replayNow()).isTrue();
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.1");
    assertThat(store.replayNow()).isTrue();
    assertThat(spentOnServer(GLOBAL)).as("replayed once").isEqualByComparingTo("0.1");
  }

  /**
   * A charge journaled offline, by a settle or by a charge without a reservation, counts among the
   * charges waiting for their store (PendingCharges.size(), JMX ChargesPending) until it is replayed.
   * The count is one per JVM, so each figure is the difference the step itself makes.
   */
  @Test
  void chargesJournaledOfflineCountAsPendingWhetherSettledOrChargedDirectly() {
    goOfflineAt(T0);
    int before = PendingCharges.size();
    store.charge(keys(GLOBAL), pico("0.1"), "gpt-4o", T0);
    assertThat(PendingCharges.size() - before).as("a charge").isEqualTo(1);

    link.down = false;
    PendingCharges.retryAll(); // the retrier's pass: replays the journal and stops counting this store
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.1");

    goOfflineAt(T0.plusSeconds(5));
    before = PendingCharges.size();
    call("0.3", "0.2", T0.plusSeconds(5));
    assertThat(PendingCharges.size() - before).as("a settle").isEqualTo(1);
  }

  @Test
  void anOfflineCallSettledWhenTheServerFailsAgainStaysJournaledAndTheStoreGoesOffline() {
    goOfflineAt(T0);
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = false;
    call("0.1", "0.1", T0.plusSeconds(1)); // back online
    link.down = true;

    assertThat(store.settle(id, pico("0.5"), "gpt-4o", T0.plusSeconds(1))).isTrue();
    assertThat(store.isOffline()).isTrue();
    assertThat(store.journalSize()).isEqualTo(1);
  }

  @Test
  void aBudgetChangedDuringTheOutageIsWrittenWhenTheServerAnswersButNotRewrittenAfterwards() {
    store.putBudget("alice", usd("2"), null, T0);
    link.down = true;
    store.putBudget("alice", usd("5"), null, T0);
    assertThat(store.isOffline()).isTrue();
    assertThat(server.snapshot("alice", T0).orElseThrow().totalBudget()).isEqualByComparingTo("2");

    link.down = false;
    store.snapshot("alice", T0.plusSeconds(1));
    assertThat(server.snapshot("alice", T0).orElseThrow().totalBudget()).isEqualByComparingTo("5");

    server.putBudget("alice", usd("9"), null, T0); // an operator raises it later
    goOfflineAt(T0.plusSeconds(2));
    link.down = false;
    store.snapshot("alice", T0.plusSeconds(3));
    assertThat(store.isOffline()).isFalse();
    assertThat(server.snapshot("alice", T0).orElseThrow().totalBudget()).isEqualByComparingTo("9");
  }

  @Test
  void aBudgetChangedOnlineIsNotRewrittenByALaterReplay() {
    link.down = true;
    store.putBudget("alice", usd("5"), null, T0);
    link.down = false;
    store.putBudget("alice", usd("6"), null, T0.plusMillis(10)); // online again before any probe
    server.putBudget("alice", usd("9"), null, T0); // an operator raises it

    store.snapshot("alice", T0.plusSeconds(1)); // the probe replays
    assertThat(server.snapshot("alice", T0).orElseThrow().totalBudget()).isEqualByComparingTo("9");
  }

  @Test
  void aDefaultBudgetAskedForDuringTheOutageIsCreatedWhenTheServerAnswers() {
    link.down = true;
    assertThat(store.putBudgetIfAbsent("bob", usd("2"), null, T0)).isFalse();
    assertThat(store.isOffline()).isTrue();
    assertThat(store.putBudgetIfAbsent("bob", usd("3"), null, T0)).isFalse(); // the first terms stand
    assertThat(server.snapshot("bob", T0)).isEmpty();

    link.down = false;
    store.snapshot(GLOBAL, T0.plusSeconds(1)); // the probe
    assertThat(store.putBudgetIfAbsent("carol", usd("4"), null, T0.plusSeconds(1))).isTrue();
    assertThat(store.putBudgetIfAbsent("carol", usd("4"), null, T0.plusSeconds(1))).isFalse();
    assertThat(server.snapshot("bob", T0).orElseThrow().totalBudget()).isEqualByComparingTo("2");
    assertThat(server.snapshot("carol", T0).orElseThrow().totalBudget()).isEqualByComparingTo("4");
  }

  @Test
  void aDefaultBudgetThatFindsTheServerDownTakesTheStoreOffline() {
    link.down = true;
    assertThat(store.putBudgetIfAbsent("bob", usd("2"), null, T0)).isFalse();
    assertThat(store.isOffline()).isTrue();
    // the outage is now known: until the probe, budgets are not asked for
    link.down = false;
    assertThat(store.putBudgetIfAbsent("dave", usd("2"), null, T0.plusMillis(500))).isFalse();
    assertThat(server.snapshot("dave", T0)).isEmpty();
  }

  @Test
  void flushReplaysTheJournalAndFlushesTheServerOrKeepsTheJournalWhenItIsStillDown() {
    goOfflineAt(T0);
    call("0.3", "0.3", T0);

    link.down = true;
    assertThatThrownBy(() -> store.flush()).isInstanceOf(BudgetStoreException.class); // the server's own flush
    assertThat(store.journalSize()).isEqualTo(1);

    link.down = false;
    store.flush(); // no probe interval: an explicit flush tries now
    assertThat(store.journalSize()).isZero();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.3");
    assertThat(link.flushes).isEqualTo(1);
  }

  @Test
  void closeReplaysWhatIsLeftAndClosesTheServerConnection() {
    goOfflineAt(T0);
    call("0.3", "0.3", T0);
    link.down = false;

    store.close();

    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.3");
    assertThat(link.closed).isTrue();
  }

  @Test
  void replaysFromDifferentThreadsDoNotBlockEachOther() {
    goOfflineAt(T0);
    call("0.3", "0.3", T0);
    link.down = false;
    store.flush();
    goOfflineAt(T0.plusSeconds(5));
    call("0.2", "0.2", T0.plusSeconds(5));
    link.down = false;

    assertTimeoutPreemptively(Duration.ofSeconds(10), () -> CompletableFuture.runAsync(store::flush).join());
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.5");
  }

  @Test
  void twoCallsInFlightOnTheServerAreHeldAndSettledEachUnderItsOwnId() {
    long a = store.newReservationId();
    long b = store.newReservationId();
    assertThat(store.reserve(a, keys(GLOBAL), pico("0.5"), T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.reserve(b, keys(GLOBAL), pico("0.25"), T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(reservedOnServer(GLOBAL)).isEqualByComparingTo("0.75");

    assertThat(store.settle(b, pico("0.25"), "gpt-4o", T0)).isTrue();
    assertThat(store.settle(a, pico("0.5"), "gpt-4o", T0)).isTrue();
    assertThat(spentOnServer(GLOBAL)).isEqualByComparingTo("0.75");
    assertThat(reservedOnServer(GLOBAL)).isZero();
  }

  @Test
  void theCallThatProbesSuccessfullyIsHeldOnTheServer() {
    goOfflineAt(T0);
    link.down = false;

    assertThat(admit("0.5", T0.plusSeconds(1))).isTrue();
    assertThat(reservedOnServer(GLOBAL)).isEqualByComparingTo("0.5");
  }

  @Test
  void anOutageAndTheRecoveryAreEachLoggedOnceNamingTheServerAndTheAllowance() {
    try (LogCapture log = new LogCapture()) {
      goOfflineAt(T0);
      link.down = false;
      call("0.1", "0.1", T0.plusMillis(500));
      link.down = true;
      call("0.1", "0.1", T0.plusMillis(1000)); // a failed probe: still the same outage

      assertThat(log.messages()).filteredOn(m -> m.contains("is unreachable")).singleElement().asString()
          .contains("redis store redis://127.0.0.1:6390 is unreachable (redis://127.0.0.1:6390: connection refused)")
          .contains("offline allowance of $1 (llmbudget.store.offline_allowance)");
      assertThat(log.messages()).noneMatch(m -> m.contains("answers again;"));

      link.down = false;
      call("0.1", "0.1", T0.plusMillis(2000));
      assertThat(log.messages()).filteredOn(m -> m.contains("answers again;")).singleElement().asString()
          .contains("redis store redis://127.0.0.1:6390 answers again; the offline journal is replayed");
    }
  }

  @Test
  void aFlushThatCannotReplayTheJournalSaysHowManyChargesWait() {
    goOfflineAt(T0);
    call("0.3", "0.3", T0);
    call("0.2", "0.2", T0);
    try (LogCapture log = new LogCapture()) {
      assertThatThrownBy(() -> store.flush()).isInstanceOf(BudgetStoreException.class);

      assertThat(log.messages()).anyMatch(m -> m.contains(
          "2 charges of the offline journal could not be replayed on redis store redis://127.0.0.1:6390: "
              + "redis://127.0.0.1:6390: connection refused"));
    }
  }

  @Test
  void resetsThatAreDueReachTheServersFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("user_cost.json");
    LocalFileStore onFile = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), Clock.fixed(T0, ZoneOffset.UTC));
    OfflineAllowanceStore overFile = new OfflineAllowanceStore(onFile, pico("1"));
    overFile.putBudget("alice", usd("2"), BudgetDuration.DAILY, T0);
    overFile.charge(keys("alice"), pico("1"), "gpt-4o", T0);
    onFile.flush();
    assertThat(UserCostJson.MAPPER.readTree(file.toFile()).at("/alice/current_cost").decimalValue())
        .isEqualByComparingTo("1");

    overFile.resetDue(Instant.parse("2026-03-11T00:00:00Z"));
    overFile.close();

    assertThat(UserCostJson.MAPPER.readTree(file.toFile()).at("/alice/current_cost").decimalValue()).isZero();
  }

  @Test
  void leasesResetsAndKeysAreTheServers() {
    store.putBudget("alice", usd("2"), BudgetDuration.DAILY, T0);
    store.charge(keys("alice"), pico("1"), "gpt-4o", T0);
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys("alice"), pico("0.5"), T0, T0.plusSeconds(1)).isOk()).isTrue();

    assertThat(store.expireLeases(T0.plusSeconds(1))).isEqualTo(1);
    assertThat(reservedOnServer("alice")).isZero();
    store.resetCost("alice", T0);
    assertThat(spentOnServer("alice")).isZero();

    store.charge(keys("alice"), pico("1"), "gpt-4o", T0);
    Instant tomorrow = Instant.parse("2026-03-11T00:00:00Z");
    store.resetDue(tomorrow);
    assertThat(server.snapshot("alice", tomorrow).orElseThrow().currentCost()).isZero();
    assertThat(store.keys()).containsExactlyInAnyOrder(GLOBAL, "alice");
  }

  @Test
  void aServerWhoseConnectionsAreAllBusyIsNoOutageAndNoCallIsAdmittedOnTheAllowance() {
    store.putBudget("alice", usd("0.3"), null, T0);
    long first = store.newReservationId();
    assertThat(store.reserve(first, keys(GLOBAL, "alice"), pico("0.2"), T0, T0.plus(LEASE)).isOk()).isTrue();
    assertThat(store.settle(first, pico("0.2"), "gpt-4o", T0)).isTrue();
    long held = store.newReservationId();
    assertThat(store.reserve(held, keys(GLOBAL, "alice"), pico("0.1"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.busy = true;
    Instant t1 = T0.plusSeconds(1);

    // alice has nothing left on the server: an admission on the allowance would overspend her
    assertThatThrownBy(() -> store.reserve(store.newReservationId(), keys(GLOBAL, "alice"), pico("0.1"), t1, t1.plus(LEASE)))
        .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue());
    assertThatThrownBy(() -> store.settle(held, pico("0.1"), "gpt-4o", t1)).isInstanceOf(BudgetStoreException.class);
    assertThatThrownBy(() -> store.charge(keys(GLOBAL, "alice"), pico("0.05"), "gpt-4o", t1))
        .isInstanceOf(BudgetStoreException.class);
    assertThat(store.isOffline()).as("a busy server is not an outage").isFalse();
    assertThat(store.journalSize()).isZero();
    assertThat(reservedOnServer("alice")).as("the settle's reservation stays held meanwhile").isEqualByComparingTo("0.1");

    link.busy = false;
    assertThat(store.settle(held, pico("0.1"), "gpt-4o", t1)).as("the caller's retry of the settle lands").isTrue();
    assertThat(store.reserve(store.newReservationId(), keys(GLOBAL, "alice"), pico("0.1"), t1, t1.plus(LEASE)).isOk())
        .as("the server's refusal").isFalse();
    assertThat(spentOnServer("alice")).isEqualByComparingTo("0.3");
    assertThat(reservedOnServer("alice")).isZero();
  }

  @Test
  void aBusyAnswerWhileOfflineEndsTheAdmissionsOnTheAllowance() {
    store.putBudget("alice", usd("0.3"), null, T0);
    link.down = true;
    assertThat(admit("0.1", T0)).as("an outage: the allowance").isTrue();
    assertThat(store.isOffline()).isTrue();
    link.down = false;
    link.busy = true;
    Instant later = T0.plus(OfflineAllowanceStore.PROBE_INTERVAL).plusSeconds(1);

    assertThatThrownBy(() -> admit("0.1", later))
        .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue());
  }

  /**
   * A busy answer stands for a probe interval for the background retrier's replay too: it does not
   * queue one more wait on the saturated pool, and the journal waits (the store's clock here stays
   * inside that interval).
   */
  @Test
  void theRetriersReplayWaitsOutABusyAnswerLikeTheCalls() {
    link.down = true;
    store.charge(keys(GLOBAL), pico("0.1"), "gpt-4o", T0);
    assertThat(store.journalSize()).isEqualTo(1);
    link.down = false;
    link.busy = true;
    Instant later = T0.plus(OfflineAllowanceStore.PROBE_INTERVAL).plusSeconds(1);
    assertThatThrownBy(() -> admit("0.1", later))
        .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue());
    link.busy = false;

    assertThat(store.replayNow()).isFalse();
    assertThat(store.journalSize()).isEqualTo(1);
    assertThat(spentOnServer(GLOBAL)).isZero();
  }

  /** A settle that meets a busy replay is retried by its caller: its keys must still be known then. */
  @Test
  void aSettleThatMeetsABusyReplayIsJournaledWhenTheServerThenGoesDown() {
    store.putBudget("alice", usd("1"), null, T0);
    long held = store.newReservationId();
    assertThat(store.reserve(held, keys(GLOBAL, "alice"), pico("0.1"), T0, T0.plus(LEASE)).isOk()).isTrue();
    link.down = true;
    assertThat(admit("0.1", T0)).as("an outage: the allowance").isTrue();
    link.down = false;
    link.busy = true;
    Instant later = T0.plus(OfflineAllowanceStore.PROBE_INTERVAL).plusSeconds(1);
    assertThatThrownBy(() -> store.settle(held, pico("0.1"), "gpt-4o", later))
        .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue());

    // the busy answer stands for a probe interval: the next caller fails at once, without a replay
    link.busy = false;
    assertThatThrownBy(() -> admit("0.1", later.plusMillis(10)))
        .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue());

    // the caller's retry meets the server down again: the charge is journaled and counted, not lost
    link.down = true;
    Instant again = later.plus(OfflineAllowanceStore.PROBE_INTERVAL).plusSeconds(1);
    assertThat(store.settle(held, pico("0.1"), "gpt-4o", again)).isTrue();
    assertThat(store.journalSize()).isEqualTo(1);
    link.down = false;
    Instant back = again.plus(OfflineAllowanceStore.PROBE_INTERVAL).plusSeconds(1);
    assertThat(admit("0", back)).isTrue();
    assertThat(spentOnServer("alice")).isEqualByComparingTo("0.1");
    assertThat(reservedOnServer("alice")).isZero();
  }
}
