package dev.llmbudget.agent.instrumentation.stainless;

/** An async call refused before it went out; its error becomes the returned future's failure. */
public final class Refusal {
  final RuntimeException error;

  Refusal(RuntimeException error) {
    this.error = error;
  }
}
