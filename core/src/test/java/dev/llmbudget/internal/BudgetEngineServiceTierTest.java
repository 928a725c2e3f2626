package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * An answer served in OpenAI's priority tier is charged at the priority rates, and a request that
 * asks for priority reserves at them. gpt-5's rates, in picodollars a token: input 1,250,000
 * (priority 2,500,000), output 10,000,000 (priority 20,000,000), cache read 125,000 (priority 250,000).
 */
class BudgetEngineServiceTierTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  private final MemoryStore store = new MemoryStore("tiers", ZoneOffset.UTC);
  private final BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, null, clock,
      new BigDecimal("100"), null);

  private long spent(String user) {
    return Picodollars.of(store.snapshot(user, clock.instant()).orElseThrow().currentCost());
  }

  @Test
  void aPriorityAnswerIsChargedAtPriorityRatesAndADefaultOneAtTheStandardRates() {
    Usage usage = Usage.of("gpt-5", 1_000, 500).withCache(200, 0, 0);

    BudgetEngine.CallReservation priority = engine.reserveCall("alice", CallRequest.of("gpt-5", "Say hello.", 1, 1_000,
        100, 1, 0, 0, 0, "priority"), false, "openai-java");
    // 1,000 x 2,500,000 + 500 x 20,000,000 + 200 x 250,000
    assertThat(BudgetEngine.commitPicos(priority.reservation(), usage.withServiceTier("priority")))
        .isEqualTo(12_550_000_000L);
    // an answer served at the default tier pays the standard rates, whatever the request asked:
    // 1,000 x 1,250,000 + 500 x 10,000,000 + 200 x 125,000
    BudgetEngine.CallReservation asked = engine.reserveCall("alice", CallRequest.of("gpt-5", "Say hello.", 1, 1_000,
        100, 1, 0, 0, 0, "priority"), false, "openai-java");
    assertThat(BudgetEngine.commitPicos(asked.reservation(), usage.withServiceTier("default")))
        .isEqualTo(6_275_000_000L);
    assertThat(spent("alice")).isEqualTo(12_550_000_000L + 6_275_000_000L);

    // the library's charge and cost price the tier the usage names as well
    assertThat(engine.charge("bob", usage.withServiceTier("flex"))).isEqualByComparingTo("0.0031375");
    assertThat(spent("bob")).isEqualTo(3_137_500_000L);
    assertThat(engine.cost(usage.withServiceTier("priority"))).isEqualByComparingTo("0.01255");
  }

  @Test
  void aPriorityRequestThatFitsAtStandardRatesButNotAtPriorityOnesIsRefused() {
    // $0.015: a 1,000-token output of gpt-5 costs at most $0.01 + the prompt at standard rates,
    // $0.02 + the prompt at priority rates
    store.putBudget("carol", new BigDecimal("0.015"), null, clock.instant());

    assertThatThrownBy(() -> engine.reserveCall("carol", CallRequest.of("gpt-5", "Say hello.", 1, 1_000, 100, 1, 0, 0,
        0, "priority"), false, "openai-java"))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("max_tokens 1000, at priority service-tier rates");
    assertThat(store.snapshot("carol", clock.instant()).orElseThrow().reserved()).isZero();

    // the same request without a tier, with auto (the project's default decides) or flex fits
    for (String tier : new String[] {null, "auto", "default", "flex"}) {
      BudgetEngine.CallReservation fits = engine.reserveCall("carol", CallRequest.of("gpt-5", "Say hello.", 1, 1_000,
          100, 1, 0, 0, 0, tier), false, "openai-java");
      // 100 bytes + 1 message's overhead (3 + 3) at 1,250,000 + 1,000 x 10,000,000
      assertThat(BudgetEngine.amountPicos(fits.reservation())).as(String.valueOf(tier))
          .isEqualTo(106 * 1_250_000L + 10_000_000_000L);
      fits.reservation().release();
    }
  }

  @Test
  void aPriorityRequestReservesWhatItsPriorityAnswerCanCost() {
    BudgetEngine.CallReservation r = engine.reserveCall("dave", CallRequest.of("gpt-5", "Say hello.", 1, 1_000, 100, 1,
        0, 0, 0, "priority"), false, "openai-java");
    // 106 prompt tokens at most at 2,500,000 + 1,000 x 20,000,000
    assertThat(BudgetEngine.amountPicos(r.reservation())).isEqualTo(106 * 2_500_000L + 20_000_000_000L);
    r.reservation().release();
  }
}
