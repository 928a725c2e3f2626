package dev.llmbudget.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The entry point's one decision before anything loads: is the agent switched off? Read as BudgetConfig reads it. */
class LlmBudgetAgentTest {

  @AfterEach
  void clear() {
    System.clearProperty("llmbudget.enabled");
  }

  @Test
  void anAgentArgumentWithOrWithoutPrefixAnyCaseSwitchesItOff() {
    assertThat(LlmBudgetAgent.disabled("store=memory,enabled=false")).isTrue();
    assertThat(LlmBudgetAgent.disabled("llmbudget.enabled= FALSE ,max_budget=5")).isTrue();
    assertThat(LlmBudgetAgent.disabled("store=memory")).isFalse();
    assertThat(LlmBudgetAgent.disabled(null)).isFalse();
    assertThat(LlmBudgetAgent.disabled("enabled=true")).isFalse();
    // Not "false": the configuration decides (a typo stops start-up with a message naming the key).
    assertThat(LlmBudgetAgent.disabled("enabled=no")).isFalse();
  }

  @Test
  void theAgentArgumentWinsOverTheSystemProperty() {
    System.setProperty("llmbudget.enabled", "false");
    assertThat(LlmBudgetAgent.disabled("store=memory")).isTrue();
    assertThat(LlmBudgetAgent.disabled("enabled=true")).isFalse();
  }
}
