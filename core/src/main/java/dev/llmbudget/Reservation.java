package dev.llmbudget;

import java.math.BigDecimal;

/**
 * Money set aside for one LLM call before it goes out, against the global budget and the user's.
 * Settle it exactly once: {@link #commit} with what the call really cost, or {@link #release} when
 * it failed; {@link #close} releases a reservation that was never settled.
 */
public interface Reservation extends AutoCloseable {

  /** The user whose budget holds the reservation, or {@code null} for the global budget only. */
  String user();

  /** The reserved amount in US dollars. */
  BigDecimal amount();

  /** Prices {@code usage} with the price table, charges it, and frees the reservation; returns the cost. */
  BigDecimal commit(Usage usage);

  /** Charges {@code cost} under {@code model} and frees the reservation. */
  void commit(BigDecimal cost, String model);

  /** Frees the reservation without charging anything. */
  void release();

  /** Releases the reservation if it was not settled yet. */
  @Override
  void close();
}
