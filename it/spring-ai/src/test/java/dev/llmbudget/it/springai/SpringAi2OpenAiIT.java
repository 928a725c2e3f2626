package dev.llmbudget.it.springai;

/**
 * Spring AI 2.0.1 OpenAI, built on the official openai-java SDK: the agent meters the call at the SDK's
 * HTTP seam and the Spring AI seam stands aside, so every call is still charged exactly once.
 */
class SpringAi2OpenAiIT extends OpenAiCase {
  @Override
  String classPath() {
    return ChildJvm.springAi2();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.v2.Models2";
  }

  @Override
  boolean meteredBelow() {
    return true;
  }
}
