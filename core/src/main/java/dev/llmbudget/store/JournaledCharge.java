package dev.llmbudget.store;

import dev.llmbudget.Usage;
import java.time.Duration;
import java.time.Instant;

/**
 * A charge that a store has not confirmed yet, replayed until it lands, at most once. Shared by the
 * offline journal of {@link OfflineAllowanceStore} and the settle retries of {@link PendingCharges}.
 *
 * <p>{@code reservationId} is the store's reservation to settle, or -1 for a charge without one,
 * which is replayed as a zero reservation under {@code replayId} and its settle, so a replay whose
 * answer was lost can be repeated without charging twice.
 */
final class JournaledCharge {

  final String[] keys;
  final long actual;
  final String model;
  final Usage usage;
  final String sdk;
  final long reservationId;
  private long replayId = -1;
  /** True once an attempt may have reached the store (its answer can have been lost). */
  private boolean attempted;

  JournaledCharge(String[] keys, long actual, String model, Usage usage, String sdk, long reservationId,
      boolean attempted) {
    this.keys = keys;
    this.sdk = sdk;
    this.actual = actual;
    this.model = model;
    this.usage = usage;
    this.reservationId = reservationId;
    this.attempted = attempted;
  }

  /** The store is known to have lost its data since the last attempt: nothing of it landed for good. */
  void forgetAttempt() {
    attempted = false;
  }

  /**
   * Books this charge on {@code store}; throws (and may be called again) when the store fails. A
   * store's settle is idempotent per reservation id: only the first settle of an id acts, a later one
   * answers false. So a false after an attempt that may have landed means it did, and nothing is
   * charged again; a false before any attempt means the store forgot the reservation (its lease
   * long gone) and the call is charged without one.
   */
  void apply(BudgetStore store, Instant now) {
    if (reservationId >= 0) {
      boolean tried = attempted;
      attempted = true;
      if (!store.settle(reservationId, actual, model, now, usage, sdk) && !tried) {
        store.charge(keys, actual, model, now, usage, sdk);
      }
      return;
    }
    if (replayId < 0) {
      replayId = store.newReservationId();
    }
    if (!attempted) {
      // Until its settle has been tried, the replay's reservation is asked for again: one that
      // landed with its answer lost is still held, and the store says so (already in use). Marking
      // the attempt before the reservation was known to be held made a replay whose reserve failed
      // (the store still down) settle an id the store never held, and the charge was dropped.
      ReserveResult r;
      try {
        r = store.reserve(replayId, keys, 0, now, now.plus(Duration.ofMinutes(10)));
      } catch (IllegalStateException alreadyHeld) {
        r = ReserveResult.OK;
      }
      if (!r.isOk()) {
        // a budget already spent refuses even a zero reservation; the money was spent all the same
        store.charge(keys, actual, model, now, usage, sdk);
        return;
      }
      attempted = true;
    }
    store.settle(replayId, actual, model, now, usage, sdk);
  }
}
