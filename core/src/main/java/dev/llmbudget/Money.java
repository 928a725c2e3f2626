package dev.llmbudget;

import dev.llmbudget.store.Picodollars;
import java.math.BigDecimal;

/** Validation of dollar amounts that users hand in. */
final class Money {
  private Money() {}

  static BigDecimal parseBudget(String text, String what) {
    BigDecimal v;
    try {
      v = new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a dollar amount (e.g. 5.00)");
    }
    return checkBudget(v, what);
  }

  static BigDecimal budget(double value, String what) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a finite dollar amount, was " + value);
    }
    return checkBudget(BigDecimal.valueOf(value), what);
  }

  static BigDecimal checkBudget(BigDecimal v, String what) {
    if (v == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (v.signum() < 0) {
      throw new IllegalArgumentException(what + " must not be negative, was " + v.toPlainString());
    }
    if (v.compareTo(Picodollars.MAX_DOLLARS) > 0) {
      throw new IllegalArgumentException(what + " $" + v.toPlainString()
          + " is beyond the largest supported budget of $" + Picodollars.MAX_DOLLARS.toPlainString());
    }
    return v;
  }
}
