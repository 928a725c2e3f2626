package dev.llmbudget.it.bedrock;

/** Bedrock Runtime at the version the AWS BOM in it/bedrock/pom.xml names (2.57.8), the newest. */
class BedrockNewestIT extends BedrockContract {
  @Override
  ChildJvm child() {
    return ChildJvm.newest();
  }

  @Override
  boolean converseReportsCache() {
    return true;
  }
}
