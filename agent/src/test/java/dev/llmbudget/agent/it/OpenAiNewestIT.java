package dev.llmbudget.agent.it;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.FakeLlmServer;

/** openai-java 4.x, as on the test class path. */
class OpenAiNewestIT extends SdkAgentContract {
  @Override
  String sdk() {
    return "openai";
  }

  @Override
  String model() {
    return OpenAiCalls.MODEL;
  }

  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  void reportCacheTokens(FakeLlmServer server) {
    server.cache(4, 0).reasoning(3);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 0, 0, 3, false);
  }

  @Override
  String[] otherExactCalls() {
    return new String[] {"raw"};
  }

  @Override
  String capField() {
    return "max_completion_tokens";
  }
}
