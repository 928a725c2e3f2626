package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Reserve and commit as {@code BudgetManager} and the agent do them, through the engine: dollars
 * in BigDecimal, a reservation object, the system clock read on each step. The gap to
 * {@link StoreThroughputBenchmark} is what the engine adds on top of the store.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class EngineReserveCommitBenchmark {

  static final BigDecimal COST = new BigDecimal("0.00001");
  static final String MODEL = "gpt-4o-mini";

  BudgetEngine engine;

  @Setup(Level.Trial)
  public void open() {
    MemoryStore store = new MemoryStore("engine-benchmark", ZoneOffset.UTC);
    Instant now = Instant.now();
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1000000"), BudgetDuration.MONTHLY, now);
    store.putBudget("alice", new BigDecimal("1000000"), BudgetDuration.MONTHLY, now);
    PriceTable table = PriceTable.defaultTable();
    engine = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, Clock.systemUTC(), null, null);
  }

  @Benchmark
  public Reservation memoryStoreOneUser() {
    Reservation r = engine.reserve("alice", COST);
    r.commit(COST, MODEL);
    return r;
  }

  static final dev.llmbudget.Usage USAGE = dev.llmbudget.Usage.of(MODEL, 20, 10);

  /**
   * Committed from token usage, as the agent does: pricing, the store, and the per-model token and
   * cost counters that Micrometer reads (a map lookup and three LongAdder adds once the series exists).
   */
  @Benchmark
  public Reservation memoryStoreOneUserCommitUsage() {
    Reservation r = engine.reserve("alice", COST);
    r.commit(USAGE);
    return r;
  }
}
