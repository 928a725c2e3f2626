package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;

/** The contract for LangChain4j's Ollama models on the newest LangChain4j 1.x modules served here (core, open-ai, anthropic 1.19.0; ollama 1.18.1). */
class OllamaNewestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "ollama";
  }

  @Override
  String classPath() {
    return newestClassPath();
  }

  @Override
  String llmPath() {
    return "/api/chat";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of("ollama/llama3.1", 20, 10);
  }

  /** Local models cost nothing: there is no budget to cap. */
  @Override
  String pricedModel() {
    return null;
  }
}
