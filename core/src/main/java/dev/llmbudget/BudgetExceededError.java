package dev.llmbudget;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Thrown before an LLM call goes out when the global budget or the current user's budget cannot
 * cover it. It is unchecked so that it crosses SDK code unchanged; it and its subclasses (a budget
 * that cannot be checked, a model that cannot be priced) are the only exceptions the agent lets
 * escape into the host on purpose.
 */
public class BudgetExceededError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final BigDecimal currentCost;
  private final BigDecimal budget;
  private final String user;

  public BudgetExceededError(BigDecimal currentCost, BigDecimal budget, String user, BigDecimal needed) {
    super(message(currentCost, budget, user, needed), null, false, true);
    this.currentCost = currentCost;
    this.budget = budget;
    this.user = user;
  }

  /**
   * For a subclass that refuses a call for another reason than spend; its {@link #currentCost()}
   * and {@link #budget()} are {@code null}.
   */
  protected BudgetExceededError(String message, Throwable cause) {
    super(message, cause, false, true);
    this.currentCost = null;
    this.budget = null;
    this.user = null;
  }

  private static String message(BigDecimal spent, BigDecimal budget, String user, BigDecimal needed) {
    String who = user == null ? "Global LLM budget" : "LLM budget of user '" + user + "'";
    String need = needed == null || needed.signum() == 0
        ? "" : "; this call needs up to $" + needed.stripTrailingZeros().toPlainString();
    return who + " exceeded: spent $" + plain(spent) + " of $" + plain(budget) + need;
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  /** What the exhausted budget has spent in its current period, in US dollars. */
  public BigDecimal currentCost() {
    return currentCost;
  }

  /** The exhausted budget's limit, in US dollars. */
  public BigDecimal budget() {
    return budget;
  }

  /** The user whose budget ran out; empty when it was the global budget. */
  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /** True when the process-wide budget ran out rather than a user's. */
  public boolean isGlobal() {
    return user == null;
  }
}
