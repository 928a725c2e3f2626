package dev.llmbudget.store;

/**
 * A store could not read or write its state: a corrupt or locked file, a budget server that is
 * down, slow or answers garbage. The message names the file or server; nothing held in memory is
 * dropped when it is thrown.
 */
public final class BudgetStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BudgetStoreException(String message) {
    super(message);
  }

  public BudgetStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
