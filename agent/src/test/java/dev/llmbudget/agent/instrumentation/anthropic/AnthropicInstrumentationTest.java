package dev.llmbudget.agent.instrumentation.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.stainless.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnthropicInstrumentationTest {

  @Test
  void messagesAndBetaMessagesArePriced() {
    // The beta service posts to the same path with ?beta=true, which is not a path segment.
    assertThat(AnthropicInstrumentation.classify("POST", List.of("v1", "messages"))).isEqualTo(Endpoint.MESSAGES);
  }

  @Test
  void tokenCountingBatchesAndModelsAreNot() {
    assertThat(AnthropicInstrumentation.classify("POST", List.of("v1", "messages", "count_tokens"))).isNull();
    assertThat(AnthropicInstrumentation.classify("POST", List.of("v1", "messages", "batches"))).isNull();
    assertThat(AnthropicInstrumentation.classify("GET", List.of("v1", "messages", "batches", "b1", "results"))).isNull();
    assertThat(AnthropicInstrumentation.classify("GET", List.of("v1", "models"))).isNull();
  }
}
