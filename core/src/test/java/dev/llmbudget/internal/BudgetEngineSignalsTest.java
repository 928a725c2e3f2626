package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    assertThatThrownBy(() -> e.reserveForCall(null, "gpt-4o", "Say hello to the budget, briefly please.", 1, 0))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageStartingWith("Global LLM budget would be exceeded: spent $0 + reserved $0 of $0.000001;")
        .hasMessageNotContaining("max_tokens");
  }
}
