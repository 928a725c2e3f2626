package dev.llmbudget.it.springai;

/** Spring AI 1.1.2 (newest 1.x) Anthropic, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi11AnthropicIT extends AnthropicCase {
  @Override
  String classPath() {
    return ChildJvm.springAi11();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }
}
