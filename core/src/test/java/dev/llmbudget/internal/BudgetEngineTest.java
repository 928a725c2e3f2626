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
    assertThatThrownBy(() -> e.reserveForCall("u", "no-such-model-123", "hi", 1, 10))
        .isInstanceOf(UnknownModelException.class).hasMessageContaining("no-such-model-123");
    assertThat(engine(UnknownModelPolicy.ALLOW, null).cost(Usage.of("no-such-model-123", 5, 5))).isZero();
  }

  @Test
  void ampleHeadroomReservesTheByteBoundWithoutTokenizing() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, Clock.systemUTC().instant());
    BudgetEngine e = engine(UnknownModelPolicy.WARN, null);
    String prompt = "a".repeat(4000);
    try (Reservation r = e.reserveForCall(null, "gpt-4o", prompt, 1, 100)) {
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
    try (Reservation r = e.reserveForCall(null, "gpt-4o", prompt, 1, 0)) {
      assertThat(r.amount()).isEqualByComparingTo(exactCost);
    }
    store.putBudget(BudgetStore.GLOBAL_KEY, exactCost.subtract(new BigDecimal("0.000000001")), null, Clock.systemUTC().instant());
    assertThatThrownBy(() -> e.reserveForCall(null, "gpt-4o", prompt, 1, 0))
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
    Reservation r = e.reserveForCall("alias-user", "gpt-4o-mini", "hi", 1, 10);
    BigDecimal cost = r.commit(Usage.of("my-azure-deployment", 100, 10));
    assertThat(cost).isEqualByComparingTo(PriceTable.defaultTable().resolve("gpt-4o-mini").orElseThrow()
        .cost(Usage.of("gpt-4o-mini", 100, 10)));
    assertThat(store.snapshot("alias-user", Clock.systemUTC().instant()).orElseThrow().reserved()).isZero();
  }
}
