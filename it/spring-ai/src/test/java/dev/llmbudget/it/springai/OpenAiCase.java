package dev.llmbudget.it.springai;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.FakeLlmServer;

/** OpenAI chat completions through Spring AI's {@code OpenAiChatModel}, stream usage switched on. */
abstract class OpenAiCase extends SpringAiContract {
  @Override
  String provider() {
    return "openai";
  }

  @Override
  String model() {
    return "gpt-4o-mini";
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  void reportCacheTokens(FakeLlmServer s) {
    s.cache(4, 0).reasoning(3);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 0, 0, 3, false);
  }
}
