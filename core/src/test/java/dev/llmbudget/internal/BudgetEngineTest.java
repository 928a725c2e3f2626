package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BudgetEngineTest {
  private final MemoryStore store = new MemoryStore("engine-test", ZoneOffset.UTC);

  private BudgetEngine engine(UnknownModelPolicy policy, BigDecimal userDefault) {
    return new BudgetEngine(store, PriceTable::defaultTable, policy, Clock.systemUTC(), userDefault, null);
  }

  @Test
  void blockPolicyRefusesUnknownModelsBeforeTheCall() {
    BudgetEngine e = engine(UnknownModelPolicy.BLOCK, null);
    assertThatThrownBy(() -> e.reserveCall("u", CallRequest.of("no-such-model-123", "hi", 1, 10), false,
        null).reservation())
        .isInstanceOf(UnknownModelException.class).hasMessageContaining("no-such-model-123");
    assertThat(engine(UnknownModelPolicy.ALLOW, null).cost(Usage.of("no-such-model-123", 5, 5))).isZero();
  }

  @Test
  void ampleHeadroomReservesTheByteBoundWithoutTokenizing() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);
    String prompt = "a".repeat(4000);
    try (Reservation r = e.reserveCall(null, CallRequest.of("gpt-4o", prompt, 1, 100), false, null).reservation()) {
      BigDecimal bound = PriceTable.defaultTable().resolve("gpt-4o").orElseThrow()
          .cost(Usage.of("gpt-4o", TokenCounter.upperBoundTokens(prompt) + 6, 100));
      assertThat(r.amount()).isEqualByComparingTo(bound);
    }
  }

  @Test
  void tightHeadroomFallsBackToTheExactCount() {
    String prompt = "hello world ".repeat(200);
    // 3 per message, 3 to prime the reply, and the message's role (1 token), as OpenAI counts.
    long exact = TokenCounter.forModel("gpt-4o").count(prompt) + 6 + 1;
    BigDecimal exactCost = PriceTable.defaultTable().resolve("gpt-4o").orElseThrow().cost(Usage.of("gpt-4o", exact, 0));
    store.putBudget(BudgetStore.GLOBAL_KEY, exactCost, null, Clock.systemUTC().instant());
    // Reserving the prompt alone for an uncapped call is the request mode; model_max adds 16384.
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, Clock.systemUTC(),
        null, null, OutputReserve.REQUEST, 4096, 16);
    try (Reservation r = e.reserveCall(null, CallRequest.of("gpt-4o", prompt, 1, 0), false, null).reservation()) {
      assertThat(r.amount()).isEqualByComparingTo(exactCost);
    }
    store.putBudget(BudgetStore.GLOBAL_KEY, exactCost.subtract(new BigDecimal("0.000000001")), null, Clock.systemUTC().instant());
    assertThatThrownBy(() -> e.reserveCall(null, CallRequest.of("gpt-4o", prompt, 1, 0), false, null).reservation())
        .isInstanceOfSatisfying(BudgetExceededError.class, err -> assertThat(err.isGlobal()).isTrue());
  }

  @Test
  void newUsersGetTheConfiguredDefaultBudget() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, new BigDecimal("0.01"));
    e.reserve("newbie", new BigDecimal("0.005")).commit(new BigDecimal("0.01"), "gpt-4o");
    assertThatThrownBy(() -> e.reserve("newbie", BigDecimal.ZERO))
        .isInstanceOfSatisfying(BudgetExceededError.class, err -> assertThat(err.user()).contains("newbie"));
    e.reserve("other", new BigDecimal("0.005")).release();
  }

  @Test
  void aReservationSettlesOnce() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);
    Reservation r = e.reserve("once", new BigDecimal("0.5"));
    r.commit(new BigDecimal("0.25"), "gpt-4o");
    r.commit(new BigDecimal("0.25"), "gpt-4o");
    r.release();
    assertThat(store.snapshot("once", Clock.systemUTC().instant()).orElseThrow().currentCost()).isEqualByComparingTo("0.25");
  }

  @Test
  void aResponseNamingAnUnknownModelIsPricedAsTheReservedModel() {
    BudgetEngine e = engine(UnknownModelPolicy.BLOCK, null);
    Reservation r = e.reserveCall("alias-user", CallRequest.of("gpt-4o-mini", "hi", 1, 10), false, null).reservation();
    BigDecimal cost = r.commit(Usage.of("my-azure-deployment", 100, 10));
    assertThat(cost).isEqualByComparingTo(PriceTable.defaultTable().resolve("gpt-4o-mini").orElseThrow()
        .cost(Usage.of("gpt-4o-mini", 100, 10)));
    assertThat(store.snapshot("alias-user", Clock.systemUTC().instant()).orElseThrow().reserved()).isZero();
  }

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    volatile java.time.Instant now = java.time.Instant.parse("2026-03-10T10:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  @Test
  void anAbandonedReservationFreesItsBudgetAfterTheTtlAndALateCommitStillPaysOnce() {
    HandClock clock = new HandClock();
    store.putBudget("alice", new BigDecimal("1"), null, clock.now);
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock, null, null,
        java.time.Duration.ofMinutes(5));
    Reservation abandoned = e.reserve("alice", new BigDecimal("0.8"));
    assertThatThrownBy(() -> e.reserve("alice", new BigDecimal("0.5")))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessage("LLM budget of user 'alice' would be exceeded: spent $0 + reserved $0.8 of $1;"
            + " this call may cost up to $0.5");

    clock.now = clock.now.plusSeconds(5 * 60);
    Reservation next = e.reserve("alice", new BigDecimal("0.5"));
    abandoned.commit(new BigDecimal("0.3"), "gpt-4o");
    abandoned.commit(new BigDecimal("0.3"), "gpt-4o");
    next.release();

    var s = store.snapshot("alice", clock.now).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo("0.3");
    assertThat(s.reserved()).isZero();
  }

  @Test
  void aCommitLongAfterTheStoreForgotTheReservationIsStillCharged() {
    HandClock clock = new HandClock();
    store.putBudget("bob", new BigDecimal("1"), null, clock.now);
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock, null, null,
        java.time.Duration.ofMinutes(1));
    Reservation r = e.reserve("bob", new BigDecimal("0.4"));

    clock.now = clock.now.plusSeconds(3600);
    assertThat(store.expireLeases(clock.now)).isEqualTo(1);
    store.expireLeases(clock.now.plusSeconds(3600));
    r.commit(new BigDecimal("0.25"), "gpt-4o");
    r.release();

    var s = store.snapshot("bob", clock.now).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo("0.25");
    assertThat(s.reserved()).isZero();
  }

  @Test
  void aRefusalCarriesTheRefusingBudgetsFiguresAndTheCallersNote() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("0.002"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);
    e.charge(null, Usage.of("gpt-4o", 0, 0));
    Reservation held = e.reserve(null, new BigDecimal("0.0015"));

    BudgetExceededError err = BudgetEngine.refusal(
        store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, 1_000_000_000L,
            Clock.systemUTC().instant(), Clock.systemUTC().instant().plusSeconds(60)),
        1_000_000_000L, "max_tokens 800");
    held.release();

    assertThat(err.isGlobal()).isTrue();
    assertThat(err.reserved()).isEqualByComparingTo("0.0015");
    assertThat(err.limit()).isEqualByComparingTo("0.002");
    assertThat(err.callReservation()).isEqualByComparingTo("0.001");
    assertThat(err.getMessage()).isEqualTo("Global LLM budget would be exceeded: spent $0 + reserved $0.0015 of $0.002;"
        + " this call may cost up to $0.001 (max_tokens 800)");
  }

  @Test
  void aReservationTtlMustBePositive() {
    assertThatThrownBy(() -> new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN,
        Clock.systemUTC(), null, null, java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTL");
  }

  @Test
  void callsAfterAnExpiredLeaseAreEachChargedTheirOwnCost() {
    HandClock clock = new HandClock();
    store.putBudget("carol", new BigDecimal("0.01"), null, clock.now);
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock, null, null,
        java.time.Duration.ofSeconds(2));
    e.reserve("carol", new BigDecimal("0.01"));
    clock.now = clock.now.plusSeconds(3);

    for (int i = 0; i < 2; i++) {
      try (Reservation r = e.reserveCall("carol", CallRequest.of("gpt-4o-mini", "hello", 1, 100), false,
          null).reservation()) {
        r.commit(Usage.of("gpt-4o-mini", 20, 10));
      }
    }

    BigDecimal one = e.cost(Usage.of("gpt-4o-mini", 20, 10));
    var s = store.snapshot("carol", clock.now).orElseThrow();
    assertThat(s.currentCost()).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(2)));
    assertThat(s.reserved()).isZero();
  }

  @Test
  void closingOrCommittingZeroFreesTheReservation() {
    store.putBudget("dan", new BigDecimal("1"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);

    try (Reservation r = e.reserve("dan", new BigDecimal("0.6"))) {
      assertThat(r.amount()).isEqualByComparingTo("0.6");
      assertThat(r.user()).isEqualTo("dan");
    }
    e.reserve("dan", new BigDecimal("0.7")).commit(BigDecimal.ZERO, "gpt-4o");

    var s = store.snapshot("dan", Clock.systemUTC().instant()).orElseThrow();
    assertThat(s.reserved()).isZero();
    assertThat(s.currentCost()).isZero();
  }

  @Test
  void aCallWithoutMessagesOrPromptReservesNothingForOverhead() {
    // In request mode an uncapped call reserves its prompt alone, so only the overhead is left to see.
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, Clock.systemUTC(),
        null, null, OutputReserve.REQUEST, 4096, 16);

    try (Reservation r = e.reserveCall(null, CallRequest.of("gpt-4o", "", 0, 0), false, null).reservation()) {
      assertThat(r.amount()).isZero();
    }
    try (Reservation r = e.reserveCall(null, CallRequest.of("gpt-4o", "", 1, 0), false, null).reservation()) {
      assertThat(r.amount()).isEqualByComparingTo(e.cost(Usage.of("gpt-4o", 6, 0)));
    }
  }

  @Test
  void aRefusedCallSaysWhichOutputCapItsCostAssumed() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);
    store.putBudget("erin", new BigDecimal("0.00001"), null, Clock.systemUTC().instant());

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> e.reserveCall("erin", CallRequest.of("gpt-4o",
        "Say hello.", 1, 200), false, null).reservation())
        .isInstanceOf(dev.llmbudget.BudgetExceededError.class)
        .hasMessageStartingWith("LLM budget of user 'erin' would be exceeded: spent $0 + reserved $0 of $0.00001;")
        .hasMessageEndingWith(" (max_tokens 200)");
  }
}
