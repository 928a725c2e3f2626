package dev.llmbudget.it.springai;

/** Spring AI 1.0.3 (oldest supported) Anthropic, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi10AnthropicIT extends AnthropicCase {
  @Override
  String classPath() {
    return ChildJvm.springAi10();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }
}
