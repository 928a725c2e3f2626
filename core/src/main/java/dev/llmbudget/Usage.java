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
    String serviceTier) {

  /** A usage whose service tier is unknown, priced at the standard rates: the shape before service tiers. */
  public Usage(String model, long inputTokens, long outputTokens, long cacheReadTokens, long cacheWrite5mTokens,
      long cacheWrite1hTokens, long reasoningTokens, boolean estimated) {
    this(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens,
        estimated, null);
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
        reasoningTokens, estimated, serviceTier);
  }

  public Usage withReasoning(long reasoning) {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoning, estimated, serviceTier);
  }

  public Usage asEstimated() {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoningTokens, true, serviceTier);
  }

  /** This usage as served in OpenAI's service tier {@code tier} ({@code null}: unknown, priced at standard rates). */
  public Usage withServiceTier(String tier) {
    return new Usage(model, inputTokens, outputTokens, cacheReadTokens, cacheWrite5mTokens,
        cacheWrite1hTokens, reasoningTokens, estimated, tier);
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must not be negative, was " + value);
    }
  }
}
