package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.ReserveResult;
import dev.llmbudget.testkit.RedisServer;
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
 * One reserve and its settle (what every LLM call costs the store) through the redis store, against
 * a redis-server on loopback that the benchmark starts (or {@code LLMBUDGET_IT_REDIS_URL}), next to
 * the memory store in the same run. Each thread is its own user; all share the global budget, as in
 * an app, so every call touches one contended hash. Run with {@code -bm thrpt} and {@code -bm sample}
 * for throughput and latency percentiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RedisStoreBenchmark {

  static final long AMOUNT_PICO = 10_000_000L;
  static final BigDecimal AMPLE = new BigDecimal("1000000");

  @Param({"memory", "redis"})
  public String store;

  BudgetStore budgets;
  RedisServer server;
  Instant now;
  Instant lease;
  final AtomicInteger users = new AtomicInteger();

  @Setup(Level.Trial)
  public void open() throws Exception {
    now = Instant.now();
    lease = now.plusSeconds(600);
    if ("memory".equals(store)) {
      budgets = new MemoryStore("benchmark", ZoneOffset.UTC);
    } else {
      String url = RedisServer.externalUrl();
      if (url == null) {
        server = RedisServer.start();
        url = server.url();
      }
      budgets = new RedisStoreProvider().open("bench-" + ProcessHandle.current().pid(), url, BudgetConfig.of(Map.of()));
    }
    budgets.putBudget(BudgetStore.GLOBAL_KEY, AMPLE, BudgetDuration.MONTHLY, now);
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    budgets.close();
    if (server != null) {
      server.close();
    }
  }

  /** The keys one benchmark thread charges: its own user and the global budget. */
  @State(Scope.Thread)
  public static class Caller {
    String[] keys;

    @Setup(Level.Trial)
    public void pick(RedisStoreBenchmark b) {
      String user = "user-" + b.users.incrementAndGet();
      b.budgets.putBudget(user, AMPLE, BudgetDuration.MONTHLY, b.now);
      keys = new String[] {user, BudgetStore.GLOBAL_KEY};
    }
  }

  @Benchmark
  @Threads(1)
  public ReserveResult threads1(Caller caller) {
    return reserveAndSettle(caller.keys);
  }

  @Benchmark
  @Threads(8)
  public ReserveResult threads8(Caller caller) {
    return reserveAndSettle(caller.keys);
  }

  private ReserveResult reserveAndSettle(String[] keys) {
    long id = budgets.newReservationId();
    ReserveResult result = budgets.reserve(id, keys, AMOUNT_PICO, now, lease);
    if (!result.isOk()) {
      throw new IllegalStateException("the benchmark's budget ran out at " + result.exhaustedKey());
    }
    budgets.settle(id, AMOUNT_PICO, "gpt-4o-mini", now);
    return result;
  }
}
