package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.Usage;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Field rules of the price table, each on a table parsed in the test itself: the bundled table is
 * parsed once per JVM and cached, so tests that read it cannot tell how a changed parser reads it.
 */
class PriceTableFieldRulesTest {

  private static PriceTable table(String json) {
    return PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "rules.json");
  }

  @Test
  void theProviderAndModeAreReadFromTheirOwnFieldsAndAnXaiTierStartsAtItsThreshold() {
    ModelPrice grok = table("{\"xai/grok-x\": {\"litellm_provider\": \"xai\", \"mode\": \"chat\","
        + " \"input_cost_per_token\": 3e-06, \"input_cost_per_token_above_128k_tokens\": 6e-06,"
        + " \"output_cost_per_token\": 1.5e-05, \"output_cost_per_token_above_128k_tokens\": 3e-05,"
        + " \"source\": \"https://docs.x.ai/docs/models\"}}").resolve("xai/grok-x").orElseThrow();

    assertThat(grok.provider()).isEqualTo("xai");
    assertThat(grok.mode()).isEqualTo("chat");
    assertThat(grok.cost(Usage.of("xai/grok-x", 128_000, 100))).isEqualByComparingTo("0.771");
    assertThat(grok.cost(Usage.of("xai/grok-x", 127_999, 100))).isEqualByComparingTo("0.385497");
  }

  /**
   * An image or rerank entry writes 0.0 token prices beside its real price per pixel or query: it
   * prices no token, so a table of only such entries is refused as one without a token price rather
   * than read as a table of free models.
   */
  @Test
  void aTableWhoseOnlyEntriesArePricedPerPixelIsRefusedAsHavingNoTokenPrice() {
    assertThatThrownBy(() -> table("{\"dall-e-9\": {\"mode\": \"image_generation\", \"input_cost_per_token\": 0.0,"
        + " \"output_cost_per_token\": 0.0, \"input_cost_per_pixel\": 4e-8}}"))
        .isInstanceOf(PriceTableException.class).hasMessageContaining("no model with a token price");
    assertThat(table("{\"dall-e-9\": {\"input_cost_per_token\": 0.0, \"input_cost_per_pixel\": 4e-8},"
        + " \"m\": {\"input_cost_per_token\": 1e-6}}").resolve("dall-e-9")).isEmpty();
  }

  @Test
  void aProviderThatIsNotTextIsIgnored() {
    ModelPrice p = table("{\"m\": {\"litellm_provider\": 7, \"mode\": \"chat\", \"input_cost_per_token\": 1e-6}}")
        .resolve("m").orElseThrow();

    assertThat(p.provider()).isEmpty();
    assertThat(p.mode()).isEqualTo("chat");
  }

  @Test
  void aZeroThresholdIsNoTierAndItsValueIsNotEvenRead() {
    ModelPrice p = table("{\"m\": {\"input_cost_per_token\": 1e-6,"
        + " \"input_cost_per_token_above_0k_tokens\": \"not a price\","
        + " \"output_cost_per_token_above_0k_tokens\": -5}}").resolve("m").orElseThrow();

    assertThat(p.tiers()).hasSize(1);
    assertThat(p.cost(Usage.of("m", 10, 0))).isEqualByComparingTo("0.00001");
  }

  @Test
  void aTokenLimitOfZeroIsKeptAndANegativeOneIsNot() {
    ModelPrice zero = table("{\"m\": {\"input_cost_per_token\": 1e-6, \"max_output_tokens\": 0,"
        + " \"max_input_tokens\": 0}}").resolve("m").orElseThrow();
    ModelPrice negative = table("{\"m\": {\"input_cost_per_token\": 1e-6, \"max_output_tokens\": -1}}")
        .resolve("m").orElseThrow();

    assertThat(zero.maxOutputTokens()).isEqualTo(OptionalLong.of(0));
    assertThat(zero.maxInputTokens()).isEqualTo(OptionalLong.of(0));
    assertThat(negative.maxOutputTokens()).isEmpty();
  }

  @Test
  void pricesUpToTwentyIntegerDigitsOrAThousandDecimalPlacesAreReadAndBeyondAreRefused() {
    assertThat(table("{\"m\": {\"input_cost_per_token\": 12345678901234567890}}").resolve("m").orElseThrow()
        .inputCostPerToken()).isEqualByComparingTo("12345678901234567890");
    assertThat(table("{\"m\": {\"input_cost_per_token\": 1E-1000}}").resolve("m").orElseThrow()
        .inputCostPerToken()).isEqualByComparingTo(BigDecimal.ONE.movePointLeft(1000));

    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": 123456789012345678901}}"))
        .isInstanceOf(PriceTableException.class)
        .hasMessageEndingWith("must be below $10^20 with at most 1,000 decimal places, got 123456789012345678901");
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": 1E-1001}}"))
        .isInstanceOf(PriceTableException.class)
        .hasMessageEndingWith("got 1E-1001");
  }

  @Test
  void anOutOfRangePriceIsQuotedWholeUpToFortyCharactersAndCutBeyond() {
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": 1234567890123456789012345678901234567890}}"))
        .hasMessageEndingWith("got 1234567890123456789012345678901234567890");
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": 12345678901234567890123456789012345678901}}"))
        .hasMessageEndingWith("got 1234567890123456789012345678901234567890...");
  }

  @Test
  void aKeyThatStartsWithASlashIsFoundByItsBareNameAndOneThatStartsWithAWildcardIsNot() {
    PriceTable t = table("{\"/odd-model\": {\"input_cost_per_token\": 1e-6},"
        + " \"*/wild-model\": {\"input_cost_per_token\": 2e-6}}");

    assertThat(t.resolve("odd-model")).map(ModelPrice::name).contains("/odd-model");
    assertThat(t.resolve("wild-model")).isEmpty();
  }

  @Test
  void providersAsDearAsEachOtherLeaveTheBareNameToTheOneListedFirst() {
    String first = "\"azure/tie\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 3e-6}";
    String second = "\"bedrock/tie\": {\"input_cost_per_token\": 2e-6, \"output_cost_per_token\": 2e-6}";

    assertThat(table("{" + first + "," + second + "}").resolve("tie")).map(ModelPrice::name).contains("azure/tie");
    assertThat(table("{" + second + "," + first + "}").resolve("tie")).map(ModelPrice::name).contains("bedrock/tie");
  }

  @Test
  void aPriceThatIsNoNumberIsRefusedSayingWhatItIs() {
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": {\"usd\": 1}}}"))
        .isInstanceOf(PriceTableException.class).hasMessageEndingWith("expected a price in US dollars per token, got an object");
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": [1]}}"))
        .hasMessageEndingWith("got an array");
    assertThatThrownBy(() -> table("{\"m\": {\"input_cost_per_token\": true}}"))
        .hasMessageEndingWith("got a boolean");
  }

  @Test
  void theLargestTokenLimitIsKept() {
    ModelPrice p = table("{\"m\": {\"input_cost_per_token\": 1e-6, \"max_output_tokens\": 9223372036854775807}}")
        .resolve("m").orElseThrow();

    assertThat(p.maxOutputTokens()).isEqualTo(OptionalLong.of(Long.MAX_VALUE));
  }

  @Test
  void aLeadingSlashAndABedrockRegionAreStrippedToFindTheModel() {
    PriceTable t = table("{\"gpt-lead\": {\"input_cost_per_token\": 1e-6},"
        + " \"anthropic.claude-region\": {\"input_cost_per_token\": 2e-6}}");

    assertThat(t.resolve("/gpt-lead")).map(ModelPrice::name).contains("gpt-lead");
    assertThat(t.resolve("us.anthropic.claude-region")).map(ModelPrice::name).contains("anthropic.claude-region");
  }

  /**
   * A name that is all provider prefix ({@code other/}) or all snapshot suffix ({@code -latest},
   * {@code @20250929}) leaves no model name once stripped: it is unknown, not priced as a table entry
   * that is itself a bare prefix ({@code custom/}, whose name after its provider is empty).
   */
  @Test
  void aNameThatIsAllPrefixOrAllSuffixIsUnknownNotPricedAsAnEmptyName() {
    PriceTable t = table("{\"custom/\": {\"input_cost_per_token\": 1e-6}, \"gpt-x\": {\"input_cost_per_token\": 2e-6}}");

    assertThat(t.resolve("custom/")).map(ModelPrice::name).contains("custom/");
    assertThat(t.resolve("other/")).isEmpty();
    assertThat(t.resolve("-latest")).isEmpty();
    assertThat(t.resolve("@20250929")).isEmpty();
    assertThat(t.resolve("other/gpt-x-latest")).map(ModelPrice::name).contains("gpt-x");
  }

  @Test
  void aTableAndAPriceDescribeThemselves() {
    PriceTable t = table("{\"xai/grok-x\": {\"litellm_provider\": \"xai\", \"input_cost_per_token\": 3e-06,"
        + " \"input_cost_per_token_above_128k_tokens\": 6e-06, \"output_cost_per_token\": 1.5e-05},"
        + " \"flat\": {\"input_cost_per_token\": 1e-06}}");

    assertThat(t).hasToString("PriceTable[rules.json, 2 models]");
    assertThat(t.withAliases(java.util.Map.of("my-grok", "xai/grok-x")))
        .hasToString("PriceTable[rules.json, 2 models, 1 aliases]");
    assertThat(t.resolve("xai/grok-x").orElseThrow())
        .hasToString("ModelPrice[xai/grok-x, xai, input 0.000003 $/token, output 0.000015 $/token, 1 higher tier(s)]");
    assertThat(t.resolve("flat").orElseThrow())
        .hasToString("ModelPrice[flat, , input 0.000001 $/token, output 0 $/token]");
  }
}
