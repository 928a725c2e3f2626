package dev.llmbudget.it.springai;

/** Spring AI 1.0.3 (oldest supported) OpenAI, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi10OpenAiIT extends OpenAiCase {
  @Override
  String classPath() {
    return ChildJvm.springAi10();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }
}
