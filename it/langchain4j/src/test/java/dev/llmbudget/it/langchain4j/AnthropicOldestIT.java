package dev.llmbudget.it.langchain4j;

import dev.llmbudget.Usage;

/** The contract for LangChain4j's Anthropic models on LangChain4j 1.0.1 (open-ai 1.0.1; anthropic and ollama 1.0.1-beta6). */
class AnthropicOldestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "anthropic";
  }

  @Override
  String classPath() {
    return ChildJvm.classPathFrom("llmbudget.it.classpath.oldest");
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
