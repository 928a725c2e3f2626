package dev.llmbudget.it.genai;

/** google-genai 2.0.0, the newest served. */
class GenAiNewestIT extends GenAiContract {
  @Override
  String classPath() {
    return ChildJvm.newestSdkClassPath();
  }
}
