package dev.llmbudget.agent.it;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.FakeLlmServer;

/** openai-java 1.6.1, the oldest supported. */
class OpenAiOldestIT extends SdkAgentContract {
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
    return ChildClassPath.fromFile("llmbudget.it.classpath.openai-oldest", "slf4j");
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
    // a stream without stream options: the agent asks for its usage, so it is charged exactly too
    return new String[] {"raw", "stream-nousage"};
  }

  @Override
  String capField() {
    return "max_completion_tokens";
  }
}
