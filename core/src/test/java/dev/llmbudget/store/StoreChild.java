package dev.llmbudget.store;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.locks.LockSupport;

/**
 * A second JVM for the store tests. {@code crash <file> <amountPico>} charges in a tight loop and
 * reports {@code <charges done> <millis since start>} about every 50 ms until it is killed;
 * {@code charge <file> <count> <amountPico>} charges {@code count} times, closes the store and exits;
 * {@code exit <file> <count> <amountPico>} charges and returns from main without closing the store.
 */
public final class StoreChild {

  static final String KEY = "shared";
  static final Duration CRASH_FLUSH_INTERVAL = Duration.ofMillis(200);

  private StoreChild() {}

  public static void main(String[] args) {
    Path file = Path.of(args[1]);
    if (args[0].equals("crash")) {
      crash(file, Long.parseLong(args[2]));
    } else if (args[0].equals("exit")) {
      exitWithoutClose(file, Integer.parseInt(args[2]), Long.parseLong(args[3]));
    } else {
      charge(file, Integer.parseInt(args[2]), Long.parseLong(args[3]));
    }
  }

  private static void crash(Path file, long amount) {
    LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, CRASH_FLUSH_INTERVAL);
    store.putBudget(KEY, new BigDecimal("1000000"), null, Instant.now());
    store.flush(); // as an application would at startup; it also loads the classes the flush thread needs
    String[] keys = {KEY};
    long start = System.nanoTime();
    long done = 0;
    // Calibrate a batch that takes about 50 ms, so every line bounds what was charged after it.
    while (System.nanoTime() - start < 50_000_000L) {
      store.charge(keys, amount, "crash-model", Instant.now());
      done++;
    }
    long batch = done;
    System.out.println("batch " + batch);
    while (true) {
      System.out.println(done + " " + (System.nanoTime() - start) / 1_000_000);
      System.out.flush();
      for (long i = 0; i < batch; i++) {
        store.charge(keys, amount, "crash-model", Instant.now());
      }
      done += batch;
    }
  }

  private static void charge(Path file, int count, long amount) {
    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofMillis(10))) {
      store.putBudgetIfAbsent(KEY, new BigDecimal("1000000"), null, Instant.now());
      System.out.println("started");
      System.out.flush();
      String[] keys = {KEY};
      for (int i = 0; i < count; i++) {
        store.charge(keys, amount, "child", Instant.now());
        LockSupport.parkNanos(100_000);
      }
    }
  }

  private static void exitWithoutClose(Path file, int count, long amount) {
    LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1));
    String[] keys = {KEY};
    for (int i = 0; i < count; i++) {
      store.charge(keys, amount, "exit", Instant.now());
    }
  }
}
