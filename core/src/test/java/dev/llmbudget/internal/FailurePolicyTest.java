package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.pricing.PriceTableException;
import dev.llmbudget.store.BudgetStoreException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailurePolicyTest {

  private final TestClock clock = new TestClock();
  private final Unavailable corruptFile = new Unavailable("budget store local file /x/user_cost.json",
      new BudgetStoreException("local file /x/user_cost.json: not valid JSON: Unexpected character ('}')"));

  private FailurePolicy policy(Map<String, String> values) {
    BudgetConfig cfg = BudgetConfig.of(values);
    return new FailurePolicy(() -> cfg, clock);
  }

  @Test
  void withABudgetTheDefaultBlocksNamingTheStoreAndItsError() {
    FailurePolicy p = policy(Map.of("llmbudget.max_budget", "0.0001"));

    assertThatThrownBy(() -> p.onMeteringFailure("an LLM call", corruptFile))
        .isInstanceOf(BudgetUnavailableError.class)
        .isInstanceOf(BudgetExceededError.class)
        .hasCause(corruptFile)
        .hasMessage("llm-budget: budget store local file /x/user_cost.json is unavailable: local file "
            + "/x/user_cost.json: not valid JSON: Unexpected character ('}'); the call is refused (llmbudget.on_error=block)");
    assertThat(p.unmeteredCalls()).isZero();
  }

  @Test
  void aUserBudgetAloneAlsoMakesTheDefaultBlock() {
    FailurePolicy p = policy(Map.of("llmbudget.user.max_budget", "1"));

    assertThatThrownBy(() -> p.onMeteringFailure("an LLM call", new PriceTableException("/x/prices.json: not valid JSON")))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("price table is unavailable: /x/prices.json: not valid JSON");
  }

  @Test
  void allowLetsTheCallGoOnAndCountsIt() {
    FailurePolicy p = policy(Map.of("llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));

    List<String> logged;
    try (LogCapture capture = new LogCapture()) {
      logged = capture.messages();
      for (int i = 0; i < 20; i++) {
        assertThat(p.refusalFor("an LLM call", corruptFile)).isNull();
        clock.advanceMillis(10_000); // 190 s in all: the running count is reported at 60, 120 and 180 s
      }
    }
    assertThat(p.unmeteredCalls()).isEqualTo(20);
    assertThat(logged).filteredOn(m -> m.contains("it goes on unmetered")).hasSizeLessThanOrEqualTo(1);
    assertThat(logged).filteredOn(m -> m.contains("LLM calls have gone out unmetered so far")).containsExactly(
        "llm-budget: 7 LLM calls have gone out unmetered so far (llmbudget.on_error=allow); last cause: "
            + corruptFile.getMessage(),
        "llm-budget: 13 LLM calls have gone out unmetered so far (llmbudget.on_error=allow); last cause: "
            + corruptFile.getMessage(),
        "llm-budget: 19 LLM calls have gone out unmetered so far (llmbudget.on_error=allow); last cause: "
            + corruptFile.getMessage());
  }

  @Test
  void withoutAnyBudgetAFailureIsAPassThrough() {
    FailurePolicy p = policy(Map.of());

    assertThatCode(() -> p.onMeteringFailure("an LLM call", corruptFile)).doesNotThrowAnyException();
    assertThat(p.unmeteredCalls()).isEqualTo(1);
  }

  @Test
  void explicitBlockRefusesEvenWithoutABudget() {
    FailurePolicy p = policy(Map.of("llmbudget.on_error", "block"));

    assertThatThrownBy(() -> p.onMeteringFailure("an LLM call", new IllegalStateException("bug")))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("metering failed: java.lang.IllegalStateException: bug");
  }

  @Test
  void aBudgetRefusalIsNotAFailureAndPassesUnchanged() {
    FailurePolicy p = policy(Map.of("llmbudget.on_error", "allow"));
    BudgetExceededError refusal = new BudgetExceededError(BigDecimal.ONE, BigDecimal.ONE, null, BigDecimal.ONE);

    assertThatThrownBy(() -> p.onMeteringFailure("an LLM call", refusal)).isSameAs(refusal);
    assertThat(p.unmeteredCalls()).isZero();
  }

  @Test
  void aHugeCauseIsCutInTheMessage() {
    FailurePolicy p = policy(Map.of("llmbudget.max_budget", "1"));

    BudgetExceededError e = p.refusalFor("an LLM call", new BudgetStoreException("x".repeat(100_000)));
    assertThat(e.getMessage().length()).isLessThan(700);
  }
}
