package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;

/** The contract for LangChain4j's OpenAi models on LangChain4j 1.0.1 (open-ai 1.0.1; anthropic and ollama 1.0.1-beta6). */
class OpenAiOldestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "openai";
  }

  @Override
  String classPath() {
    return ChildJvm.classPathFrom("llmbudget.it.classpath.oldest");
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
