package dev.llmbudget;

import java.util.Locale;

/**
 * What a call reserves for its output ({@code llmbudget.output_reserve}). The default, {@link
 * #MODEL_MAX}, keeps the budget's promise for requests without an output cap; see {@code
 * docs/hard-caps.md}.
 */
public enum OutputReserve {
  /** An uncapped request reserves the model's maximum output (price table, else the configured default). */
  MODEL_MAX,
  /** The request's cap is lowered (or one is added) to what the remaining budget can pay for. */
  CLAMP,
  /** Only the request's own cap is reserved; an uncapped request reserves its prompt alone. */
  REQUEST;

  public static OutputReserve parse(String value) {
    switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
      case "model_max": return MODEL_MAX;
      case "clamp": return CLAMP;
      case "request": return REQUEST;
      default:
        throw new IllegalArgumentException(
            "llmbudget.output_reserve must be one of model_max, clamp, request, was '" + value + "'");
    }
  }
}
