package dev.llmbudget.agent.instrumentation.bedrock;

/** An async call refused before it went out; the advice skips the SDK method and returns a failed future. */
public final class Refusal {
  final RuntimeException error;

  Refusal(RuntimeException error) {
    this.error = error;
  }
}
