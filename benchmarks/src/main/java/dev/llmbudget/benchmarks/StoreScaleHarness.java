package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.EvictionProbe;
import dev.llmbudget.store.LocalFileStore;
import dev.llmbudget.store.MemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * How the stores scale with users, measured rather than timed: heap per user after a full GC, and
 * the CPU and bytes the local store's flushes cost while one thread charges without pause. A plain
 * harness, not JMH, because both figures are about a steady state (a heap, a flush thread) that
 * JMH's per-operation loop does not model.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.llmbudget.benchmarks.StoreScaleHarness memory 1000000
 * java -cp benchmarks/target/benchmarks.jar dev.llmbudget.benchmarks.StoreScaleHarness flush 100000 20
 * </pre>
 *
 * {@code memory N}: N budgets (explicit limit, monthly, no model breakdown, each created at its own
 * instant) in the memory store and
 * in the local store (file written once, then opened again so it is loaded as a restarted JVM sees
 * it), and N users that only have spend under one model; heap after GC minus the heap before,
 * divided by N, user-id strings included (each {@code user-<i>}, 48–56 bytes of it).
 * {@code flush N S}: a local file of N users, each with two models of spend, charged by one thread
 * for S seconds at full speed round-robin over the users, with the default 1 s flush interval;
 * prints the flush thread's CPU time per second, the number of writes, bytes written and file size.
 */
public final class StoreScaleHarness {

  private static final BigDecimal LIMIT = new BigDecimal("100");
  private static final long PICO = 10_000_000L;

  private StoreScaleHarness() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "memory";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    System.out.println("# " + mode + " " + n + " users, load " + load() + ", java " + System.getProperty("java.version")
        + ", -Xmx " + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    if ("memory".equals(mode)) {
      memory(n);
    } else if ("flush".equals(mode)) {
      flush(n, args.length > 2 ? Integer.parseInt(args[2]) : 20);
    } else {
      throw new IllegalArgumentException("mode is memory or flush, was " + mode);
    }
  }

  // Each case in its own method, so nothing of the previous case is reachable from this frame.
  private static void memory(int n) throws Exception {
    memoryBudgets(n);
    memorySpendOnly(n);
    memoryBudgetsEvicted(n);
    memorySpendOnlyEvicted(n);
    Path dir = Files.createTempDirectory("llmbudget-scale");
    Path file = dir.resolve("user_cost.json");
    try {
      writeBudgets(file, n);
      System.out.printf(Locale.ROOT, "file: %,d bytes (%.0f bytes a user)%n", Files.size(file), Files.size(file) / (double) n);
      localLoaded(file, n);
      localEvicted(file, n);
    } finally {
      try (var leftovers = Files.list(dir)) {
        leftovers.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  private static void memoryBudgets(int n) throws Exception {
    long before = usedAfterGc();
    try (BudgetStore s = new MemoryStore("scale", ZoneOffset.UTC)) {
      for (int i = 0; i < n; i++) {
        // each its own creation instant, as budgets created over time have
        s.putBudget("user-" + i, LIMIT, BudgetDuration.MONTHLY, T0.plusMillis(i));
      }
      report("memory store, budget per user, no model breakdown", usedAfterGc() - before, n);
      String[] k = {"user-7"};
      long id = s.newReservationId();
      s.reserve(id, k, PICO, T0, T0.plusSeconds(600)); // keeps s reachable up to here
    }
  }

  private static void memorySpendOnly(int n) throws Exception {
    long before = usedAfterGc();
    try (BudgetStore s = new MemoryStore("scale", ZoneOffset.UTC)) {
      for (int i = 0; i < n; i++) {
        s.charge(new String[] {"user-" + i}, PICO, "gpt-4o-mini", T0);
      }
      report("memory store, no budget, spend under one model", usedAfterGc() - before, n);
      s.charge(new String[] {"user-7"}, PICO, "gpt-4o-mini", T0);
    }
  }

  /** Eviction (issue 14): the same budgets, hot and then after a sweep packed them all. */
  private static void memoryBudgetsEvicted(int n) throws Exception {
    long before = usedAfterGc();
    try (BudgetStore s = new MemoryStore("scale", ZoneOffset.UTC, Duration.ofHours(1))) {
      for (int i = 0; i < n; i++) {
        s.putBudget("user-" + i, LIMIT, BudgetDuration.MONTHLY, T0.plusMillis(i));
      }
      report("memory store with eviction on, budget per user, hot", usedAfterGc() - before, n);
      long t = System.nanoTime();
      int moved = EvictionProbe.evictNow(s);
      System.out.printf(Locale.ROOT, "  sweep: %,d evicted in %d ms%n", moved, (System.nanoTime() - t) / 1_000_000);
      report("memory store, budget per user, evicted", usedAfterGc() - before, n);
      String[] k = {"user-7"};
      long id = s.newReservationId();
      s.reserve(id, k, PICO, T0, T0.plusSeconds(600));
    }
  }

  private static void memorySpendOnlyEvicted(int n) throws Exception {
    long before = usedAfterGc();
    try (BudgetStore s = new MemoryStore("scale", ZoneOffset.UTC, Duration.ofHours(1))) {
      for (int i = 0; i < n; i++) {
        s.charge(new String[] {"user-" + i}, PICO, "gpt-4o-mini", T0);
      }
      EvictionProbe.evictNow(s);
      report("memory store, no budget, spend under one model, evicted", usedAfterGc() - before, n);
      s.charge(new String[] {"user-7"}, PICO, "gpt-4o-mini", T0);
    }
  }

  private static void writeBudgets(Path file, int n) {
    try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1))) {
      for (int i = 0; i < n; i++) {
        s.putBudget("user-" + i, LIMIT, BudgetDuration.MONTHLY, T0);
      }
    }
  }

  private static void localLoaded(Path file, int n) throws Exception {
    long before = usedAfterGc();
    Instant lease = T0.plusSeconds(600);
    try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1))) {
      report("local store, budget per user, no model breakdown, loaded", usedAfterGc() - before, n);
      // every user used once, as a live JVM would
      for (int i = 0; i < n; i++) {
        String[] k = {"user-" + i};
        long id = s.newReservationId();
        s.reserve(id, k, PICO, T0, lease);
        s.settle(id, 0, null, T0);
      }
      report("local store, same, after one reserve+release each", usedAfterGc() - before, n);
      s.flush();
      report("local store, same, after a flush", usedAfterGc() - before, n);
    }
  }

  private static void localEvicted(Path file, int n) throws Exception {
    long before = usedAfterGc();
    try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), Duration.ofHours(1))) {
      report("local store with eviction on, loaded (hot)", usedAfterGc() - before, n);
      EvictionProbe.evictNow(s);
      report("local store, evicted (the file's baseline copy stays)", usedAfterGc() - before, n);
      s.charge(new String[] {"user-7"}, PICO, "gpt-4o-mini", T0);
      long t = System.nanoTime();
      s.flush();
      System.out.printf(Locale.ROOT, "  flush with all evicted: %d ms%n", (System.nanoTime() - t) / 1_000_000);
      report("local store, evicted, after a flush", usedAfterGc() - before, n);
    }
  }

  private static void flush(int n, int seconds) throws Exception {
    Instant now = T0;
    Instant lease = now.plusSeconds(600);
    Path dir = Files.createTempDirectory("llmbudget-scale");
    Path file = dir.resolve("user_cost.json");
    String[][] keys = new String[n][];
    for (int i = 0; i < n; i++) {
      keys[i] = new String[] {BudgetStore.GLOBAL_KEY, "user-" + i};
    }
    try {
      try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1))) {
        for (int i = 0; i < n; i++) {
          s.putBudget(keys[i][1], LIMIT, BudgetDuration.MONTHLY, now);
          s.charge(keys[i], PICO, "gpt-4o-mini", now);
          s.charge(keys[i], PICO, "claude-3-5-haiku", now);
        }
      }
      long size0 = Files.size(file);
      System.out.printf(Locale.ROOT, "file with %,d users: %,d bytes%n", n, size0);
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      directFlushes(file, keys, mx, lease);
      if (seconds == 0) {
        return;
      }
      long cpuBefore = flushThreadsCpu(mx);
      long writes = 0;
      long bytes = 0;
      long charges = 0;
      Object lastStamp = Files.getLastModifiedTime(file);
      long mainCpu0 = mx.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofSeconds(1))) {
        long end = t0 + seconds * 1_000_000_000L;
        int u = 0;
        while (System.nanoTime() < end) {
          for (int j = 0; j < 1000; j++) {
            String[] k = keys[u];
            u = u + 1 == n ? 0 : u + 1;
            long id = s.newReservationId();
            s.reserve(id, k, PICO, now, lease);
            s.settle(id, PICO, (j & 1) == 0 ? "gpt-4o-mini" : "claude-3-5-haiku", now);
            charges++;
          }
          Object stamp = Files.getLastModifiedTime(file);
          if (!stamp.equals(lastStamp)) {
            lastStamp = stamp;
            writes++;
            bytes += Files.size(file);
          }
        }
        long wall = System.nanoTime() - t0;
        long flushCpu = flushThreadsCpu(mx) - cpuBefore;
        long mainCpu = mx.getCurrentThreadCpuTime() - mainCpu0;
        System.out.printf(Locale.ROOT, "charged %,d calls in %.1f s (%,.0f/s incl. watching the file; caller CPU %.1f s)%n",
            charges, wall / 1e9, charges / (wall / 1e9), mainCpu / 1e9);
        System.out.printf(Locale.ROOT, "flush thread CPU: %.3f s in %.1f s = %.1f%% of one core%n",
            flushCpu / 1e9, wall / 1e9, 100.0 * flushCpu / wall);
        System.out.printf(Locale.ROOT, "file writes seen: %d (%.2f/s), %,d bytes written (%,.0f bytes/s), file now %,d bytes%n",
            writes, writes / (wall / 1e9), bytes, bytes / (wall / 1e9), Files.size(file));
        if (writes > 0) {
          System.out.printf(Locale.ROOT, "flush CPU per write: %.1f ms%n", flushCpu / 1e6 / writes);
        }
      }
    } finally {
      try (var leftovers = Files.list(dir)) {
        leftovers.forEach(p -> p.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  /**
   * The flush itself, on this thread, so its CPU time is measured exactly whatever the load:
   * rounds of one charge for every user (each flush then has every entry changed) and one flush.
   */
  private static void directFlushes(Path file, String[][] keys, ThreadMXBean mx, Instant lease) {
    Instant now = T0;
    try (BudgetStore s = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1))) {
      for (int round = 0; round < 6; round++) {
        long c0 = mx.getCurrentThreadCpuTime();
        for (String[] k : keys) {
          long id = s.newReservationId();
          s.reserve(id, k, PICO, now, lease);
          s.settle(id, PICO, "gpt-4o-mini", now);
        }
        long c1 = mx.getCurrentThreadCpuTime();
        long w1 = System.nanoTime();
        s.flush();
        long c2 = mx.getCurrentThreadCpuTime();
        long w2 = System.nanoTime();
        long idle0 = mx.getCurrentThreadCpuTime();
        s.flush(); // nothing changed
        long idle1 = mx.getCurrentThreadCpuTime();
        System.out.printf(Locale.ROOT, "round %d: %,d reserve+settle in %.0f ms CPU; flush of all %,d users: %.0f ms CPU"
                + " (%.0f ms wall), file %,d bytes; flush with nothing changed: %.1f ms CPU%n",
            round, keys.length, (c1 - c0) / 1e6, keys.length, (c2 - c1) / 1e6, (w2 - w1) / 1e6,
            fileSize(file), (idle1 - idle0) / 1e6);
      }
    }
  }

  private static long fileSize(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** CPU time of every live {@code llm-budget-flush} thread (the store's daemon). */
  private static long flushThreadsCpu(ThreadMXBean mx) {
    long sum = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("llm-budget-flush")) {
        long c = mx.getThreadCpuTime(t.getId());
        sum += Math.max(0, c);
      }
    }
    return sum;
  }

  private static void report(String what, long bytes, int n) {
    System.out.printf(Locale.ROOT, "%-58s %,14d bytes = %6.1f bytes a user%n", what + ":", bytes, bytes / (double) n);
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "?";
    }
  }
}
