package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.internal.LogCapture;
import dev.llmbudget.store.OfflineAllowanceStoreTest.Link;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The journal of charges a store refused ({@link PendingCharges}), against a real memory store
 * behind a link the test cuts: a refused charge is kept with its reservation held, lands once when
 * the store is back, and a full journal counts what it drops. The journal is one per JVM, so every
 * figure here is a difference from what other tests left in it.
 */
class PendingChargesTest {

  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(T0.plusSeconds(1), ZoneOffset.UTC);
  static final long DOLLAR = 1_000_000_000_000L;

  MemoryStore server;
  Link link;
  int pendingBefore;

  @BeforeEach
  void open() {
    server = new MemoryStore("pending-" + System.nanoTime(), ZoneOffset.UTC);
    server.putBudget("alice", new BigDecimal("10"), null, T0);
    link = new Link(server);
    pendingBefore = PendingCharges.size();
  }

  @AfterEach
  void drain() {
    link.down = false;
    PendingCharges.retryAll();
  }

  long reserve(long amount) {
    long id = link.newReservationId();
    assertThat(link.reserve(id, new String[] {"alice"}, amount, T0, T0.plus(Duration.ofMinutes(10))).isOk()).isTrue();
    return id;
  }

  long spent() {
    return Picodollars.of(server.snapshot("alice", T0).orElseThrow().currentCost());
  }

  long reserved() {
    return Picodollars.of(server.snapshot("alice", T0).orElseThrow().reserved());
  }

  @Test
  void aSettleTheStoreRefusesIsKeptWithItsReservationHeldAndLandsOnceWhenTheStoreIsBack() {
    long id = reserve(3 * DOLLAR);
    link.down = true;

    PendingCharges.settle(link, CLOCK, id, new String[] {"alice"}, 2 * DOLLAR, "gpt-4o", null, "openai-java");

    assertThat(PendingCharges.size() - pendingBefore).as("kept, not thrown").isEqualTo(1);
    assertThat(reserved()).as("the reservation stays held").isEqualTo(3 * DOLLAR);
    assertThat(spent()).isZero();
    PendingCharges.retryAll();
    assertThat(PendingCharges.size() - pendingBefore).as("still down: still kept").isEqualTo(1);

    link.down = false;
    PendingCharges.retryAll();
    PendingCharges.retryAll();

    assertThat(PendingCharges.size() - pendingBefore).isZero();
    assertThat(spent()).as("charged once").isEqualTo(2 * DOLLAR);
    assertThat(reserved()).isZero();
    assertThat(server.snapshot("alice", T0).orElseThrow().modelCost()).containsOnlyKeys("gpt-4o");
  }

  @Test
  void aSettleWhoseAnswerWasLostIsRetriedAndChargedOnce() {
    long id = reserve(3 * DOLLAR);
    link.loseNextAnswer = true; // the settle lands, its answer does not

    PendingCharges.settle(link, CLOCK, id, new String[] {"alice"}, 2 * DOLLAR, "gpt-4o", null, null);
    link.down = true; // else the background retrier may retry it before the next line looks
    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(1);
    assertThat(spent()).as("landed once already").isEqualTo(2 * DOLLAR);
    link.down = false;
    PendingCharges.retryAll();

    assertThat(PendingCharges.size() - pendingBefore).isZero();
    assertThat(spent()).isEqualTo(2 * DOLLAR);
    assertThat(reserved()).isZero();
  }

  @Test
  void aSettleOfAReservationTheStoreForgotIsChargedInsteadAndAFreeOneChargesNothing() {
    PendingCharges.settle(link, CLOCK, 4242, new String[] {"alice"}, DOLLAR, "gpt-4o", null, null);
    assertThat(spent()).as("the call pays what it used").isEqualTo(DOLLAR);

    PendingCharges.settle(link, CLOCK, 4243, new String[] {"alice"}, 0, "gpt-4o", null, null);
    assertThat(spent()).isEqualTo(DOLLAR);
    assertThat(PendingCharges.size() - pendingBefore).isZero();
  }

  /**
   * The store forgot the reservation, and the charge that replaces its settle fails too (its first
   * step, a reservation of nothing under a new id, finds the connection gone): that charge is kept and
   * lands once when the store answers, not dropped.
   */
  @Test
  void theChargeReplacingAForgottenReservationIsKeptWhenTheStoreRefusesItAndLandsOnce() {
    link.failNextReserve = true;

    PendingCharges.settle(link, CLOCK, 4244, new String[] {"alice"}, DOLLAR, "gpt-4o", null, null);
    PendingCharges.retryAll();
    PendingCharges.retryAll();

    assertThat(spent()).as("charged once").isEqualTo(DOLLAR);
    assertThat(PendingCharges.size() - pendingBefore).isZero();
  }

  @Test
  void aChargeTheStoreRefusesIsKeptAndLandsOnceAndABadChargeIsThrownNotKept() {
    // first, while the store answers (once it is back, the background retrier may land the kept charge any time)
    assertThatThrownBy(() -> PendingCharges.charge(link, CLOCK, new String[] {"alice"}, -1, "gpt-4o", null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(PendingCharges.size() - pendingBefore).as("a bad charge is not kept").isZero();

    link.down = true;
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, "gpt-4o", null, null);
    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(1);
    assertThat(spent()).isZero();

    link.down = false;

    PendingCharges.retryAll();
    PendingCharges.retryAll();
    assertThat(spent()).isEqualTo(DOLLAR);
    assertThat(PendingCharges.size() - pendingBefore).isZero();
  }

  @Test
  void aStoreThatStillFailsDoesNotHoldUpAnotherStoresCharges() {
    MemoryStore other = new MemoryStore("pending-other-" + System.nanoTime(), ZoneOffset.UTC);
    Link up = new Link(other);
    link.down = true;
    up.down = true;
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, null, null, null);
    PendingCharges.charge(up, CLOCK, new String[] {"bob"}, 2 * DOLLAR, null, null, null);
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, null, null, null);
    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(3);

    up.down = false;
    assertThat(PendingCharges.retryAll()).as("one store still fails").isFalse();

    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(2);
    assertThat(Picodollars.of(other.snapshot("bob", T0).orElseThrow().currentCost())).isEqualTo(2 * DOLLAR);
    assertThat(spent()).isZero();

    link.down = false;
    PendingCharges.flushAtExit();
    assertThat(PendingCharges.size() - pendingBefore).isZero();
    assertThat(spent()).isEqualTo(2 * DOLLAR);
  }

  @Test
  void aFullJournalCountsWhatItDropsAndKeepsTheRest() {
    link.down = true;
    long lostBefore = PendingCharges.lostCount();
    int kept = 0;
    while (PendingCharges.lostCount() == lostBefore && kept <= PendingCharges.CAPACITY) {
      PendingCharges.charge(link, CLOCK, new String[] {"alice"}, 1, null, null, null);
      kept++;
    }
    kept--; // the last one was dropped
    try (LogCapture log = new LogCapture()) {
      PendingCharges.charge(link, CLOCK, new String[] {"alice"}, 250_000_000_000L, null, null, null);
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("redis store redis://127.0.0.1:6390 refused a "
          + "charge of $0.25 and " + PendingCharges.CAPACITY + " charges wait already; this one is lost"));
    }

    assertThat(PendingCharges.lostCount() - lostBefore).isEqualTo(2);
    assertThat(kept).isPositive().isLessThanOrEqualTo(PendingCharges.CAPACITY);

    link.down = false;
    PendingCharges.retryAll();
    assertThat(spent()).as("every kept charge lands once, the dropped ones never").isEqualTo(kept);
    assertThat(PendingCharges.size() - pendingBefore).as("the dropped ones are not counted as waiting").isZero();
  }

  @Test
  void aKeptChargeLandsThroughTheBackgroundRetrierWithoutAnyoneAsking() throws Exception {
    link.down = true;
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, "gpt-4o", null, null);
    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(1);
    link.down = false;

    // the retrier backs off up to a minute while stores fail; once they are back it tries within that
    long deadline = System.nanoTime() + Duration.ofMillis(PendingCharges.MAX_DELAY_MILLIS + 10_000).toNanos();
    while (spent() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(spent()).isEqualTo(DOLLAR);
    assertThat(PendingCharges.size() - pendingBefore).isZero();
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("llm-budget-settle-retry"))
        .as("one retrier, a daemon: it never keeps the host's JVM from exiting").hasSize(1).allMatch(Thread::isDaemon);
  }

  @Test
  void chargesStillRefusedAtExitAreCountedInAWarning() {
    link.down = true;
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, null, null, null);
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, null, null, null);
    try (LogCapture log = new LogCapture()) {
      PendingCharges.flushAtExit();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m)
          .matches("llm-budget: \\d+ charges could not be booked before exit; their stores refused them"));
    }
    assertThat(spent()).isZero();
  }
  /** A charge still held back when the JVM exits is booked by the exit hook once its store answers. */
  @Test
  void aChargeStillHeldBackAtExitIsBookedByTheExitHook() {
    link.down = true;
    PendingCharges.charge(link, CLOCK, new String[] {"alice"}, DOLLAR, "gpt-4o", null, null);
    assertThat(spent()).isZero();
    link.down = false;

    ExitFlush.flushAll();

    assertThat(spent()).isEqualTo(DOLLAR);
    assertThat(PendingCharges.size() - pendingBefore).isZero();
  }
}
