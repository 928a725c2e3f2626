package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.LocalFileStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.ReserveResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * One reserve followed by its settle, the two store operations every LLM call makes, in
 * operations per second (JMH sums the threads). {@code scope=shared}: every thread charges one
 * user and a global budget, so all of them race on the same two entries. {@code scope=many}: each
 * thread charges its own user out of a pool of 1,000 with no global limit, the default set-up; the
 * settle still books the spend under the global key, as a store always does. {@code scope=many-100k}:
 * 100,000 users with a budget each, and every call charges the next one round-robin, so nearly every
 * call misses the CPU caches the way a service with many active users does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class StoreThroughputBenchmark {

  static final int USERS = 1_000;
  static final int MANY_USERS = 100_000;
  /** A thousandth of a cent, a cheap call: 10^11 of them fit the budgets below. */
  static final long AMOUNT_PICO = 10_000_000L;
  static final String MODEL = "gpt-4o-mini";
  static final BigDecimal AMPLE = new BigDecimal("1000000");

  @Param({"memory", "file"})
  public String store;

  @Param({"shared", "many", "many-100k"})
  public String scope;

  BudgetStore budgets;
  String[] sharedKeys;
  String[][] userKeys;
  /** A fixed instant: the stores are measured, not the clock. The engine reads its clock once per call. */
  Instant now;
  Instant lease;
  final AtomicInteger nextUser = new AtomicInteger();
  private Path dir;
  private Path file;

  @Setup(Level.Trial)
  public void open() throws IOException {
    now = Instant.now();
    lease = now.plusSeconds(600);
    if ("memory".equals(store)) {
      budgets = new MemoryStore("benchmark", ZoneOffset.UTC);
    } else if ("memory-evicting".equals(store)) {
      // eviction on (issue 14): the hot path of users the sweep has not taken, with the sweep's thread running
      budgets = new MemoryStore("benchmark", ZoneOffset.UTC, Duration.ofMinutes(10));
    } else {
      dir = Files.createTempDirectory("llmbudget-bench");
      file = dir.resolve("user_cost.json");
      budgets = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofSeconds(1));
    }
    if ("shared".equals(scope)) {
      budgets.putBudget(BudgetStore.GLOBAL_KEY, AMPLE, BudgetDuration.MONTHLY, now);
      budgets.putBudget("shared-user", AMPLE, BudgetDuration.MONTHLY, now);
      sharedKeys = new String[] {BudgetStore.GLOBAL_KEY, "shared-user"};
    } else {
      int users = "many".equals(scope) ? USERS : MANY_USERS;
      userKeys = new String[users][];
      for (int i = 0; i < users; i++) {
        String user = "user-" + i;
        budgets.putBudget(user, AMPLE, BudgetDuration.MONTHLY, now);
        userKeys[i] = new String[] {BudgetStore.GLOBAL_KEY, user};
      }
    }
    nextUser.set(0);
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    budgets.close();
    if (dir != null) {
      if (!Files.exists(file)) {
        System.out.println("NOTE: " + budgets.describe() + " wrote no file: this LocalFileStore is"
            + " the in-memory placeholder, so 'file' measured a memory store");
      }
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.delete(p);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }
  }

  /** The budget keys one benchmark thread charges. */
  @State(Scope.Thread)
  public static class Caller {
    String[] keys;
    /** For many-100k: the whole pool, walked from a different start by each thread. */
    String[][] pool;
    int next;

    @Setup(Level.Trial)
    public void pick(StoreThroughputBenchmark b) {
      if ("many-100k".equals(b.scope)) {
        pool = b.userKeys;
        next = b.nextUser.getAndIncrement() * 7919 % pool.length;
      } else {
        keys = "shared".equals(b.scope) ? b.sharedKeys
            : b.userKeys[b.nextUser.getAndIncrement() % USERS];
      }
    }

    String[] keys() {
      if (pool == null) {
        return keys;
      }
      String[] k = pool[next];
      next = next + 1 == pool.length ? 0 : next + 1;
      return k;
    }
  }

  @Benchmark
  @Threads(1)
  public ReserveResult threads1(Caller caller) {
    return reserveAndCommit(caller.keys());
  }

  @Benchmark
  @Threads(2)
  public ReserveResult threads2(Caller caller) {
    return reserveAndCommit(caller.keys());
  }

  @Benchmark
  @Threads(8)
  public ReserveResult threads8(Caller caller) {
    return reserveAndCommit(caller.keys());
  }

  private ReserveResult reserveAndCommit(String[] keys) {
    long id = budgets.newReservationId();
    ReserveResult result = budgets.reserve(id, keys, AMOUNT_PICO, now, lease);
    if (!result.isOk()) {
      throw new IllegalStateException("the benchmark's budget ran out at " + result.exhaustedKey());
    }
    budgets.settle(id, AMOUNT_PICO, MODEL, now);
    return result;
  }
}
