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

  /**
   * langchain4j-anthropic 1.0.1-beta6 adds {@code message_start}'s output count (1) to
   * {@code message_delta}'s, which is already cumulative; the agent charges what LangChain4j reports.
   */
  @Override
  Usage streamedUsage() {
    return Usage.of("claude-3-5-haiku-20241022", 20, 11);
  }
}
