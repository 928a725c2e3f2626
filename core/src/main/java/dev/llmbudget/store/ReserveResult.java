package dev.llmbudget.store;

/**
 * The answer of {@link BudgetStore#reserve}: {@link #OK} when every budget took the reservation,
 * otherwise the first budget that could not, with what it had spent and reserved, and its limit.
 */
public final class ReserveResult {
  /** Every budget took the reservation. Shared, so success allocates nothing. */
  public static final ReserveResult OK = new ReserveResult(null, 0, 0, 0);

  private final String exhaustedKey;
  private final long spent;
  private final long reserved;
  private final long limit;

  private ReserveResult(String exhaustedKey, long spent, long reserved, long limit) {
    this.exhaustedKey = exhaustedKey;
    this.spent = spent;
    this.reserved = reserved;
    this.limit = limit;
  }

  /** A refusal by the budget under {@code key}, with what it had spent and reserved, and its limit. */
  public static ReserveResult exhausted(String key, long spentPico, long reservedPico, long limitPico) {
    return new ReserveResult(key, spentPico, reservedPico, limitPico);
  }

  public boolean isOk() {
    return exhaustedKey == null;
  }

  /** The key of the budget that refused, or {@code null} when {@link #isOk()}. */
  public String exhaustedKey() {
    return exhaustedKey;
  }

  public long spentPico() {
    return spent;
  }

  /** What calls in flight held on the refusing budget when it refused. */
  public long reservedPico() {
    return reserved;
  }

  public long limitPico() {
    return limit;
  }
}
