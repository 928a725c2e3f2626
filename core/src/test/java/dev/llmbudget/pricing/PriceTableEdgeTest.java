package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Entries at the edges of LiteLLM's format: shared bare names, tiers, limits, odd units. */
class PriceTableEdgeTest {

  private static PriceTable table(String json) {
    return PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "edge.json");
  }

  @Test
  void aBareNameSharedByProvidersResolvesToTheDearerPriceWhicheverComesFirst() {
    String cheap = "\"azure/shared-model\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6}";
    String dear = "\"bedrock/shared-model\": {\"input_cost_per_token\": 3e-6, \"output_cost_per_token\": 4e-6}";

    ModelPrice a = table("{" + cheap + "," + dear + "}").resolve("shared-model").orElseThrow();
    ModelPrice b = table("{" + dear + "," + cheap + "}").resolve("shared-model").orElseThrow();

    assertThat(a.inputCostPerToken()).isEqualByComparingTo("3e-6");
    assertThat(b.inputCostPerToken()).isEqualByComparingTo("3e-6");
    assertThat(table("{\"vendor/wild-*\": {\"input_cost_per_token\": 1e-6}}").resolve("wild-x")).isEmpty();
  }

  @Test
  void tiersStartAboveTheirThresholdAndNonsenseThresholdsAreIgnored() {
    ModelPrice p = table("{\"tiered\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 2e-6,"
        + " \"input_cost_per_token_above_128k_tokens\": 5e-6,"
        + " \"input_cost_per_token_above_0k_tokens\": 9e-6,"
        + " \"input_cost_per_token_above_1234567890k_tokens\": 9e-6,"
        + " \"input_cost_per_token_above_999999999k_tokens\": 7e-6}}").resolve("tiered").orElseThrow();

    assertThat(p.tiers()).extracting(ModelPrice.Tier::aboveTokens).containsExactly(0L, 128_000L, 999_999_999_000L);
    assertThat(p.tiers().get(1).input()).isEqualByComparingTo("5e-6");
  }

  @Test
  void tokenLimitsOfZeroAreKeptAndNegativeOnesAreNotLimits() {
    PriceTable t = table("{"
        + "\"zero\": {\"input_cost_per_token\": 1e-6, \"max_input_tokens\": 0, \"max_output_tokens\": 0, \"max_tokens\": 100},"
        + "\"legacy\": {\"input_cost_per_token\": 1e-6, \"max_tokens\": 100},"
        + "\"negative\": {\"input_cost_per_token\": 1e-6, \"max_input_tokens\": -5, \"max_output_tokens\": -1}}");

    assertThat(t.resolve("zero").orElseThrow().maxInputTokens()).hasValue(0);
    assertThat(t.resolve("zero").orElseThrow().maxOutputTokens()).hasValue(0);
    assertThat(t.resolve("legacy").orElseThrow().maxOutputTokens()).hasValue(100);
    assertThat(t.resolve("negative").orElseThrow().maxInputTokens()).isEmpty();
    assertThat(t.resolve("negative").orElseThrow().maxOutputTokens()).isEmpty();
  }

  @Test
  void anEntryNeedsATokenPriceAndFreeTokensNextToAnotherUnitAreNotFree() {
    PriceTable t = table("{"
        + "\"output-only\": {\"output_cost_per_token\": 2e-6},"
        + "\"input-only\": {\"input_cost_per_token\": 1e-6},"
        + "\"no-price\": {\"mode\": \"chat\"},"
        + "\"local-free\": {\"input_cost_per_token\": 0, \"output_cost_per_token\": 0},"
        + "\"image-gen\": {\"input_cost_per_token\": 0, \"output_cost_per_token\": 0, \"input_cost_per_image\": 0.04},"
        + "\"image-free\": {\"input_cost_per_token\": 0, \"output_cost_per_token\": 0, \"input_cost_per_image\": 0}}");

    assertThat(t.resolve("output-only")).isPresent();
    assertThat(t.resolve("input-only")).isPresent();
    assertThat(t.resolve("no-price")).isEmpty();
    assertThat(t.resolve("local-free")).isPresent();
    assertThat(t.resolve("image-gen")).isEmpty();
    assertThat(t.resolve("image-free")).isPresent();
  }
}
