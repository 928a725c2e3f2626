package dev.llmbudget;

/**
 * Thrown instead of making an LLM call when the budget cannot be checked (its store cannot be
 * opened or read, the price table cannot be loaded) and {@code llmbudget.on_error} is {@code
 * block}: the budget fails closed. The message names the store or table and the underlying error.
 */
public final class BudgetUnavailableError extends BudgetExceededError {
  private static final long serialVersionUID = 1L;

  public BudgetUnavailableError(String message, Throwable cause) {
    super(message, cause);
  }
}
