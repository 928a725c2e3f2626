package dev.llmbudget.it.springai;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.FakeLlmServer;

/** Anthropic messages through Spring AI's {@code AnthropicChatModel}, with cache reads and writes reported. */
abstract class AnthropicCase extends SpringAiContract {
  @Override
  String provider() {
    return "anthropic";
  }

  @Override
  String model() {
    return "claude-haiku-4-5";
  }

  @Override
  String llmPath() {
    return "/v1/messages";
  }

  @Override
  void reportCacheTokens(FakeLlmServer s) {
    s.cache(4, 6);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 6, 0, 0, false);
  }
}
