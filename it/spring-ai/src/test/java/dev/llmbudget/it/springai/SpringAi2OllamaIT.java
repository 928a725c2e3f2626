package dev.llmbudget.it.springai;

/** Spring AI 2.0.1 Ollama, still on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi2OllamaIT extends OllamaCase {
  @Override
  String classPath() {
    return ChildJvm.springAi2();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.v2.Models2";
  }
}
