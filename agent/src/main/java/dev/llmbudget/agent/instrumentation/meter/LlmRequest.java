package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.internal.CallRequest;
import dev.llmbudget.tokens.TokenCounter;

/**
 * What a priced request tells before it goes out, as core's {@link CallRequest} documents each part
 * (this record is passed to the engine itself, no copy per call), and {@code background}: an OpenAI
 * Responses call run in the background, whose answer reports its usage only when it is retrieved
 * later. {@code media}: its file and audio parts, {@link CallRequest#mediaParts()} (at most {@link
 * Short#MAX_VALUE}). The prompt may be decoded only when read; {@code promptBound} is its UTF-8
 * length unless the seam knows better.
 */
public record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens,
    long promptBound, int choices, boolean background, int images, int lowDetailImages, int originalDetailImages,
    String serviceTier, short media) implements CallRequest {

  /** A request without file or audio parts, each other part as {@link CallRequest} documents it. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, boolean background, int images, int lowDetailImages, int originalDetailImages,
      String serviceTier) {
    this(model, prompt, messageCount, maxOutputTokens, promptBound, choices, background, images, lowDetailImages,
        originalDetailImages, serviceTier, (short) 0);
  }

  /** {@code media}: a {@code short}, so that the record stays the 64 bytes it was before it counted them. */
  @Override
  public int mediaParts() {
    return media;
  }

  /** The most answers one request is reserved for: OpenAI's own limit of {@code n}, so the product stays finite. */
  public static final int MAX_CHOICES = 128;

  /** The number of answers a request asks for, as a count it stated ({@code n}, {@code candidateCount}; 0 or less: none): 1 to {@link #MAX_CHOICES}. */
  public static int choices(long asked) {
    return (int) Math.max(1, Math.min(asked, MAX_CHOICES));
  }

  /** A request for one answer, answered at once, without images or service tier, whose bound is taken from {@code prompt}'s text. */
  public LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {
    this(model, prompt, messageCount, maxOutputTokens, TokenCounter.upperBoundTokens(prompt), 1, false, 0, 0, 0,
        null);
  }
}
