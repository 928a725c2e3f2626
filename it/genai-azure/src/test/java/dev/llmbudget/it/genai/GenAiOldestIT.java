package dev.llmbudget.it.genai;

/** google-genai 1.0.0, the oldest supported: Apache HttpClient underneath, async calls run on a pool thread. */
class GenAiOldestIT extends GenAiContract {
  @Override
  String classPath() {
    return ChildJvm.classPathFrom("llmbudget.it.classpath.genai-oldest");
  }
}
