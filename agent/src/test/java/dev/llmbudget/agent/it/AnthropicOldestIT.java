package dev.llmbudget.agent.it;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.FakeLlmServer;

/** anthropic-java 2.0.0, the oldest supported. */
class AnthropicOldestIT extends SdkAgentContract {
  @Override
  String sdk() {
    return "anthropic";
  }

  @Override
  String model() {
    return AnthropicCalls.MODEL;
  }

  @Override
  String classPath() {
    return ChildClassPath.fromFile("llmbudget.it.classpath.anthropic-oldest", "slf4j");
  }

  @Override
  String llmPath() {
    return "/v1/messages";
  }

  @Override
  void reportCacheTokens(FakeLlmServer server) {
    server.cache(4, 6);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 6, 0, 0, false);
  }

  @Override
  String[] otherExactCalls() {
    return new String[] {"raw", "beta"};
  }

  @Override
  String capField() {
    return "max_tokens";
  }

  @Override
  long uncapped() {
    return modelMaxOutput(model());
  }
}
