package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** Costs of real entries of the bundled table, to the last digit. */
class ModelPriceTest {

  private static final PriceTable TABLE = PriceTable.defaultTable();

  private static ModelPrice price(String key) {
    ModelPrice price = TABLE.require(key);
    assertThat(price.name()).isEqualTo(key);
    return price;
  }

  private static BigDecimal usd(String amount) {
    return new BigDecimal(amount);
  }

  @Test
  void gpt4oMiniChargesInputOutputAndCacheReadsAtTheirOwnRates() {
    ModelPrice mini = price("gpt-4o-mini");
    Usage usage = Usage.of("gpt-4o-mini", 1_000, 500).withCache(2_000, 0, 0);

    // 1000 * 1.5e-7 + 500 * 6e-7 + 2000 * 7.5e-8
    assertThat(mini.cost(usage)).isEqualByComparingTo(usd("0.0006"));
    assertThat(mini.inputCostPerToken()).isEqualByComparingTo(usd("1.5e-7"));
    assertThat(mini.outputCostPerToken()).isEqualByComparingTo(usd("6e-7"));
    assertThat(mini.cacheReadCostPerToken()).isEqualByComparingTo(usd("7.5e-8"));
    assertThat(mini.provider()).isEqualTo("openai");
    assertThat(mini.mode()).isEqualTo("chat");
    assertThat(mini.maxInputTokens()).hasValue(128_000);
    assertThat(mini.maxOutputTokens()).hasValue(16_384);
  }

  @Test
  void gpt4oPricesEachKindExactly() {
    ModelPrice gpt4o = price("gpt-4o");

    assertThat(gpt4o.cost(Usage.of("gpt-4o", 1, 0))).isEqualByComparingTo(usd("0.0000025"));
    assertThat(gpt4o.cost(Usage.of("gpt-4o", 0, 1))).isEqualByComparingTo(usd("0.00001"));
    assertThat(gpt4o.cost(Usage.of("gpt-4o", 0, 0).withCache(1, 0, 0)))
        .isEqualByComparingTo(usd("0.00000125"));
    assertThat(gpt4o.cost(Usage.of("gpt-4o", 1_234_567, 89_012)))
        .isEqualByComparingTo(usd("3.0864175").add(usd("0.89012")));
  }

  @Test
  void sumsManySmallCostsWithoutDrift() {
    ModelPrice gpt4o = price("gpt-4o");
    BigDecimal total = BigDecimal.ZERO;
    for (int i = 0; i < 10_000; i++) {
      total = total.add(gpt4o.cost(Usage.of("gpt-4o", 1, 1)));
    }
    // A double sum of 0.0000125 ten thousand times does not land on 0.125.
    assertThat(total).isEqualByComparingTo(usd("0.125"));
  }

  @Test
  void claudeSonnet45ChargesCacheWritesByLifetimeBelowTheTier() {
    ModelPrice sonnet = price("claude-sonnet-4-5");
    Usage usage = new Usage("claude-sonnet-4-5", 10_000, 1_000, 50_000, 2_000, 1_000, 0, false);

    // 10000*3e-6 + 1000*1.5e-5 + 50000*3e-7 + 2000*3.75e-6 + 1000*6e-6
    assertThat(sonnet.cost(usage)).isEqualByComparingTo(usd("0.0735"));
    assertThat(sonnet.cacheWrite5mCostPerToken()).isEqualByComparingTo(usd("3.75e-6"));
    assertThat(sonnet.cacheWrite1hCostPerToken()).isEqualByComparingTo(usd("6e-6"));
  }

  @Test
  void claudeSonnet45ChargesEveryKindAtTheAbove200kTierOncePromptTokensExceedIt() {
    ModelPrice sonnet = price("claude-sonnet-4-5");
    // Prompt tokens = 150000 + 40000 + 10000 + 5000 = 205000 > 200000.
    Usage usage = new Usage("claude-sonnet-4-5", 150_000, 2_000, 40_000, 10_000, 5_000, 0, false);

    // 150000*6e-6 + 2000*2.25e-5 + 40000*6e-7 + 10000*7.5e-6 + 5000*1.2e-5
    assertThat(sonnet.cost(usage)).isEqualByComparingTo(usd("1.104"));
    assertThat(sonnet.maxPerTokenInputRate()).isEqualByComparingTo(usd("1.2e-5"));
    assertThat(sonnet.tiers()).extracting(ModelPrice.Tier::aboveTokens).containsExactly(0L, 200_000L);
  }

  @Test
  void exactlyAtTheThresholdIsStillTheBaseTier() {
    ModelPrice sonnet = price("claude-sonnet-4-5");
    Usage usage = Usage.of("claude-sonnet-4-5", 200_000, 1_000);

    // 200000*3e-6 + 1000*1.5e-5
    assertThat(sonnet.cost(usage)).isEqualByComparingTo(usd("0.615"));
    assertThat(sonnet.cost(Usage.of("claude-sonnet-4-5", 200_001, 1_000)))
        .isEqualByComparingTo(usd("1.222506")); // 200001*6e-6 + 1000*2.25e-5
  }

  @Test
  void xaiTiersApplyFromTheThresholdItselfAsXaiBills() {
    ModelPrice grok = price("xai/grok-4-0709");

    // 128000*6e-6 + 100*3e-5
    assertThat(grok.cost(Usage.of("xai/grok-4-0709", 128_000, 100)))
        .isEqualByComparingTo(usd("0.771"));
    assertThat(grok.cost(Usage.of("xai/grok-4-0709", 127_999, 100)))
        .isEqualByComparingTo(usd("0.385497")); // 127999*3e-6 + 100*1.5e-5
  }

  @Test
  void reasoningTokensPayTheReasoningRateAndTheRestOfOutputTheOutputRate() {
    ModelPrice qwen = price("dashscope/qwen-turbo");
    Usage usage = Usage.of("dashscope/qwen-turbo", 1_000, 800).withReasoning(500);

    // 1000*5e-8 + 300*2e-7 + 500*5e-7
    assertThat(qwen.cost(usage)).isEqualByComparingTo(usd("0.00036"));
    assertThat(qwen.reasoningCostPerToken()).isEqualByComparingTo(usd("5e-7"));
  }

  @Test
  void withoutAReasoningPriceReasoningIsPlainOutput() {
    ModelPrice gpt4o = price("gpt-4o");
    assertThat(gpt4o.cost(Usage.of("gpt-4o", 0, 100).withReasoning(60)))
        .isEqualByComparingTo(gpt4o.cost(Usage.of("gpt-4o", 0, 100)));
  }

  @Test
  void missingCachePricesFallBackToInputAndMissing1hWritesToThe5mPrice() {
    ModelPrice gpt35 = price("gpt-3.5-turbo");
    assertThat(gpt35.cost(Usage.of("gpt-3.5-turbo", 0, 0).withCache(1_000, 1_000, 1_000)))
        .isEqualByComparingTo(usd("0.0015")); // 3000 * 5e-7

    ModelPrice haiku = price("anthropic.claude-3-5-haiku-20241022-v1:0");
    assertThat(haiku.cacheWrite1hCostPerToken()).isEqualByComparingTo(usd("1e-6"));
    assertThat(haiku.cost(Usage.of(haiku.name(), 0, 0).withCache(0, 0, 1_000)))
        .isEqualByComparingTo(usd("0.001"));
  }

  @Test
  void localModelsAreFree() {
    ModelPrice llama = price("ollama/llama3");
    assertThat(llama.cost(Usage.of("ollama/llama3", 10_000, 10_000))).isZero();
    assertThat(llama.maxPerTokenInputRate()).isZero();
  }

  @Test
  void estimatesUseBaseRates() {
    ModelPrice sonnet = price("claude-sonnet-4-5");
    assertThat(sonnet.inputCost(1_000_000)).isEqualByComparingTo(usd("3"));
    assertThat(sonnet.outputCost(1_000_000)).isEqualByComparingTo(usd("15"));
    assertThat(price("text-embedding-3-small").inputCost(1_000_000))
        .isEqualByComparingTo(usd("0.02"));
  }
}
