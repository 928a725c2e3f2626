package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;

/** The contract for LangChain4j's Anthropic models on the newest LangChain4j 1.x modules served here (core, open-ai, anthropic 1.19.0; ollama 1.18.1). */
class AnthropicNewestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "anthropic";
  }

  @Override
  String classPath() {
    return ChildJvm.newestClassPath();
  }

  @Override
  String llmPath() {
    return "/v1/messages";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of("claude-3-5-haiku-20241022", 20, 10);
  }
}
