package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;

/** The contract for LangChain4j's OpenAi models on the newest LangChain4j 1.x modules served here (core, open-ai, anthropic 1.19.0; ollama 1.18.1). */
class OpenAiNewestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "openai";
  }

  @Override
  String classPath() {
    return ChildJvm.newestClassPath();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of("gpt-4o-mini", 20, 10);
  }
}
