package dev.llmbudget;

import java.util.Locale;

/**
 * What happens when a call names a model the price table does not know
 * ({@code llmbudget.unknown_model}). The default is {@link #WARN}: the agent must never break a
 * host whose deployment names we cannot price, but the gap is logged, never silently free.
 */
public enum UnknownModelPolicy {
  /** Refuse the call with {@link dev.llmbudget.pricing.UnknownModelException}. */
  BLOCK,
  /** Log once per model name, charge nothing, and let the call proceed. */
  WARN,
  /** Charge nothing and say nothing. */
  ALLOW;

  public static UnknownModelPolicy parse(String value) {
    if (value == null) {
      throw new IllegalArgumentException("llmbudget.unknown_model must be one of block, warn, allow");
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "block": return BLOCK;
      case "warn": return WARN;
      case "allow": return ALLOW;
      default:
        throw new IllegalArgumentException(
            "llmbudget.unknown_model must be one of block, warn, allow, was '" + value + "'");
    }
  }
}
