package dev.llmbudget.agent.instrumentation.meter;

/**
 * An async call refused before it went out. Advice that enters with {@code skipOn = Refusal.class}
 * skips the SDK method, and its exit reports {@link #error} the way the SDK reports failures.
 */
public final class Refusal {
  public final RuntimeException error;

  Refusal(RuntimeException error) {
    this.error = error;
  }
}
