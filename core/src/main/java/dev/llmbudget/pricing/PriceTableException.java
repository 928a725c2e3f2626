package dev.llmbudget.pricing;

/**
 * A price table could not be read or makes no sense. The message names the source (file path or
 * URL) and, where it is known, the model key, the field and the line and column.
 */
public final class PriceTableException extends RuntimeException {

  public PriceTableException(String message) {
    super(message);
  }

  public PriceTableException(String message, Throwable cause) {
    super(message, cause);
  }
}
