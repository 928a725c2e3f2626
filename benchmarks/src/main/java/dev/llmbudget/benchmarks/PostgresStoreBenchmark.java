package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.ReserveResult;
import dev.llmbudget.testkit.TestPostgres;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * One reserve and its settle through the postgres store on loopback (a server this benchmark
 * starts, or {@code LLMBUDGET_IT_POSTGRES_URL}), beside the memory store, at 1 and 8 threads, in
 * calls per second. Each thread charges its own user and the global budget ({@code $global}, a
 * limit, so every call locks that one row). {@code store=postgres-async} runs the same with
 * {@code synchronous_commit=off}: the difference is what committing before settle returns costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PostgresStoreBenchmark {

  static final long AMOUNT_PICO = 10_000_000L;
  static final BigDecimal AMPLE = new BigDecimal("1000000");

  @Param({"memory", "postgres", "postgres-async"})
  public String store;

  TestPostgres pg;
  BudgetStore budgets;
  Instant now;
  Instant lease;
  final AtomicInteger nextUser = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() {
    now = Instant.now();
    lease = now.plusSeconds(600);
    if ("memory".equals(store)) {
      budgets = new MemoryStore("benchmark", ZoneOffset.UTC);
    } else {
      pg = TestPostgres.start();
      String url = pg.url() + ("postgres-async".equals(store) ? "&options=-c%20synchronous_commit%3Doff" : "");
      budgets = new PostgresStoreProvider().open("bench", url, BudgetConfig.of(Map.of(
          "llmbudget.postgres.schema", "bench_" + System.nanoTime(), "llmbudget.postgres.pool_size", "8")));
    }
    budgets.putBudget(BudgetStore.GLOBAL_KEY, AMPLE, BudgetDuration.MONTHLY, now);
  }

  @TearDown(Level.Trial)
  public void close() {
    budgets.close();
    if (pg != null) {
      pg.close();
    }
  }

  /** The user one benchmark thread charges. */
  @State(Scope.Thread)
  public static class Caller {
    String[] keys;

    @Setup(Level.Trial)
    public void pick(PostgresStoreBenchmark b) {
      String user = "user-" + b.nextUser.getAndIncrement();
      b.budgets.putBudget(user, AMPLE, BudgetDuration.MONTHLY, b.now);
      keys = new String[] {BudgetStore.GLOBAL_KEY, user};
    }
  }

  boolean call(Caller c) {
    long id = budgets.newReservationId();
    ReserveResult r = budgets.reserve(id, c.keys, AMOUNT_PICO, now, lease);
    return r.isOk() && budgets.settle(id, AMOUNT_PICO, "gpt-4o-mini", now);
  }

  @Benchmark
  @Threads(1)
  public boolean reserveSettle1Thread(Caller c) {
    return call(c);
  }

  @Benchmark
  @Threads(8)
  public boolean reserveSettle8Threads(Caller c) {
    return call(c);
  }
}
