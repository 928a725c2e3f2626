package dev.llmbudget.store;

import dev.llmbudget.internal.Log;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The daemon thread {@code llm-budget-flush} that makes a store durable off the hot path: every
 * interval it flushes if the store is dirty; after a failure it logs and waits twice as long each
 * time (up to a minute, or the interval if longer) before retrying. A store may ask for a longer
 * wait after a flush (the local file asks for one that grows with the file's size), so flushing a
 * large store does not take a large share of a core.
 */
final class PeriodicFlusher {

  private static final long MAX_BACKOFF_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final CountDownLatch stop = new CountDownLatch(1);
  private final Thread thread;

  PeriodicFlusher(String storeName, Duration interval, BooleanSupplier dirty, Runnable flush) {
    this(storeName, interval, dirty, () -> {
      flush.run();
      return 0;
    });
  }

  /** As above, {@code flush} returning the least nanoseconds to wait before the next one (0: the interval). */
  PeriodicFlusher(String storeName, Duration interval, BooleanSupplier dirty, LongSupplier flush) {
    long base = requirePositive(interval).toNanos();
    thread = new Thread(() -> run(storeName, base, dirty, flush), "llm-budget-flush");
    thread.setDaemon(true);
    thread.start();
  }

  static Duration requirePositive(Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("flush interval must be positive, was " + interval);
    }
    return interval;
  }

  private void run(String storeName, long base, BooleanSupplier dirty, LongSupplier flush) {
    long wait = base;
    int failures = 0;
    try {
      while (!stop.await(wait, TimeUnit.NANOSECONDS)) {
        try {
          long atLeast = dirty.getAsBoolean() ? flush.getAsLong() : 0;
          if (failures > 0) {
            Log.info("llm-budget: " + storeName + " is durable again after " + failures + " failed flushes");
          }
          failures = 0;
          wait = Math.max(base, atLeast);
        } catch (RuntimeException e) {
          failures++;
          wait = Math.min(Math.max(base, MAX_BACKOFF_NANOS), wait * 2);
          Log.warn("llm-budget: flushing " + storeName + " failed (attempt " + failures
              + "); keeping the spend in memory and retrying in " + Duration.ofNanos(wait).toMillis() + " ms", e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the thread and waits for a flush in progress to finish. */
  void stop() {
    stop.countDown();
    if (Thread.currentThread() != thread) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
