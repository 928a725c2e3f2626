package dev.llmbudget.agent.instrumentation.langchain4j;

/** A streaming call refused before it went out; its error goes to the caller's handler. */
public final class StreamRefusal {
  final RuntimeException error;

  StreamRefusal(RuntimeException error) {
    this.error = error;
  }
}
