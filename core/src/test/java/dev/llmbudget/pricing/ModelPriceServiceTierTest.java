package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.Usage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's priority and flex service tiers are charged at the table's {@code _priority} and
 * {@code _flex} rates, kind by kind, each falling back to its standard rate (LiteLLM's rule).
 * Figures are picodollars (10^-12 USD); a rate of 1.25e-6 $/token is 1,250,000 picodollars a token.
 */
class ModelPriceServiceTierTest {

  private static final PriceTable TABLE = PriceTable.defaultTable();

  @Test
  void gpt5PaysPriorityAndFlexRatesForEveryKindOfToken() {
    ModelPrice gpt5 = TABLE.require("gpt-5");
    Usage usage = Usage.of("gpt-5", 1_000, 500).withCache(200, 0, 0);

    // standard: 1,000 x 1,250,000 + 500 x 10,000,000 + 200 x 125,000 = 6,275,000,000
    assertThat(gpt5.costPicos(usage)).isEqualTo(6_275_000_000L);
    // priority: 1,000 x 2,500,000 + 500 x 20,000,000 + 200 x 250,000 = 12,550,000,000
    assertThat(gpt5.forServiceTier("priority").costPicos(usage)).isEqualTo(12_550_000_000L);
    assertThat(gpt5.forServiceTier("priority").cost(usage)).isEqualByComparingTo("0.01255");
    // flex: 1,000 x 625,000 + 500 x 5,000,000 + 200 x 62,500 = 3,137,500,000
    assertThat(gpt5.forServiceTier("flex").costPicos(usage)).isEqualTo(3_137_500_000L);
    assertThat(gpt5.forServiceTier("priority").serviceTier()).isEqualTo("priority");
    assertThat(gpt5.forServiceTier("priority").name()).isEqualTo("gpt-5");
    assertThat(gpt5.forServiceTier("priority").toString()).contains("service tier priority");
  }

  @Test
  void gpt4oMiniHasPriorityRatesButNoFlexOnesSoFlexIsTheStandardPrice() {
    ModelPrice mini = TABLE.require("gpt-4o-mini");
    Usage usage = Usage.of("gpt-4o-mini", 1_000, 500).withCache(2_000, 0, 0);

    // standard: 1,000 x 150,000 + 500 x 600,000 + 2,000 x 75,000 = 600,000,000
    assertThat(mini.costPicos(usage)).isEqualTo(600_000_000L);
    // priority: 1,000 x 250,000 + 500 x 1,000,000 + 2,000 x 125,000 = 1,000,000,000
    assertThat(mini.forServiceTier("priority").costPicos(usage)).isEqualTo(1_000_000_000L);
    assertThat(mini.forServiceTier("flex")).isSameAs(mini);
  }

  @Test
  void aKindWithoutATierPriceFallsBackToItsStandardRate() {
    // gpt-5-nano prices only its input in the priority tier
    ModelPrice nano = TABLE.require("gpt-5-nano");
    Usage usage = Usage.of("gpt-5-nano", 1_000, 100).withCache(1_000, 0, 0);

    // input at the priority 2,500,000; output at the standard 400,000; cache reads at the standard 5,000:
    // 2,500,000,000 + 40,000,000 + 5,000,000 = 2,545,000,000
    assertThat(nano.forServiceTier("priority").costPicos(usage)).isEqualTo(2_545_000_000L);
  }

  @Test
  void theRatesAbove272kTokensHaveTheirOwnPriorityPrice() {
    ModelPrice azure55 = TABLE.require("azure/gpt-5.5");
    ModelPrice priority = azure55.forServiceTier("priority");

    // above 272k: 300,000 x 20,000,000 (2e-5) + 1,000 x 90,000,000 (9e-5) = 6,090,000,000,000
    assertThat(priority.costPicos(Usage.of("azure/gpt-5.5", 300_000, 1_000))).isEqualTo(6_090_000_000_000L);
    // at 272k, not above: 272,000 x 10,000,000 (1e-5) + 1,000 x 60,000,000 (6e-5) = 2,780,000,000,000
    assertThat(priority.costPicos(Usage.of("azure/gpt-5.5", 272_000, 1_000))).isEqualTo(2_780_000_000_000L);
    // standard above 272k: 300,000 x 10,000,000 + 1,000 x 45,000,000 = 3,045,000,000,000
    assertThat(azure55.costPicos(Usage.of("azure/gpt-5.5", 300_000, 1_000))).isEqualTo(3_045_000_000_000L);
  }

  @Test
  void aTierAbove272kWithoutPriorityPricesPaysTheStandardRatesOfThatTierAsLiteLlmDoes() {
    // gpt-5.4 has standard prices above 272k and no priority ones there: LiteLLM's per-field fallback
    // gives 5e-6 input and 2.25e-5 output: 300,000 x 5,000,000 + 1,000 x 22,500,000 = 1,522,500,000,000
    ModelPrice gpt54 = TABLE.require("gpt-5.4");
    assertThat(gpt54.forServiceTier("priority").costPicos(Usage.of("gpt-5.4", 300_000, 1_000)))
        .isEqualTo(1_522_500_000_000L);
  }

  @Test
  void defaultAutoScaleUnknownAndNoTierAreTheStandardPrice() {
    ModelPrice gpt5 = TABLE.require("gpt-5");
    for (String tier : new String[] {null, "default", "auto", "scale", "Priority", "turbo", ""}) {
      assertThat(gpt5.forServiceTier(tier)).as(String.valueOf(tier)).isSameAs(gpt5);
    }
    ModelPrice priority = gpt5.forServiceTier("priority");
    assertThat(priority.forServiceTier("flex")).isSameAs(gpt5.forServiceTier("flex"));
    assertThat(priority.forServiceTier("default")).isSameAs(gpt5);
    assertThat(gpt5.serviceTier()).isNull();
  }

  @Test
  void aServiceTierPriceIsValidatedAsAnyOtherPrice() {
    String json = "{\"m\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,"
        + " \"output_cost_per_token_priority\": -4e-6}}";
    assertThatThrownBy(() -> PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json"))
        .isInstanceOf(PriceTableException.class).hasMessageContaining("output_cost_per_token_priority");
  }

  @Test
  void anEntryPricedInOtherUnitsWithZeroStandardTokenPricesIsLeftOutEvenWithAPriorityPrice() {
    String json = "{\"img\": {\"input_cost_per_token\": 0.0, \"output_cost_per_token\": 0.0,"
        + " \"input_cost_per_token_priority\": 1e-6, \"input_cost_per_image\": 0.04},"
        + " \"m\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6}}";
    PriceTable table = PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json");
    assertThat(table.resolve("img")).as("not free at the standard tier").isEmpty();
    assertThat(table.resolve("m")).isPresent();
  }

  @Test
  void batchVariantsAreNotReadAsTokenPricesButAudioOnesAre() {
    assertThat(ModelPrice.isPriceField("input_cost_per_token_priority")).isTrue();
    assertThat(ModelPrice.isPriceField("cache_read_input_token_cost_above_272k_tokens_flex")).isTrue();
    // audio tokens are priced since audio in chat answers is charged (ModelPriceAudioTest)
    assertThat(ModelPrice.isPriceField("input_cost_per_audio_token_priority")).isTrue();
    assertThat(ModelPrice.isPriceField("input_cost_per_token_batches")).isFalse();
    assertThat(ModelPrice.isPriceField("input_cost_per_token_priority_flex")).isFalse();
  }
}
