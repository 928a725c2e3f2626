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
    baseline = shared;
  }

  /**
   * Folds what others added to {@code shared} since the last sync into {@code ledger}: new keys are
   * imported, changed terms adopted, and spend in the same period added as a delta. A newer period
   * (another writer's reset) is adopted together with this JVM's charges not yet synced; a budget
   * that two writers created independently keeps the shared copy's period and the sum of both
   * spends. Afterwards {@code shared} is the baseline, so a write that then fails does not count
   * the same delta twice.
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
        ledger.putBudget(key, theirs.limit(), theirs.duration(), ours.createdAt(), now);
      }
      Instant mine = ours.createdAt();
      if (theirs.createdAt() != null && mine != null && theirs.createdAt().isBefore(mine)) {
        // Two writers that created the same entry before either synced (a user both charged, the
        // global entry of JVMs without max_budget) keep the earlier creation, so their copies
        // converge and idle JVMs stop rewriting the file for each other.
        ledger.recreated(ours, theirs.createdAt());
      }
      long theirStart = theirs.periodStart().toEpochMilli();
      if (ledger.nextResetAfter(theirs.periodStart(), theirs.duration(), theirs.createdAt()) <= t) {
        return; // their spend belongs to a period that is over
      }
      Ledger.State cur = ours.current(ledger, t);
      boolean theirBaseIsOld = base == null || !base.periodStart().equals(theirs.periodStart());
      if (theirStart == cur.periodStart) {
        long delta = theirs.spent() - (theirBaseIsOld ? 0 : base.spent());
        Map<String, Long> models = minus(theirs.models(), theirBaseIsOld ? Map.of() : base.models());
        if (delta != 0 || !models.isEmpty()) {
          ours.addExternal(ledger, theirStart, delta, models, t);
        }
      } else if (base == null) {
        ours.rebase(ledger, theirStart, theirs.spent(), theirs.models());
      } else if (theirStart > cur.periodStart) {
        boolean synced = base.periodStart().toEpochMilli() == cur.periodStart;
        ours.adoptPeriod(ledger, theirs, synced ? base.spent() : 0, synced ? base.models() : Map.of());
      }
      // Otherwise this JVM reset more recently than the other writer did: its spend is of an older period.
    });
    baseline = shared;
  }

  private static Map<String, Long> minus(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> out = new HashMap<>();
    a.forEach((m, v) -> {
      long d = v - b.getOrDefault(m, 0L);
      if (d != 0) {
        out.put(m, d);
      }
    });
    return out;
  }

  /** The ledger as it should be written now; call {@link #written} once the write has succeeded. */
  Map<String, StoredBudget> export(Ledger ledger) {
    return ledger.storedBudgets();
  }

  /**
   * Takes what was just written as the baseline. The callers hand over maps they no longer touch
   * (a fresh parse, a fresh export), so they are kept as they are: a copy of 100,000 entries per
   * flush bought nothing.
   */
  void written(Map<String, StoredBudget> exported) {
    baseline = exported;
  }

  /** What this JVM last read or wrote: the shared copy as it was at the last sync. */
  Map<String, StoredBudget> baseline() {
    return baseline;
  }
}
