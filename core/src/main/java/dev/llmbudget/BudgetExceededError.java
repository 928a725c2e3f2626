package dev.llmbudget;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Thrown before an LLM call goes out when the global budget or the current user's budget cannot
 * cover it. It is unchecked so that it crosses SDK code unchanged; it is the one exception the
 * agent lets escape into the host on purpose. Subclasses refuse calls for other reasons (a budget
 * that cannot be checked); their figures may be {@code null}.
 */
public class BudgetExceededError extends RuntimeException {
  private static final long serialVersionUID = 2L;

  private final BigDecimal spent;
  private final BigDecimal reserved;
  private final BigDecimal limit;
  private final BigDecimal callReservation;
  private final String user;

  /** A refusal without figures for calls in flight: as the full constructor with nothing reserved. */
  public BudgetExceededError(BigDecimal currentCost, BigDecimal budget, String user, BigDecimal needed) {
    this(user, currentCost, BigDecimal.ZERO, budget, needed, null);
  }

  /**
   * A refusal by {@code user}'s budget ({@code null}: the global one), with what it had spent and
   * reserved for calls in flight, its limit, and what this call would have reserved; {@code note}
   * (nullable) says briefly what that reservation assumed, e.g. {@code max_tokens 800}.
   */
  public BudgetExceededError(String user, BigDecimal spent, BigDecimal reserved, BigDecimal limit,
      BigDecimal callReservation, String note) {
    super(message(user, spent, reserved, limit, callReservation, note), null, false, true);
    this.spent = spent;
    this.reserved = reserved == null ? BigDecimal.ZERO : reserved;
    this.limit = limit;
    this.callReservation = callReservation == null ? BigDecimal.ZERO : callReservation;
    this.user = user;
  }

  /** For subclasses that refuse a call for another reason than a budget's figures; those getters return {@code null}. */
  protected BudgetExceededError(String message, Throwable cause) {
    super(message, cause);
    this.spent = null;
    this.reserved = null;
    this.limit = null;
    this.callReservation = null;
    this.user = null;
  }

  private static String message(String user, BigDecimal spent, BigDecimal reserved, BigDecimal limit,
      BigDecimal call, String note) {
    String who = user == null ? "Global LLM budget" : "LLM budget of user '" + user + "'";
    if (spent.compareTo(limit) >= 0) {
      return who + " is used up: spent $" + plain(spent) + " of $" + plain(limit);
    }
    StringBuilder m = new StringBuilder(who).append(" would be exceeded: spent $").append(plain(spent))
        .append(" + reserved $").append(plain(reserved == null ? BigDecimal.ZERO : reserved))
        .append(" of $").append(plain(limit));
    if (call != null && call.signum() > 0) {
      m.append("; this call may cost up to $").append(plain(call));
      if (note != null && !note.isBlank()) {
        m.append(" (").append(note).append(')');
      }
    }
    return m.toString();
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  /** What the refusing budget has spent in its current period, in US dollars; same as {@link #spent()}. */
  public BigDecimal currentCost() {
    return spent;
  }

  /** The refusing budget's limit, in US dollars; same as {@link #limit()}. */
  public BigDecimal budget() {
    return limit;
  }

  /** What the refusing budget has spent (settled) in its current period, in US dollars. */
  public BigDecimal spent() {
    return spent;
  }

  /** What calls in flight had reserved on the refusing budget, in US dollars. */
  public BigDecimal reserved() {
    return reserved;
  }

  /** The refusing budget's limit, in US dollars. */
  public BigDecimal limit() {
    return limit;
  }

  /** What this call would have reserved (its worst-case cost), in US dollars; zero when unknown. */
  public BigDecimal callReservation() {
    return callReservation;
  }

  /** True when the budget has nothing left (spent reaches the limit), rather than this call not fitting. */
  public boolean isUsedUp() {
    return spent != null && limit != null && spent.compareTo(limit) >= 0;
  }

  /** The user whose budget refused; empty when it was the global budget. */
  public Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /** True when the process-wide budget refused rather than a user's. */
  public boolean isGlobal() {
    return user == null;
  }
}
