package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The names SDKs and users send, resolved against the bundled table. */
class PriceTableResolveTest {

  private static final PriceTable TABLE = PriceTable.defaultTable();

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // exact keys, including keys that carry a prefix themselves
      "gpt-4o,                                       gpt-4o",
      "ollama/llama3,                                ollama/llama3",
      "azure/gpt-4o,                                 azure/gpt-4o",
      "gpt-4o-mini-2024-07-18,                       gpt-4o-mini-2024-07-18",
      "claude-sonnet-4-5-20250929,                   claude-sonnet-4-5-20250929",
      "us.anthropic.claude-3-5-sonnet-20240620-v1:0, us.anthropic.claude-3-5-sonnet-20240620-v1:0",
      "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0, bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0",
      "vertex_ai/claude-3-5-sonnet@20240620,         vertex_ai/claude-3-5-sonnet@20240620",
      // case
      "GPT-4O-MINI,                                  gpt-4o-mini",
      "OpenAI/GPT-4o,                                gpt-4o",
      // provider prefix stripped
      "openai/gpt-4o,                                gpt-4o",
      "anthropic/claude-sonnet-4-5,                  claude-sonnet-4-5",
      "bedrock/converse/us.anthropic.claude-3-5-sonnet-20240620-v1:0, us.anthropic.claude-3-5-sonnet-20240620-v1:0",
      // dated snapshots and versions fall back to the undated name
      "gpt-4o-2099-01-01,                            gpt-4o",
      "openai/gpt-4o-mini-2099-12-31,                gpt-4o-mini",
      "claude-sonnet-4-5-20991231,                   claude-sonnet-4-5",
      "claude-sonnet-4-5@20250929,                   claude-sonnet-4-5",
      "claude-sonnet-4-5-latest,                     claude-sonnet-4-5",
      "us.anthropic.claude-sonnet-4-6-v1:0,          us.anthropic.claude-sonnet-4-6",
      // Bedrock region prefix stripped
      "apac.anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic.claude-sonnet-4-5-20250929-v1:0",
      "bedrock/apac.anthropic.claude-sonnet-4-5-20250929-v1:0, anthropic.claude-sonnet-4-5-20250929-v1:0",
      // provider prefix added
      "llama3,                                       ollama/llama3",
      "codestral-mamba-latest,                       mistral/codestral-mamba-latest",
  })
  void resolves(String asked, String key) {
    assertThat(TABLE.resolve(asked)).hasValueSatisfying(p -> assertThat(p.name()).isEqualTo(key));
  }

  @Test
  void regionalKeysWinOverTheRegionlessOnes() {
    assertThat(TABLE.require("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0").name())
        .isEqualTo("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0");
  }

  @Test
  void aNameSeveralProvidersListGetsTheDearestOfThem() {
    ModelPrice chosen = TABLE.require("kimi-k2-thinking");
    ModelPrice moonshot = TABLE.require("moonshot/kimi-k2-thinking");

    assertThat(chosen.name()).endsWithIgnoringCase("/kimi-k2-thinking");
    assertThat(chosen.inputCostPerToken().add(chosen.outputCostPerToken()))
        .isGreaterThanOrEqualTo(moonshot.inputCostPerToken().add(moonshot.outputCostPerToken()));
  }

  @Test
  void unknownModelsResolveToNothing() {
    assertThat(TABLE.resolve("no-such-model-xyz")).isEmpty();
    assertThat(TABLE.resolve("acme/no-such-model-2024-01-01")).isEmpty();
    assertThat(TABLE.resolve(null)).isEmpty();
  }

  @Test
  void modelsWithoutTokenPricesAreNotPricedAsFree() {
    // Image models price per image; the table must not answer with a zero token price.
    assertThat(TABLE.resolve("dall-e-3")).isEmpty();
  }

  @Test
  void requireExplainsHowToFixAnUnknownModel() {
    assertThatThrownBy(() -> TABLE.require("my-private-model"))
        .isInstanceOfSatisfying(UnknownModelException.class,
            e -> assertThat(e.model()).isEqualTo("my-private-model"))
        .hasMessageContaining("'my-private-model' is not in the price table")
        .hasMessageContaining("model_prices_and_context_window.json")
        .hasMessageContaining("llmbudget.prices")
        .hasMessageContaining("llmbudget.unknown_model=warn");
  }

  @Test
  void answersAreCachedButTheCacheIsBounded() {
    PriceTable table = PriceTable.parse(
        getClass().getResourceAsStream(PriceTable.DEFAULT_RESOURCE), "fresh copy");
    assertThat(table.resolve("openai/gpt-4o")).isSameAs(table.resolve("openai/gpt-4o"));

    for (int i = 0; i < PriceTable.MAX_CACHED_NAMES + 500; i++) {
      assertThat(table.resolve("unknown-" + i)).isEmpty();
    }
    assertThat(table.cachedNameCount()).isEqualTo(PriceTable.MAX_CACHED_NAMES);
    assertThat(table.resolve("gpt-4o-2099-01-01")).hasValueSatisfying(
        p -> assertThat(p.name()).isEqualTo("gpt-4o"));
  }

  @Test
  void aliasesPriceADeploymentAsTheModelItNames() {
    PriceTable aliased = TABLE.withAliases(Map.of("prod-chat-eastus", "openai/gpt-4o-mini"));

    assertThat(aliased.require("prod-chat-eastus").name()).isEqualTo("gpt-4o-mini");
    assertThat(aliased.require("Prod-Chat-EastUS").name()).isEqualTo("gpt-4o-mini");
    assertThat(aliased.require("gpt-4o").name()).isEqualTo("gpt-4o");
    assertThat(TABLE.resolve("prod-chat-eastus")).isEmpty();
  }

  @Test
  void anAliasToAnUnknownModelIsRefusedAtOnce() {
    assertThatThrownBy(() -> TABLE.withAliases(Map.of("prod", "gpt-17")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'prod'")
        .hasMessageContaining("'gpt-17'");
  }
}
