package dev.llmbudget.store;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Reconciles a {@link Ledger} with a user dict that other writers share (a file other JVMs write,
 * a budget server). It remembers what this JVM last read or wrote for each key, so whatever the
 * shared copy has gained since then is the other writers' spend and is added, never overwritten.
 * Not thread-safe: the owning store calls it under its flush lock.
 */
final class LedgerSync {

  private Map<String, StoredBudget> baseline = Map.of();

  /** Takes a freshly read shared copy as the state this JVM is in sync with (at open). */
  void load(Ledger ledger, Map<String, StoredBudget> shared) {
    shared.forEach(ledger::restoreIfAbsent);
    baseline = Map.copyOf(shared);
  }

  /**
   * Folds what others added to {@code shared} since the last sync into {@code ledger}: new keys are
   * imported, changed terms adopted, a newer period (another writer's reset) adopted, and spend in
   * the same period added as a delta. Afterwards {@code shared} is the baseline, so a write that
   * then fails does not count the same delta twice.
   */
  void merge(Ledger ledger, Map<String, StoredBudget> shared, Instant now) {
    long t = now.toEpochMilli();
    shared.forEach((key, theirs) -> {
      if (ledger.restoreIfAbsent(key, theirs)) {
        return;
      }
      Ledger.Entry ours = ledger.entry(key);
      StoredBudget base = baseline.get(key);
      if (base != null && !base.sameTerms(theirs)) {
        ledger.putBudget(key, theirs.limit(), theirs.duration(), ours.terms.createdAt(), now);
      }
      long ourStart = ours.state.get().periodStart;
      long theirStart = theirs.periodStart().toEpochMilli();
      if (theirStart > ourStart) {
        ours.adoptPeriod(theirs);
      } else if (theirStart == ourStart) {
        boolean samePeriod = base != null && base.periodStart().equals(theirs.periodStart());
        long delta = theirs.spent() - (samePeriod ? base.spent() : 0);
        Map<String, Long> models = new HashMap<>();
        theirs.models().forEach((m, v) -> {
          long d = v - (samePeriod ? base.models().getOrDefault(m, 0L) : 0L);
          if (d != 0) {
            models.put(m, d);
          }
        });
        if (delta != 0 || !models.isEmpty()) {
          ours.addExternal(theirStart, delta, models, t);
        }
      }
      // An older period in theirs: this JVM has reset since, so that spend belongs to a period that is over.
      // A period of ours that is due to reset is reset inside addExternal, which then drops their old spend.
    });
    baseline = Map.copyOf(shared);
  }

  /** The ledger as it should be written now; call {@link #written} once the write has succeeded. */
  Map<String, StoredBudget> export(Ledger ledger) {
    Map<String, StoredBudget> out = new HashMap<>();
    for (Ledger.Entry e : ledger.entries()) {
      out.put(e.key, e.stored());
    }
    return out;
  }

  void written(Map<String, StoredBudget> exported) {
    baseline = Map.copyOf(exported);
  }
}
