package dev.llmbudget.store;

/**
 * For StoreScaleHarness only: runs a store's eviction sweep now instead of waiting for its thread,
 * so the heap after eviction is measured at a known point. Lives in the store's package because
 * the sweep is not public API.
 */
public final class EvictionProbe {

  private EvictionProbe() {}

  /** Evicts every budget of {@code store} that holds no reservation (two sweeps: mark, move); returns how many. */
  public static int evictNow(BudgetStore store) {
    Ledger ledger = ((LedgerStore) store).ledger;
    return ledger.evictIdle() + ledger.evictIdle();
  }
}
