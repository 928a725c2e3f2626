package dev.llmbudget.it.genai;

/** azure-ai-openai 1.0.0-beta.8, the oldest tested (its chat message types are the newest's). */
class AzureOldestIT extends AzureContract {
  @Override
  String classPath() {
    return ChildJvm.classPathFrom("llmbudget.it.classpath.azure-oldest");
  }
}
