package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.tokens.TokenCounter;

/**
 * What a priced request tells before it goes out: the model, the prompt as text (for token
 * counting; it may be decoded only when read), the number of chat messages (for OpenAI's
 * per-message overhead; 0 where the provider has none), the output cap (0 when none) and a bound
 * of the prompt's tokens: its UTF-8 length, which no count exceeds; and how many answers it asks
 * for (OpenAI's {@code n}, a completion's {@code best_of}), each of which may use the whole cap;
 * {@code background}: an OpenAI Responses call run in the background, whose answer reports its
 * usage only when it is retrieved later; {@code images}: how many images it sends (not text, so
 * outside {@code promptBound}), {@code lowDetailImages} of them with {@code detail: low} and
 * {@code originalDetailImages} with OpenAI's {@code detail: original} (which bills up to 10,000 patches;
 * a {@code short}, which no request's image count reaches); {@code serviceTier}: the OpenAI
 * {@code service_tier} it asks for ({@code priority} is reserved at priority rates), or {@code null}.
 */
public record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens,
    long promptBound, int choices, boolean background, int images, int lowDetailImages, short originalDetailImages,
    String serviceTier) {

  /** The most answers one request is reserved for: OpenAI's own limit of {@code n}, so the product stays finite. */
  public static final int MAX_CHOICES = 128;

  /** The number of answers a request asks for, as a count it stated ({@code n}, {@code candidateCount}; 0 or less: none): 1 to {@link #MAX_CHOICES}. */
  public static int choices(long asked) {
    return (int) Math.max(1, Math.min(asked, MAX_CHOICES));
  }

  /** A request without images that states no service tier. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, 0, 0, (short) 0, null);
  }

  /** A request without images that states {@code serviceTier} (or {@code null}). */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background, String serviceTier) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, 0, 0, (short) 0,
        serviceTier);
  }

  /** A request with images, none of them with {@code detail: original}, that states no service tier. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background, int images, int lowDetailImages) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, images, lowDetailImages,
        (short) 0, null);
  }

  /** A request with images that states no service tier. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background, int images, int lowDetailImages, short originalDetailImages) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, images, lowDetailImages,
        originalDetailImages, null);
  }

  /** This request with {@code images} images, {@code lowDetail} of them with {@code detail: low}. */
  public LlmRequest withImages(int images, int lowDetail) {
    return images <= 0 ? this : new LlmRequest(model, prompt, messageCount, maxOutputTokens, promptBound, choices,
        background, images, lowDetail, (short) 0, serviceTier);
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
