package dev.llmbudget.internal;

/**
 * A part the budget depends on (its store, the price table) could not be opened. The message
 * names the part and the underlying error, so that a refusal can quote it as it is.
 */
final class Unavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  Unavailable(String what, Throwable cause) {
    super(what + " is unavailable: " + describe(cause), cause);
  }

  private static String describe(Throwable cause) {
    String m = cause.getMessage();
    return m == null || m.isBlank() ? cause.toString() : m;
  }
}
