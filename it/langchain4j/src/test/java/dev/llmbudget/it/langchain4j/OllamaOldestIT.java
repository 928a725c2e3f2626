package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;

/** The contract for LangChain4j's Ollama models on LangChain4j 1.0.1 (open-ai 1.0.1; anthropic and ollama 1.0.1-beta6). */
class OllamaOldestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "ollama";
  }

  @Override
  String classPath() {
    return ChildClassPath.fromFile("llmbudget.it.classpath.oldest");
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
