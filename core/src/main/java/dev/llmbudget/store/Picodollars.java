package dev.llmbudget.store;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money inside stores is a {@code long} count of picodollars (10^-12 USD): exact for every price
 * in the LiteLLM table, lock-free to add, and good for sums up to about 9.2 million dollars.
 */
public final class Picodollars {
  /** The largest amount a budget or a spend may reach, in US dollars. */
  public static final BigDecimal MAX_DOLLARS = BigDecimal.valueOf(Long.MAX_VALUE).movePointLeft(12);

  private Picodollars() {}

  /**
   * Converts dollars to picodollars, rounding up anything finer than a picodollar so that no cost
   * is ever rounded down to free.
   *
   * @throws IllegalArgumentException when the amount is beyond {@link #MAX_DOLLARS}
   */
  public static long of(BigDecimal dollars) {
    if (dollars.scale() <= 12) {
      // whole picodollars (every price and every cost of the table): nothing to round
      try {
        return dollars.movePointRight(12).longValueExact();
      } catch (ArithmeticException beyondALong) {
        // the error below names the amount
      }
    }
    BigDecimal pico = dollars.movePointRight(12).setScale(0, RoundingMode.CEILING);
    if (pico.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("amount $" + dollars.toPlainString()
          + " is beyond the largest supported amount of $" + MAX_DOLLARS.toPlainString());
    }
    return pico.longValueExact();
  }

  /** Converts picodollars to dollars, exactly, without trailing zeros ({@code 0.000855}, not {@code 0.000855000000}). */
  public static BigDecimal toDollars(long pico) {
    BigDecimal d = BigDecimal.valueOf(pico, 12).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0) : d;
  }

  /** {@code a + b}, pinned at {@link Long#MAX_VALUE} or {@link Long#MIN_VALUE} instead of wrapping. */
  public static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  /**
   * Whether {@code amount} fits next to {@code spent} and {@code reserved} under {@code limit}: a budget
   * that has spent its limit refuses even a zero reservation, and the sum saturates instead of wrapping,
   * so a huge amount is refused, never let through as a negative total. The one rule of every store.
   */
  public static boolean fits(long spent, long reserved, long amount, long limit) {
    return spent < limit && saturatedAdd(saturatedAdd(spent, reserved), amount) <= limit;
  }
}
