package dev.llmbudget.it.springai;

/** Spring AI 1.1.2 (newest 1.x) Ollama, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi11OllamaIT extends OllamaCase {
  @Override
  String classPath() {
    return ChildJvm.springAi11();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }
}
