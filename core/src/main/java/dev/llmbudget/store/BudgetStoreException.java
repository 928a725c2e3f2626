package dev.llmbudget.store;

/**
 * A store could not read or write its state: a corrupt or locked file, a budget server that is
 * down, slow or answers garbage. The message names the file or server; nothing held in memory is
 * dropped when it is thrown.
 */
public final class BudgetStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean busy;

  public BudgetStoreException(String message) {
    this(message, null, false);
  }

  public BudgetStoreException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private BudgetStoreException(String message, Throwable cause, boolean busy) {
    super(message, cause);
    this.busy = busy;
  }

  /**
   * The server answered, but every connection this JVM may open to it stayed busy past the wait:
   * not an outage, so an {@link OfflineAllowanceStore} spends no allowance on it (the server still
   * holds the truth, and a local admission would overspend it); {@code llmbudget.on_error} decides.
   */
  public static BudgetStoreException busy(String message, Throwable cause) {
    return new BudgetStoreException(message, cause, true);
  }

  /** True when thrown by {@link #busy}: the server is reachable, this JVM's connections to it were all in use. */
  public boolean isBusy() {
    return busy;
  }
}
