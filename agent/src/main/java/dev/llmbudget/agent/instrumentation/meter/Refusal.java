package dev.llmbudget.agent.instrumentation.meter;

/** An async call refused before it went out; its error becomes the failure the SDK reports. */
public final class Refusal {
  public final RuntimeException error;

  Refusal(RuntimeException error) {
    this.error = error;
  }
}
