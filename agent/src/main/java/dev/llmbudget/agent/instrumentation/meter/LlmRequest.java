package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.tokens.TokenCounter;

/**
 * What a priced request tells before it goes out: the model, the prompt as text (for token
 * counting; it may be decoded only when read), the number of chat messages (for OpenAI's
 * per-message overhead; 0 where the provider has none), the output cap (0 when none) and a bound
 * of the prompt's tokens: its UTF-8 length, which no count exceeds; and how many answers it asks
 * for (OpenAI's {@code n}, a completion's {@code best_of}), each of which may use the whole cap;
 * {@code background}: an OpenAI Responses call run in the background, whose answer reports its
 * usage only when it is retrieved later; {@code serviceTier}: the OpenAI {@code service_tier} it asks
 * for ({@code priority} is reserved at priority rates), or {@code null}.
 */
public record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens,
    long promptBound, int choices, boolean background, String serviceTier) {

  /** The most answers one request is reserved for: OpenAI's own limit of {@code n}, so the product stays finite. */
  public static final int MAX_CHOICES = 128;

  /** The number of answers a request asks for, as a count it stated ({@code n}, {@code candidateCount}; 0 or less: none): 1 to {@link #MAX_CHOICES}. */
  public static int choices(long asked) {
    return (int) Math.max(1, Math.min(asked, MAX_CHOICES));
  }

  /** A request that states no service tier. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, null);
  }

  /** A request for one answer, answered at once. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, 1, false);
  }

  /** A request for one answer whose bound is taken from {@code prompt}'s text. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {
    this(model, prompt, messageCount, maxOutputTokens, TokenCounter.upperBoundTokens(prompt));
  }
}
