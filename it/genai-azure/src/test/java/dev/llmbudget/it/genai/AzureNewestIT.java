package dev.llmbudget.it.genai;

import dev.llmbudget.testkit.ChildClassPath;

/** azure-ai-openai 1.0.0-beta.16, the newest. */
class AzureNewestIT extends AzureContract {
  @Override
  String classPath() {
    return ChildClassPath.newest();
  }
}
