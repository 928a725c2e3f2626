package dev.llmbudget.it.bedrock;

/** Bedrock Runtime 2.26.0, the oldest supported: the first 2.x line with Converse and ConverseStream. */
class BedrockOldestIT extends BedrockContract {
  @Override
  ChildJvm child() {
    return ChildJvm.fromClassPathFile("llmbudget.it.classpath.bedrock-oldest");
  }

  @Override
  boolean converseReportsCache() {
    return false;
  }
}
