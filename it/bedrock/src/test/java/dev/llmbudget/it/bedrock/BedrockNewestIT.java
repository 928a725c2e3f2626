package dev.llmbudget.it.bedrock;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;

/** Bedrock Runtime at the version the AWS BOM in it/bedrock/pom.xml names (2.57.8), the newest. */
class BedrockNewestIT extends BedrockContract {
  @Override
  ChildJvm child() {
    return new ChildJvm().classPath(ChildClassPath.newest());
  }

  @Override
  boolean converseReportsCache() {
    return true;
  }
}
