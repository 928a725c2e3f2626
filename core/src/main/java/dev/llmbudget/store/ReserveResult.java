package dev.llmbudget.store;

/**
 * The answer of {@link BudgetStore#reserve}: {@link #OK} when every budget took the reservation,
 * otherwise the first budget that could not, with what it had spent and its limit.
 */
public final class ReserveResult {
  /** Every budget took the reservation. Shared, so success allocates nothing. */
  public static final ReserveResult OK = new ReserveResult(null, 0, 0);

  private final String exhaustedKey;
  private final long spent;
  private final long limit;

  private ReserveResult(String exhaustedKey, long spent, long limit) {
    this.exhaustedKey = exhaustedKey;
    this.spent = spent;
    this.limit = limit;
  }

  public static ReserveResult exhausted(String key, long spentPico, long limitPico) {
    return new ReserveResult(key, spentPico, limitPico);
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

  public long limitPico() {
    return limit;
  }
}
