package dev.llmbudget.it.genai;

import dev.llmbudget.testkit.ChildClassPath;

/** google-genai 2.0.0, the newest served. */
class GenAiNewestIT extends GenAiContract {
  @Override
  String classPath() {
    return ChildClassPath.newest();
  }
}
