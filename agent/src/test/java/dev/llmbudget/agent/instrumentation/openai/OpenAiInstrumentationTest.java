package dev.llmbudget.agent.instrumentation.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.stainless.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiInstrumentationTest {

  @Test
  void createCallsArePriced() {
    assertThat(OpenAiInstrumentation.classify("POST", List.of("chat", "completions"))).isEqualTo(Endpoint.CHAT_COMPLETIONS);
    assertThat(OpenAiInstrumentation.classify("POST", List.of("completions"))).isEqualTo(Endpoint.COMPLETIONS);
    assertThat(OpenAiInstrumentation.classify("POST", List.of("responses"))).isEqualTo(Endpoint.RESPONSES);
    assertThat(OpenAiInstrumentation.classify("POST", List.of("embeddings"))).isEqualTo(Endpoint.EMBEDDINGS);
  }

  @Test
  void azureDeploymentPathsArePricedToo() {
    assertThat(OpenAiInstrumentation.classify("POST", List.of("openai", "deployments", "my-gpt", "chat", "completions")))
        .isEqualTo(Endpoint.CHAT_COMPLETIONS);
  }

  @Test
  void retrievalsCancellationsAndOtherApisAreNot() {
    assertThat(OpenAiInstrumentation.classify("GET", List.of("chat", "completions", "chatcmpl-1"))).isNull();
    assertThat(OpenAiInstrumentation.classify("GET", List.of("responses", "resp_1"))).isNull();
    assertThat(OpenAiInstrumentation.classify("POST", List.of("responses", "resp_1", "cancel"))).isNull();
    assertThat(OpenAiInstrumentation.classify("POST", List.of("files"))).isNull();
    assertThat(OpenAiInstrumentation.classify("POST", List.of("batches"))).isNull();
    assertThat(OpenAiInstrumentation.classify("GET", List.of("models"))).isNull();
  }
}
