package dev.llmbudget.store;

import java.time.Duration;
import java.time.ZoneId;

/** Budgets held in this JVM only; gone when it exits. For tests and for stateless workers. */
public final class MemoryStore extends LedgerStore {

  private final String name;
  private final PeriodicFlusher sweeper;

  public MemoryStore(String name, ZoneId zone) {
    this(name, zone, Duration.ZERO);
  }

  /**
   * A store that packs budgets unused for {@code evictIdleAfter} to twice that (and holding no
   * reservation) out of its live map on a daemon thread, and unpacks one on its next use; zero: never.
   */
  public MemoryStore(String name, ZoneId zone, Duration evictIdleAfter) {
    super(zone, evicts(evictIdleAfter));
    this.name = name;
    // a sweep every idle span: marked at one, evicted at the next if unused in between
    sweeper = evicts(evictIdleAfter)
        ? new PeriodicFlusher(describe(), evictIdleAfter, () -> true, () -> {
          ledger.evictIdle();
        })
        : null;
  }

  @Override
  public String describe() {
    return "memory store '" + name + "'";
  }

  @Override
  public void flush() {}

  /** Stops the eviction sweep, if any; the budgets stay readable. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.stop();
    }
  }
}
