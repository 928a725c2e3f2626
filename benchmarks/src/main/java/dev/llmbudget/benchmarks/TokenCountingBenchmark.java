package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.CallRequest;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
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

/**
 * What estimating a prompt costs as it grows from 1 KB to 1 MB: an exact jtokkit count, the
 * one-pass byte bound, and the engine's pre-call reservation with ample headroom (the bound fits,
 * nothing is tokenized) and with tight headroom (the bound does not fit, so the prompt is counted).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TokenCountingBenchmark {

  static final String MODEL = "gpt-4o-mini";
  static final int MESSAGES = 1;
  static final long MAX_OUTPUT_TOKENS = 256;
  /** The chat framing the engine adds to the prompt: 3 per message and 3 to prime the reply. */
  static final long OVERHEAD_TOKENS = MESSAGES * 3L + 3L;

  @Param({"1024", "10240", "102400", "1048576"})
  public int promptBytes;

  String prompt;
  TokenCounter counter;
  BudgetEngine ample;
  BudgetEngine tight;

  @Setup(Level.Trial)
  public void prepare() {
    prompt = EnglishText.ofBytes(promptBytes);
    counter = TokenCounter.forModel(MODEL);
    PriceTable table = PriceTable.defaultTable();
    ModelPrice price = table.require(MODEL);
    // The exact count adds one role token per message to the text's tokens and the overhead.
    BigDecimal exactCost = price.cost(Usage.of(MODEL, counter.count(prompt) + OVERHEAD_TOKENS + MESSAGES,
        MAX_OUTPUT_TOKENS));
    BigDecimal boundCost = price.cost(Usage.of(MODEL,
        TokenCounter.upperBoundTokens(prompt) + OVERHEAD_TOKENS, MAX_OUTPUT_TOKENS));
    if (exactCost.compareTo(boundCost) >= 0) {
      throw new IllegalStateException("the byte bound must exceed the exact count for English text: "
          + exactCost + " vs " + boundCost);
    }
    // Half-way between what the prompt really costs and what its bound says it might: the bound is
    // refused, the exact count fits.
    BigDecimal between = exactCost.add(boundCost).divide(BigDecimal.valueOf(2), 12, RoundingMode.HALF_UP);
    ample = engineWithUserBudget(table, new BigDecimal("1000000"));
    tight = engineWithUserBudget(table, between);
    requireReserved(ample, boundCost, "bound");
    requireReserved(tight, exactCost, "exact-count");
  }

  private static BudgetEngine engineWithUserBudget(PriceTable table, BigDecimal budget) {
    MemoryStore store = new MemoryStore("token-benchmark", ZoneOffset.UTC);
    store.putBudget("alice", budget, BudgetDuration.MONTHLY, Instant.now());
    return new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, Clock.systemUTC(), null, null);
  }

  @TearDown(Level.Trial)
  public void close() {
    ample.store().close();
    tight.store().close();
  }

  @Benchmark
  public int exactCount() {
    return counter.count(prompt);
  }

  @Benchmark
  public long upperBound() {
    return TokenCounter.upperBoundTokens(prompt);
  }

  @Benchmark
  public Reservation reserveForCallAmpleHeadroom() {
    return reserveAndRelease(ample);
  }

  @Benchmark
  public Reservation reserveForCallTightHeadroom() {
    return reserveAndRelease(tight);
  }

  /** Released at once, so every call sees the same headroom. */
  private Reservation reserveAndRelease(BudgetEngine engine) {
    Reservation r = engine.reserveCall("alice", CallRequest.of(MODEL, prompt, MESSAGES, MAX_OUTPUT_TOKENS), false, null)
        .reservation();
    r.release();
    return r;
  }

  /** Fails the run unless each engine takes the path its benchmark is named after. */
  private void requireReserved(BudgetEngine engine, BigDecimal expected, String path) {
    Reservation r = reserveAndRelease(engine);
    BigDecimal expectedReserved = Picodollars.toDollars(Picodollars.of(expected));
    if (r.amount().compareTo(expectedReserved) != 0) {
      throw new IllegalStateException("expected the " + path + " path to reserve $"
          + expectedReserved.toPlainString() + ", it reserved $" + r.amount().toPlainString());
    }
  }
}
