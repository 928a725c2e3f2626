package dev.llmbudget.it.genai;

import dev.llmbudget.testkit.ChildClassPath;

/** google-genai 1.0.0, the oldest supported: Apache HttpClient underneath, async calls run on a pool thread. */
class GenAiOldestIT extends GenAiContract {
  @Override
  String classPath() {
    return ChildClassPath.fromFile("llmbudget.it.classpath.genai-oldest");
  }
}
