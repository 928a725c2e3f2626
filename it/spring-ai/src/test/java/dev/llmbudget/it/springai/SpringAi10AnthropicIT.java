package dev.llmbudget.it.springai;

import dev.llmbudget.Usage;

/**
 * Spring AI 1.0.3 (oldest supported) Anthropic, on Spring's REST clients: metered at the Spring AI
 * seam. Its {@code AnthropicApi.Usage} reads only input and output tokens, so the cache reads and
 * writes the server reports never reach the agent: they are charged from 1.1 on.
 */
class SpringAi10AnthropicIT extends AnthropicCase {
  @Override
  String classPath() {
    return ChildJvm.springAi10();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of(model(), 20, 10);
  }
}
