package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetEngine.CallReservation;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What each {@code llmbudget.output_reserve} mode reserves, and that clamping never overshoots. */
class OutputReserveTest {
  private static final String PROMPT = "Say hello to the budget, briefly please.";
  private final MemoryStore store = new MemoryStore("output-reserve-test", ZoneOffset.UTC);
  private final Clock clock = Clock.systemUTC();

  private BudgetEngine engine(OutputReserve mode) {
    return new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.BLOCK, clock, null, null, mode,
        4096, 16);
  }

  private static ModelPrice price(String model) {
    return PriceTable.defaultTable().resolve(model).orElseThrow();
  }

  private static PriceTable table(String json, String source) {
    return PriceTable.parse(new java.io.ByteArrayInputStream(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        source);
  }

  private void limit(String key, BigDecimal dollars) {
    store.putBudget(key, dollars, null, clock.instant());
  }

  private BudgetSnapshot global() {
    return store.snapshot(BudgetStore.GLOBAL_KEY, clock.instant()).orElseThrow();
  }

  @Test
  void configDefaultsToModelMaxAndValidatesEachKey() {
    BudgetConfig c = BudgetConfig.of(Map.of());
    assertThat(c.outputReserve()).isEqualTo(OutputReserve.MODEL_MAX);
    assertThat(c.defaultMaxOutputTokens()).isEqualTo(4096);
    assertThat(c.minOutputTokens()).isEqualTo(16);
    BudgetConfig set = BudgetConfig.of(Map.of("llmbudget.output_reserve", "CLAMP",
        "llmbudget.default_max_output_tokens", "1000", "llmbudget.min_output_tokens", "1"));
    assertThat(set.outputReserve()).isEqualTo(OutputReserve.CLAMP);
    assertThat(set.defaultMaxOutputTokens()).isEqualTo(1000);
    assertThat(set.minOutputTokens()).isEqualTo(1);
    assertThat(BudgetConfig.parseAgentArgs("output_reserve=request")).containsEntry("llmbudget.output_reserve", "request");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.output_reserve", "max")))
        .hasMessageContaining("llmbudget.output_reserve").hasMessageContaining("model_max, clamp, request");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.min_output_tokens", "0")))
        .hasMessageContaining("llmbudget.min_output_tokens").hasMessageContaining("at least 1");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.default_max_output_tokens", "4k")))
        .hasMessageContaining("llmbudget.default_max_output_tokens").hasMessageContaining("'4k'");
  }

  @Test
  void modelMaxReservesTheTablesMaximumOutputForAnUncappedCall() {
    limit(BudgetStore.GLOBAL_KEY, new BigDecimal("100"));
    CallReservation r = engine(OutputReserve.MODEL_MAX).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 0), true,
        null);
    assertThat(r.outputCap()).isEqualTo(16384);
    assertThat(r.rewrite()).isFalse();
    assertThat(r.reservation().amount()).isEqualByComparingTo(price("gpt-4o")
        .cost(Usage.of("gpt-4o", TokenCounter.upperBoundTokens(PROMPT) + 6, 16384)));
  }

  @Test
  void modelMaxFallsBackToTheDefaultWhenTheTableHasNoMaximum() {
    PriceTable table = table("{\"house-model\": {\"input_cost_per_token\": 0.000001,"
        + " \"output_cost_per_token\": 0.000002, \"mode\": \"chat\"}}", "test");
    BudgetEngine e = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, clock, null, null,
        OutputReserve.MODEL_MAX, 777, 16);
    CallReservation r = e.reserveCall(null, CallRequest.of("house-model", "", 0, 0), false, null);
    assertThat(r.outputCap()).isEqualTo(777);
    assertThat(r.reservation().amount()).isEqualByComparingTo("0.001554");
  }

  @Test
  void requestModeReservesThePromptAloneForAnUncappedCall() {
    CallReservation r = engine(OutputReserve.REQUEST).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 0), true,
        null);
    assertThat(r.outputCap()).isZero();
    assertThat(r.reservation().amount()).isEqualByComparingTo(price("gpt-4o")
        .cost(Usage.of("gpt-4o", TokenCounter.upperBoundTokens(PROMPT) + 6, 0)));
  }

  @Test
  void clampAddsTheModelMaximumAsTheCapWhenTheBudgetCanPayForIt() {
    limit(BudgetStore.GLOBAL_KEY, new BigDecimal("100"));
    CallReservation r = engine(OutputReserve.CLAMP).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 0), true,
        null);
    assertThat(r.outputCap()).isEqualTo(16384);
    assertThat(r.rewrite()).isTrue();
    CallReservation capped = engine(OutputReserve.CLAMP).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 50),
        true, null);
    assertThat(capped.outputCap()).isEqualTo(50);
    assertThat(capped.rewrite()).as("a cap the budget can pay for is left alone").isFalse();
  }

  @Test
  void clampLowersTheCapToWhatTheRemainingBudgetPaysForAndReservesExactlyThat() {
    ModelPrice gpt = price("gpt-4o");
    long prompt = TokenCounter.forModel("gpt-4o").count(PROMPT) + 7;
    // Room for the exact prompt and 300 output tokens, not for the byte bound and 16384.
    BigDecimal limit = gpt.cost(Usage.of("gpt-4o", prompt, 300));
    limit("alice", limit);
    BudgetEngine e = engine(OutputReserve.CLAMP);
    CallReservation r = e.reserveCall("alice", CallRequest.of("gpt-4o", PROMPT, 1, 0), true, null);
    assertThat(r.rewrite()).isTrue();
    assertThat(r.outputCap()).isEqualTo(300);
    assertThat(r.reservation().amount()).isEqualByComparingTo(limit);
    r.reservation().release();

    CallReservation lowered = e.reserveCall("alice", CallRequest.of("gpt-4o", PROMPT, 1, 1000), true, null);
    assertThat(lowered.outputCap()).isEqualTo(300);
    assertThat(lowered.rewrite()).isTrue();
    assertThat(store.snapshot("alice", clock.instant()).orElseThrow().reserved()).isEqualByComparingTo(limit);
  }

  /**
   * A request for several answers (OpenAI's {@code n}) may use the whole cap in each, and each is
   * billed: the output is reserved that many times, the prompt once, and a clamped cap is per answer.
   */
  @Test
  void aRequestForSeveralAnswersReservesTheOutputOfEachAndClampsEachAnswersCap() {
    limit(BudgetStore.GLOBAL_KEY, new BigDecimal("100"));
    long bound = TokenCounter.upperBoundTokens(PROMPT) + 6;
    CallReservation three = engine(OutputReserve.MODEL_MAX).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 200,
        bound - 6, 3, 0, 0, 0, null), false, "openai-java");
    assertThat(three.outputCap()).as("the cap stays per answer").isEqualTo(200);
    assertThat(three.reservation().amount()).isEqualByComparingTo(price("gpt-4o").cost(Usage.of("gpt-4o", bound, 600)));
    CallReservation uncapped = engine(OutputReserve.MODEL_MAX).reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 0,
        bound - 6, 2, 0, 0, 0, null), false, "openai-java");
    assertThat(uncapped.reservation().amount()).isEqualByComparingTo(price("gpt-4o")
        .cost(Usage.of("gpt-4o", bound, 2 * 16384)));

    // Room for the exact prompt and 300 output tokens: three answers get 100 each, reserved exactly.
    ModelPrice gpt = price("gpt-4o");
    long prompt = TokenCounter.forModel("gpt-4o").count(PROMPT) + 7;
    BigDecimal room = gpt.cost(Usage.of("gpt-4o", prompt, 300));
    limit("carol", room);
    CallReservation clamped = engine(OutputReserve.CLAMP).reserveCall("carol", CallRequest.of("gpt-4o", PROMPT, 1, 0,
        bound - 6, 3, 0, 0, 0, null), true, "openai-java");
    assertThat(clamped.rewrite()).isTrue();
    assertThat(clamped.outputCap()).isEqualTo(100);
    assertThat(clamped.reservation().amount()).isEqualByComparingTo(room);
    clamped.reservation().release();
    // Not even the least useful output for each of 128 answers: refused, naming the answers.
    assertThatThrownBy(() -> engine(OutputReserve.MODEL_MAX).reserveCall("carol", CallRequest.of("gpt-4o", PROMPT, 1,
        50, bound - 6, 128, 0, 0, 0, null), false,
        "openai-java")).isInstanceOf(BudgetExceededError.class).hasMessageContaining("max_tokens 50 × 128 answers");
  }

  /** The cap comes from what is left: the limit less what was spent and what other calls in flight hold. */
  @Test
  void clampLowersTheCapByWhatIsSpentAndWhatOtherCallsHold() {
    ModelPrice gpt = price("gpt-4o");
    long prompt = TokenCounter.forModel("gpt-4o").count(PROMPT) + 7;
    BigDecimal spent = gpt.cost(Usage.of("gpt-4o", 1000, 1000));
    BigDecimal held = new BigDecimal("0.05");
    BigDecimal room = gpt.cost(Usage.of("gpt-4o", prompt, 300));
    limit("dave", spent.add(held).add(room));
    BudgetEngine e = engine(OutputReserve.CLAMP);
    e.charge("dave", Usage.of("gpt-4o", 1000, 1000));
    Reservation other = e.reserve("dave", held);

    CallReservation r = e.reserveCall("dave", CallRequest.of("gpt-4o", PROMPT, 1, 0), true, null);
    assertThat(r.outputCap()).isEqualTo(300);
    assertThat(r.reservation().amount()).isEqualByComparingTo(room);
    assertThat(store.snapshot("dave", clock.instant()).orElseThrow().reserved()).isEqualByComparingTo(held.add(room));
    r.reservation().release();
    other.release();
  }

  @Test
  void clampRefusesOnlyWhenThePromptAndTheLeastUsefulOutputDoNotFit() {
    ModelPrice gpt = price("gpt-4o");
    long prompt = TokenCounter.forModel("gpt-4o").count(PROMPT) + 7;
    limit("bob", gpt.cost(Usage.of("gpt-4o", prompt, 16)));
    BudgetEngine e = engine(OutputReserve.CLAMP);
    CallReservation r = e.reserveCall("bob", CallRequest.of("gpt-4o", PROMPT, 1, 0), true, null);
    assertThat(r.outputCap()).isEqualTo(16);
    r.reservation().release();
    limit("bob", gpt.cost(Usage.of("gpt-4o", prompt, 15)));
    assertThatThrownBy(() -> e.reserveCall("bob", CallRequest.of("gpt-4o", PROMPT, 1, 0), true, null))
        .isInstanceOfSatisfying(BudgetExceededError.class, err -> assertThat(err.user()).contains("bob"));
    assertThat(store.snapshot("bob", clock.instant()).orElseThrow().reserved()).isZero();
  }

  @Test
  void clampWithoutAWayToRewriteTheRequestReservesTheModelMaximum() {
    ModelPrice gpt = price("gpt-4o");
    long prompt = TokenCounter.forModel("gpt-4o").count(PROMPT) + 7;
    limit("carol", gpt.cost(Usage.of("gpt-4o", prompt, 300)));
    assertThatThrownBy(() -> engine(OutputReserve.CLAMP).reserveCall("carol", CallRequest.of("gpt-4o", PROMPT, 1, 0),
        false, null).reservation())
        .isInstanceOf(BudgetExceededError.class);
  }

  @Test
  void otherVendorsPromptsAreBoundedByBytesNotByAnOpenAiCount() {
    String model = "claude-sonnet-4-20250514";
    ModelPrice claude = price(model);
    String prompt = "tokenizers differ between vendors ".repeat(40);
    long cl100k = TokenCounter.forModel(model).count(prompt) + 6;
    long bytes = TokenCounter.upperBoundTokens(prompt) + 6;
    assertThat(cl100k).isLessThan(bytes);
    // The cl100k count fits, the byte bound does not: the call must be refused, since Claude's
    // tokenizer may count more than cl100k does. Cache writes cost more than input, so the bound
    // prices prompt tokens at the 1-hour cache-write rate.
    limit("dave", claude.cacheWrite1hCostPerToken().multiply(BigDecimal.valueOf(bytes - 1)));
    assertThatThrownBy(() -> engine(OutputReserve.REQUEST).reserveCall("dave", CallRequest.of(model, prompt, 1, 0),
        true, null))
        .isInstanceOf(BudgetExceededError.class);
    limit("dave", claude.cacheWrite1hCostPerToken().multiply(BigDecimal.valueOf(bytes)));
    assertThat(engine(OutputReserve.REQUEST).reserveCall("dave", CallRequest.of(model, prompt, 1, 0), true,
        null).reservation().amount())
        .isEqualByComparingTo(claude.cacheWrite1hCostPerToken().multiply(BigDecimal.valueOf(bytes)));
  }

  @Test
  void reasoningRateBoundsTheOutputWhenItIsDearer() {
    PriceTable table = table("{\"thinker\": {\"input_cost_per_token\": 0.000001,"
        + " \"output_cost_per_token\": 0.000002, \"output_cost_per_reasoning_token\": 0.000005,"
        + " \"max_output_tokens\": 1000, \"mode\": \"chat\"}}", "test");
    BudgetEngine e = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, clock, null, null,
        OutputReserve.MODEL_MAX, 4096, 16);
    CallReservation r = e.reserveCall(null, CallRequest.of("thinker", "", 0, 0), false, null);
    assertThat(r.reservation().amount()).isEqualByComparingTo("0.005");
  }

  /** Eight threads clamp against one small budget: whatever they reserve never passes the limit. */
  @Test
  void concurrentClampedCallsNeverReserveTheSameRemainderTwice() throws Exception {
    ModelPrice gpt = price("gpt-4o-mini");
    long prompt = TokenCounter.forModel("gpt-4o-mini").count(PROMPT) + 7;
    BigDecimal limit = gpt.cost(Usage.of("gpt-4o-mini", prompt, 1000)).multiply(BigDecimal.valueOf(3));
    limit(BudgetStore.GLOBAL_KEY, limit);
    BudgetEngine e = engine(OutputReserve.CLAMP);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<long[]>> results = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      results.add(pool.submit(() -> {
        start.await();
        long calls = 0;
        long billed = 0;
        for (int i = 0; i < 50; i++) {
          try {
            CallReservation r = e.reserveCall(null, CallRequest.of("gpt-4o-mini", PROMPT, 1, 0), true, null);
            BudgetSnapshot s = global();
            assertThat(s.currentCost().add(s.reserved())).isLessThanOrEqualTo(limit);
            // The worst case, the whole cap, always fits the reservation; the answer is shorter.
            assertThat(gpt.cost(Usage.of("gpt-4o-mini", prompt, r.outputCap())))
                .isLessThanOrEqualTo(r.reservation().amount());
            Usage worst = Usage.of("gpt-4o-mini", prompt, Math.min(r.outputCap(), 400));
            r.reservation().commit(worst);
            billed += Picodollars.of(gpt.cost(worst));
            calls++;
          } catch (BudgetExceededError refused) {
            // the budget is spent
          }
        }
        return new long[] {calls, billed};
      }));
    }
    start.countDown();
    long calls = 0;
    long billed = 0;
    for (Future<long[]> f : results) {
      calls += f.get()[0];
      billed += f.get()[1];
    }
    pool.shutdown();
    assertThat(calls).isGreaterThanOrEqualTo(3);
    assertThat(Picodollars.toDollars(billed)).isLessThanOrEqualTo(limit);
    assertThat(global().currentCost()).isLessThanOrEqualTo(limit);
    assertThat(global().reserved()).isZero();
  }
}
