package dev.llmbudget.agent.instrumentation.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A Bedrock request class without {@code modelId()} (an SDK the agent does not know) meets the failure policy. */
class UnknownBedrockShapeTest {

  private final Object request = new Object();

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void aRequestWithoutModelIdIsRefusedUnderBlock() {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));

    assertThatThrownBy(() -> BedrockSeam.enter("converse", request))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("java.lang.Object has no modelId()");
    assertThat(BedrockSeam.enterAsync("invokeModel", request)).isInstanceOf(Refusal.class);
  }

  @Test
  void aRequestWithoutModelIdGoesOnCountedUnderAllow() {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();

    assertThat(BedrockSeam.enter("converse", request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }
}
