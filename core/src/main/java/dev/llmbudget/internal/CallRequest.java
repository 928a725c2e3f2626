package dev.llmbudget.internal;

import dev.llmbudget.tokens.TokenCounter;

/**
 * What a chat call states before it goes out that its reservation depends on, as {@link
 * BudgetEngine#reserveCall(String, CallRequest, boolean, String)} reads it. An interface, not a
 * record, so that the agent's own immutable request record is the argument itself and a call
 * allocates no copy of it; {@link #of} gives one for callers that have none.
 */
public interface CallRequest {

  /** The model the request names, as sent; {@code null} when it names none. */
  String model();

  /** The prompt as text, read only when its byte bound does not fit and the model can be tokenized. */
  CharSequence prompt();

  /** The chat messages (for OpenAI's per-message overhead); 0 where the provider has none. */
  int messageCount();

  /** The output cap the request states; 0 or less when it states none. */
  long maxOutputTokens();

  /** A bound of the prompt's tokens that no count exceeds (its UTF-8 length unless the caller knows better). */
  default long promptBound() {
    return TokenCounter.upperBoundTokens(prompt());
  }

  /** How many answers it asks for (OpenAI's {@code n}, a completion's {@code best_of}), each of which may use the whole cap. */
  default int choices() {
    return 1;
  }

  /** How many images it sends: not text, so outside {@link #promptBound()}, each adds its provider's bound. */
  default int images() {
    return 0;
  }

  /** How many of its {@link #images()} ask for {@code detail: low}. */
  default int lowDetailImages() {
    return 0;
  }

  /** How many of its {@link #images()} ask for OpenAI's {@code detail: original}, which may cost several times a high-detail image. */
  default int originalDetailImages() {
    return 0;
  }

  /**
   * How many file, PDF, audio or video parts it sends whose tokens its bytes do not bound (an uploaded
   * file's id, a URL, base64 data): the engine reserves them at {@code llmbudget.file_tokens} each,
   * else the prompt at its model's context window.
   */
  default int mediaParts() {
    return 0;
  }

  /**
   * The OpenAI {@code service_tier} it states (one of {@link UsageJson}'s tier constants or any other
   * string), or {@code null}: {@code priority} is reserved at the model's priority rates, any other
   * at the standard rates.
   */
  default String serviceTier() {
    return null;
  }

  /** A request for one answer, without images or service tier, whose bound is taken from {@code prompt}'s text. */
  static CallRequest of(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {
    return of(model, prompt, messageCount, maxOutputTokens, TokenCounter.upperBoundTokens(prompt), 1, 0, 0, 0,
        null);
  }

  /** A request stating every part, each as its accessor above documents it. */
  static CallRequest of(String model, CharSequence prompt, int messageCount, long maxOutputTokens,
      long promptBound, int choices, int images, int lowDetailImages, int originalDetailImages, String serviceTier) {
    return new Stated(model, prompt, messageCount, maxOutputTokens, promptBound, choices, images, lowDetailImages,
        originalDetailImages, serviceTier);
  }

  /** The request {@link #of} returns. */
  record Stated(String model, CharSequence prompt, int messageCount, long maxOutputTokens, long promptBound,
      int choices, int images, int lowDetailImages, int originalDetailImages, String serviceTier)
      implements CallRequest {}
}
