package dev.llmbudget;

import java.util.Objects;

/**
 * Token usage of one LLM call, in the provider-neutral shape that prices are applied to.
 *
 * <p>The fields do not overlap: {@code inputTokens} are the prompt tokens billed at the plain
 * input rate (cache reads and cache writes are not in it), and {@code reasoningTokens} are the
 * part of {@code outputTokens} that the model spent on reasoning. {@code estimated} is true when
 * the numbers were counted locally rather than reported by the provider. {@code serviceTier} is
 * the OpenAI service tier that served the call ({@code default}, {@code priority}, {@code flex},
 * {@code scale}), as the answer's {@code service_tier} names it, or {@code null} when unknown; it
 * selects the rates the call is priced at ({@code ModelPrice.forServiceTier}).
 *
 * <p>{@code audioInputTokens} are the part of {@code inputTokens} that was audio, and
 * {@code audioOutputTokens} the part of {@code outputTokens} that the model answered in audio (apart
 * from its reasoning tokens); both pay the entry's audio rates, which are dearer than text.
 */
public record Usage(
    String model,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long cacheWrite5mTokens,
    long cacheWrite1hTokens,
    long reasoningTokens,
    boolean estimated,
    String serviceTier,
    long audioInputTokens,
    long audioOutputTokens) {

  /** A usage without audio: the shape before audio tokens were priced apart. */
  public Usage(String model, long inputTokens, long outputTokens, long cacheReadTokens, long cacheWrite5mTokens,
      long cacheWrite1hTokens, long reasoningTokens, boolean estimated, String serviceTier) {
    this(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens,
        estimated, serviceTier, 0, 0);
  }

  /** A usage whose service tier is unknown, priced at the standard rates: the shape before service tiers. */
  public Usage(String model, long inputTokens, long outputTokens, long cacheReadTokens, long cacheWrite5mTokens,
      long cacheWrite1hTokens, long reasoningTokens, boolean estimated) {
    this(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens,
        estimated, null, 0, 0);
  }

  public Usage {
    Objects.requireNonNull(model, "model");
    requireNonNegative("inputTokens", inputTokens);
    requireNonNegative("outputTokens", outputTokens);
    requireNonNegative("cacheReadTokens", cacheReadTokens);
    requireNonNegative("cacheWrite5mTokens", cacheWrite5mTokens);
    requireNonNegative("cacheWrite1hTokens", cacheWrite1hTokens);
    requireNonNegative("reasoningTokens", reasoningTokens);
    if (reasoningTokens > outputTokens) {
      throw new IllegalArgumentException(
          "reasoningTokens (" + reasoningTokens + ") are part of outputTokens (" + outputTokens
              + ") and cannot exceed them");
    }
    requireNonNegative("audioInputTokens", audioInputTokens);
    requireNonNegative("audioOutputTokens", audioOutputTokens);
    if (audioInputTokens > inputTokens) {
      throw new IllegalArgumentException(
          "audioInputTokens (" + audioInputTokens + ") are part of inputTokens (" + inputTokens
              + ") and cannot exceed them");
    }
    if (audioOutputTokens > outputTokens - reasoningTokens) {
      throw new IllegalArgumentException(
          "audioOutputTokens (" + audioOutputTokens + ") and reasoningTokens (" + reasoningTokens
              + ") are parts of outputTokens (" + outputTokens + ") and cannot exceed them together");
    }
  }

  /** Plain input and output tokens, as reported by the provider. */
  public static Usage of(String model, long inputTokens, long outputTokens) {
    return new Usage(model, inputTokens, outputTokens, 0, 0, 0, 0, false);
  }

  /** All prompt-side tokens: plain input, cache reads and cache writes. Tiered prices key on this. */
  public long promptTokens() {
    return inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens;
  }

  public Usage withCache(long cacheRead, long cacheWrite5m, long cacheWrite1h) {
    return new Usage(model, inputTokens, outputTokens, cacheRead, cacheWrite5m, cacheWrite1h,
        reasoningTokens, estimated, serviceTier, audioInputTokens, audioOutputTokens);
  }

  public Usage withReasoning(long reasoning) {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoning, estimated, serviceTier, audioInputTokens, audioOutputTokens);
  }

  public Usage asEstimated() {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoningTokens, true, serviceTier, audioInputTokens, audioOutputTokens);
  }

  /** This usage as served in OpenAI's service tier {@code tier} ({@code null}: unknown, priced at standard rates). */
  public Usage withServiceTier(String tier) {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoningTokens, estimated, tier, audioInputTokens, audioOutputTokens);
  }

  /**
   * This usage with {@code in} of its input tokens and {@code out} of its output tokens in audio.
   *
   * @throws IllegalArgumentException when they are more than the input tokens, or than the output
   *     tokens beside the reasoning tokens
   */
  public Usage withAudio(long in, long out) {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoningTokens, estimated, serviceTier, in, out);
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative, was " + value);
    }
  }
}
