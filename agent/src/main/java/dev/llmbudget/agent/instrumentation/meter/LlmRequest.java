package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.tokens.TokenCounter;

/**
 * What a priced request tells before it goes out: the model, the prompt as text (for token
 * counting; it may be decoded only when read), the number of chat messages (for OpenAI's
 * per-message overhead; 0 where the provider has none), the output cap (0 when none) and a bound
 * of the prompt's tokens: its UTF-8 length, which no count exceeds.
 */
public record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens,
    long promptBound) {

  /** A request whose bound is taken from {@code prompt}'s text. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {
    this(model, prompt, messageCount, maxOutputTokens, TokenCounter.upperBoundTokens(prompt));
  }
}
