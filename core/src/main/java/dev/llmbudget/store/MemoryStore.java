package dev.llmbudget.store;

import java.time.Clock;
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
   * A store that packs budgets unused for {@code evictIdleAfter} (and holding no reservation) out of
   * its live map on a daemon thread, and unpacks one on its next use; zero: never.
   */
  public MemoryStore(String name, ZoneId zone, Duration evictIdleAfter) {
    this(name, zone, evictIdleAfter, Clock.system(zone));
  }

  MemoryStore(String name, ZoneId zone, Duration evictIdleAfter, Clock clock) {
    super(zone, evicts(evictIdleAfter));
    this.name = name;
    if (evicts(evictIdleAfter)) {
      long idle = evictIdleAfter.toMillis();
      sweeper = new PeriodicFlusher(describe(), Duration.ofMillis(sweepEveryMillis(evictIdleAfter)), () -> true,
          () -> {
            ledger.evictIdle(clock.millis(), idle);
          });
    } else {
      sweeper = null;
    }
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
