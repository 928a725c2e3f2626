package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What the engine tells an operator besides the money: the blocked-call count, the unknown-model warning, the refusal's note. */
class BudgetEngineSignalsTest {

  private final MemoryStore store = new MemoryStore("engine-signals", ZoneOffset.UTC);

  private BudgetEngine engine(UnknownModelPolicy policy, OutputReserve mode) {
    return new BudgetEngine(store, PriceTable::defaultTable, policy, Clock.systemUTC(), null, null, mode, 4096, 16);
  }

  /** A charge without a reservation (an answer whose call was never reserved) reaches the usage metrics too. */
  @Test
  void aChargeWithoutAReservationIsCountedInTheUsageMetrics() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.MODEL_MAX);
    java.util.function.Supplier<BigDecimal> counted = () -> UsageCounters.subscribe(x -> { }).stream()
        .filter(s -> "gpt-4o".equals(s.model())).map(UsageCounters.Series::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    BigDecimal before = counted.get();

    BigDecimal cost = e.charge("grace", Usage.of("gpt-4o", 1000, 500));

    assertThat(cost).isPositive();
    assertThat(counted.get().subtract(before)).isEqualByComparingTo(cost);
    assertThat(store.snapshot("grace", Clock.systemUTC().instant()).orElseThrow().currentCost()).isEqualByComparingTo(cost);
  }

  /**
   * A committed call reaches the usage metrics once, under the model the call asked for (what
   * OpenTelemetry's gen_ai.request.model means), not the dated one the answer names; a cost committed
   * by hand under the model it names, else the one reserved for.
   */
  @Test
  void committedCallsAreCountedOnceInTheUsageMetricsUnderTheModelTheyAskedFor() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.MODEL_MAX);
    java.util.function.Function<String, BigDecimal> counted = model -> UsageCounters.subscribe(x -> { }).stream()
        .filter(s -> model.equals(s.model())).map(UsageCounters.Series::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    BigDecimal asked = counted.apply("gpt-4o-mini");
    BigDecimal dated = counted.apply("gpt-4o-mini-2024-07-18");
    BigDecimal other = counted.apply("gpt-4o");

    dev.llmbudget.Reservation call = e.reserveCall("ivan", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 100), false,
        null).reservation();
    BigDecimal cost = call.commit(new Usage("gpt-4o-mini-2024-07-18", 180, 40, 20, 0, 0, 0, false));
    assertThat(cost).isPositive();
    assertThat(counted.apply("gpt-4o-mini").subtract(asked)).isEqualByComparingTo(cost);
    assertThat(counted.apply("gpt-4o-mini-2024-07-18").subtract(dated)).isZero();

    e.reserveCall("ivan", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 100), false,
        null).reservation().commit(new BigDecimal("0.25"), null);
    assertThat(counted.apply("gpt-4o-mini").subtract(asked)).isEqualByComparingTo(cost.add(new BigDecimal("0.25")));
    e.reserveCall("ivan", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 100), false,
        null).reservation().commit(new BigDecimal("0.5"), "gpt-4o");
    assertThat(counted.apply("gpt-4o").subtract(other)).isEqualByComparingTo("0.5");
    assertThat(counted.apply("gpt-4o-mini").subtract(asked)).isEqualByComparingTo(cost.add(new BigDecimal("0.25")));
  }

  @Test
  void aRefusedCallIsCountedAsBlockedOnce() {
    store.putBudget("frank", new BigDecimal("0.00001"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.MODEL_MAX);
    long before = CallCounters.blockedCount();

    assertThatThrownBy(() -> e.reserve("frank", new BigDecimal("1"))).isInstanceOf(BudgetExceededError.class);

    assertThat(CallCounters.blockedCount() - before).isEqualTo(1);
  }

  @Test
  void anUnknownModelIsNamedInAWarningThatSaysHowToPriceIt() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.MODEL_MAX);
    String model = "signals-test-model-" + System.nanoTime();
    try (LogCapture log = new LogCapture()) {
      assertThat(e.cost(Usage.of(model, 100, 100))).isZero();

      assertThat(log.messages()).filteredOn(m -> m.contains(model)).singleElement().asString()
          .startsWith("llm-budget: model '" + model + "' is not in the price table (bundled ")
          .contains("its calls are charged $0")
          .contains("llmbudget.model_aliases=" + model + ":<model in the table>")
          .contains("llmbudget.unknown_model=block");
    }
  }

  @Test
  void anUncappedCallRefusedInRequestModeNamesNoOutputCap() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("0.000001"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.REQUEST);

    assertThatThrownBy(() -> e.reserveCall(null, CallRequest.of("gpt-4o", "Say hello to the budget, briefly please.",
        1, 0), false, null).reservation())
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageStartingWith("Global LLM budget would be exceeded: spent $0 + reserved $0 of $0.000001;")
        .hasMessageNotContaining("max_tokens");
  }

  @Test
  void eachSettledCallIsCountedAsMeteredOnceAndAnEstimatedOneAlsoAsEstimated() {
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.MODEL_MAX);
    long metered = CallCounters.meteredCount();
    long estimated = CallCounters.estimatedCount();

    dev.llmbudget.Reservation first = e.reserve("gina", new BigDecimal("0.01"));
    first.commit(Usage.of("gpt-4o", 10, 10));
    first.commit(Usage.of("gpt-4o", 10, 10)); // settled already: not counted again
    dev.llmbudget.Reservation second = e.reserve("gina", new BigDecimal("0.01"));
    second.commit(Usage.of("gpt-4o", 10, 10).asEstimated());
    dev.llmbudget.Reservation third = e.reserve("gina", new BigDecimal("0.01"));
    third.commit(new BigDecimal("0.001"), "gpt-4o");
    e.reserve("gina", new BigDecimal("0.01")).release(); // nothing used: not metered

    assertThat(CallCounters.meteredCount() - metered).isEqualTo(3);
    assertThat(CallCounters.estimatedCount() - estimated).isEqualTo(1);
  }

  @Test
  void anAnsweredCallThatCannotBePricedIsChargedWhatItReservedMarkedEstimated() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.BLOCK, OutputReserve.MODEL_MAX);
    dev.llmbudget.Reservation r = e.reserve(null, new BigDecimal("0.5"));
    long estimated = CallCounters.estimatedCount();

    // (its warning is logged once per JVM and exception type, so another test may have had it)
    assertThat(r.commit(Usage.of("no-such-model-signals", 10, 10))).isEqualByComparingTo("0.5");

    dev.llmbudget.store.BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, Clock.systemUTC().instant()).orElseThrow();
    assertThat(global.reserved()).isZero();
    assertThat(global.currentCost()).isEqualByComparingTo("0.5");
    assertThat(CallCounters.estimatedCount() - estimated).as("marked estimated").isEqualTo(1);
  }

  @Test
  void clampedCallsAreAnnouncedOncePerUserAndPeriodWithTheCapTheyGot() {
    String user = "clamped-" + System.nanoTime();
    String prompt = "Say hello to the budget, briefly please.";
    long input = dev.llmbudget.tokens.TokenCounter.forModel("gpt-4o").count(prompt) + 7;
    BigDecimal limit = PriceTable.defaultTable().resolve("gpt-4o").orElseThrow().cost(Usage.of("gpt-4o", input, 300));
    store.putBudget(user, limit, null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, OutputReserve.CLAMP);
    try (LogCapture log = new LogCapture()) {
      BudgetEngine.CallReservation r = e.reserveCall(user, CallRequest.of("gpt-4o", prompt, 1, 0), true, null);
      assertThat(r.outputCap()).isEqualTo(300);
      r.reservation().release();
      e.reserveCall(user, CallRequest.of("gpt-4o", prompt, 1, 0), true, null).reservation().release();

      assertThat(log.messages()).filteredOn(m -> m.contains(user)).singleElement()
          .isEqualTo("llm-budget: calls of user '" + user + "' are being clamped to what the remaining budget can pay "
              + "for (this one to 300 output tokens of gpt-4o); their answers may end early (finish_reason length / "
              + "stop_reason max_tokens)");
    }
  }

  /**
   * The clamp announcement is once per user and period, not once per JVM: another user clamped in the
   * same period, and the same user clamped in the next period, are announced again; a call that fits
   * with all the output it may produce is not clamped, and says nothing.
   */
  @Test
  void clampsOfAnotherUserOrOfTheNextPeriodAreAnnouncedAgainAndAnUnclampedCallIsNot() {
    TestClock clock = new TestClock();
    String a = "clamped-a-" + System.nanoTime();
    String b = "clamped-b-" + System.nanoTime();
    String roomy = "unclamped-" + System.nanoTime();
    String prompt = "Say hello to the budget, briefly please.";
    long input = dev.llmbudget.tokens.TokenCounter.forModel("gpt-4o").count(prompt) + 7;
    BigDecimal limit = PriceTable.defaultTable().resolve("gpt-4o").orElseThrow().cost(Usage.of("gpt-4o", input, 300));
    for (String user : new String[] {a, b}) {
      store.putBudget(user, limit, BudgetDuration.DAILY, clock.instant());
    }
    // room for the whole output by the exact prompt count, not by the prompt's byte bound tried first
    long maxOutput = PriceTable.defaultTable().resolve("gpt-4o").orElseThrow().maxOutputTokens().getAsLong();
    store.putBudget(roomy, PriceTable.defaultTable().resolve("gpt-4o").orElseThrow()
        .cost(Usage.of("gpt-4o", input, maxOutput)), BudgetDuration.DAILY, clock.instant());
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock, null, null,
        OutputReserve.CLAMP, 4096, 16);
    try (LogCapture log = new LogCapture()) {
      BudgetEngine.CallReservation whole = e.reserveCall(roomy, CallRequest.of("gpt-4o", prompt, 1, 0), true, null);
      assertThat(whole.outputCap()).isEqualTo(maxOutput);
      whole.reservation().release();
      for (String user : new String[] {a, b, a}) {
        BudgetEngine.CallReservation r = e.reserveCall(user, CallRequest.of("gpt-4o", prompt, 1, 0), true, null);
        assertThat(r.outputCap()).isEqualTo(300);
        r.reservation().release();
      }
      clock.advanceMillis(java.time.Duration.ofDays(1).toMillis());
      e.reserveCall(a, CallRequest.of("gpt-4o", prompt, 1, 0), true, null).reservation().release();

      assertThat(log.messages()).filteredOn(m -> m.contains(roomy)).isEmpty();
      assertThat(log.messages()).filteredOn(m -> m.contains(b)).hasSize(1);
      assertThat(log.messages()).filteredOn(m -> m.contains(a)).hasSize(2)
          .allMatch(m -> m.contains("user '" + a + "' are being clamped") && m.contains("to 300 output tokens"));
    }
  }

  @Test
  void theAgentGetsTheEnginesOwnStoreClockPricesAndMode() {
    Clock fixed = Clock.fixed(java.time.Instant.parse("2026-03-10T10:00:00Z"), ZoneOffset.UTC);
    PriceTable table = PriceTable.defaultTable();
    BudgetEngine e = new BudgetEngine(store, () -> table, UnknownModelPolicy.WARN, fixed, null, null,
        OutputReserve.REQUEST, 4096, 16);

    assertThat(e.store()).isSameAs(store);
    assertThat(e.clock()).isSameAs(fixed);
    assertThat(e.now()).isEqualTo(java.time.Instant.parse("2026-03-10T10:00:00Z"));
    assertThat(e.prices()).isSameAs(table);
    assertThat(e.outputReserve()).isEqualTo(OutputReserve.REQUEST);
  }

  @Test
  void aCallToAModelThePolicyLetsThroughUnpricedReservesNothingAndKeepsItsCap() {
    BudgetEngine e = engine(UnknownModelPolicy.ALLOW, OutputReserve.MODEL_MAX);

    BudgetEngine.CallReservation r = e.reserveCall("hank", CallRequest.of("unpriced-model-signals", "hello", 1, 123),
        true, null);

    assertThat(r.reservation().amount()).isZero();
    assertThat(r.outputCap()).isEqualTo(123);
    assertThat(r.rewrite()).isFalse();
    assertThat(((BudgetEngine.Held) r.reservation()).model()).isEqualTo("unpriced-model-signals");
  }

  @Test
  void aLeaseTooLongForTheClockNeverExpires() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1"), null, Clock.systemUTC().instant());
    BudgetEngine e = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, Clock.systemUTC(),
        null, null, java.time.temporal.ChronoUnit.FOREVER.getDuration());

    e.reserve(null, new BigDecimal("0.5"));
    store.expireLeases(java.time.Instant.parse("2999-01-01T00:00:00Z"));

    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Clock.systemUTC().instant()).orElseThrow().reserved())
        .isEqualByComparingTo("0.5");
  }

  @Test
  void aModelWhoseTableSaysZeroOutputTokensIsReservedTheConfiguredDefault() {
    PriceTable table = PriceTable.parse(new java.io.ByteArrayInputStream(("{\"zero-out\": {\"input_cost_per_token\": 1e-6,"
        + " \"output_cost_per_token\": 1e-6, \"max_output_tokens\": 0}}").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        "zero.json");
    BudgetEngine e = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, Clock.systemUTC(), null, null,
        OutputReserve.MODEL_MAX, 1000, 16);

    BudgetEngine.CallReservation r = e.reserveCall(null, CallRequest.of("zero-out", "", 0, 0), false, null);

    assertThat(r.outputCap()).isEqualTo(1000);
    assertThat(r.reservation().amount()).isEqualByComparingTo("0.001"); // 1000 output tokens at $1e-6
  }
}
