package dev.llmbudget.it.springai;

/** Spring AI 1.1.2 (newest 1.x) OpenAI, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi11OpenAiIT extends OpenAiCase {
  @Override
  String classPath() {
    return ChildJvm.springAi11();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }
}
