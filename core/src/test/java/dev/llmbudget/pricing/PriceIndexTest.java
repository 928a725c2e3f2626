package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiled index of the bundled table prices every model exactly as the JSON it came from. */
class PriceIndexTest {

  /** Everything a price is made of, as a value that compares with equals (BigDecimal scale included). */
  private static List<Object> facts(ModelPrice p) {
    return List.of(p.name(), p.provider(), p.mode(), p.maxInputTokens(), p.maxOutputTokens(), p.tiers(),
        p.forServiceTier("priority").tiers(), p.forServiceTier("flex").tiers());
  }

  private static List<List<Object>> facts(Map<String, ModelPrice> models) {
    List<List<Object>> all = new ArrayList<>();
    models.forEach((key, price) -> all.add(List.of(key, facts(price))));
    return all;
  }

  private static Map<String, ModelPrice> json() throws IOException {
    try (InputStream in = PriceIndexTest.class.getResourceAsStream(PriceTable.DEFAULT_RESOURCE)) {
      return PriceTableParser.parse(in, "json");
    }
  }

  @Test
  void theBundledIndexHoldsEveryEntryOfTheBundledJsonInOrder() throws IOException {
    Map<String, ModelPrice> fromIndex;
    try (InputStream in = getClass().getResourceAsStream(PriceIndex.RESOURCE)) {
      assertThat(in).as("the build compiles " + PriceIndex.RESOURCE + " (exec-maven-plugin, process-classes)").isNotNull();
      fromIndex = PriceIndex.read(in);
    }
    Map<String, ModelPrice> fromJson = json();

    assertThat(fromIndex).hasSameSizeAs(fromJson).hasSizeGreaterThan(2_000);
    assertThat(facts(fromIndex)).isEqualTo(facts(fromJson));
  }

  @Test
  void theDefaultTablePricesTieredCachedReasoningAndOneHourWritesAsTheJsonDoes() throws IOException {
    PriceTable fromJson = PriceTable.parse(new ByteArrayInputStream(bundledJson()), "json");
    Usage big = new Usage("m", 300_000, 2_000, 500, 10_000, 3_000, 400, false);
    Usage small = new Usage("m", 1_000, 200, 50, 100, 30, 40, false);
    for (String model : List.of("gpt-4o-mini", "gemini-2.5-pro", "claude-sonnet-4-5", "anthropic/claude-opus-4-1",
        "o3", "bedrock/us-east-1/anthropic.claude-3-5-sonnet-20240620-v1:0", "grok-4", "gpt-4o-2024-08-06")) {
      assertThat(PriceTable.defaultTable().resolve(model).map(p -> List.of(facts(p), p.cost(big), p.cost(small))))
          .as(model).isEqualTo(fromJson.resolve(model).map(p -> List.of(facts(p), p.cost(big), p.cost(small))));
    }
    assertThat(PriceTable.defaultTable().source()).isEqualTo("bundled dev/llmbudget/pricing/model_prices_and_context_window.json");
  }

  private static final String LONG_NAME = "provider/" + "x".repeat(300);

  @Test
  void pricesBeyondALongTiersAndLimitsSurviveTheRoundTrip() throws IOException {
    String json = "{\"sample_spec\": {\"input_cost_per_token\": 1},"
        + " \"exact\": {\"litellm_provider\": \"p\", \"mode\": \"chat\", \"max_input_tokens\": 1000000,"
        + " \"max_tokens\": 8192, \"input_cost_per_token\": 1.00000000000000000000000000001e-6,"
        + " \"output_cost_per_token\": \"3e-6\", \"input_cost_per_token_above_200k_tokens\": 2.50E-6,"
        + " \"cache_creation_input_token_cost_above_1hr\": 6e-6, \"output_cost_per_reasoning_token\": 0.0},"
        + " \"images-only\": {\"input_cost_per_token\": 0.0, \"output_cost_per_token\": 0, \"input_cost_per_image\": 0.04},"
        // an unscaled value of exactly 64 bits (2^64 - 1): one bit more than a signed long holds
        + " \"other\": {\"output_cost_per_token\": 4e-6, \"input_cost_per_token\": 1.8446744073709551615e-6},"
        // names beyond ASCII (a two- and a three-byte character, and modified UTF-8's two-byte NUL)
        + " \"mod\u00e8le-\u20ac\": {\"litellm_provider\": \"fournisseur-\u00e9\", \"input_cost_per_token\": 5e-6},"
        + " \"nul\\u0000name\": {\"input_cost_per_token\": 6e-6},"
        // a name whose only character beyond ASCII is its last, and one longer than 255 bytes
        + " \"tail-\u00e9\": {\"input_cost_per_token\": 7e-6}, \"" + LONG_NAME + "\": {\"input_cost_per_token\": 8e-6}}";
    ByteArrayOutputStream compiled = new ByteArrayOutputStream();
    PriceIndex.write(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json", compiled);

    Map<String, ModelPrice> read = PriceIndex.read(new ByteArrayInputStream(compiled.toByteArray()));
    Map<String, ModelPrice> parsed = PriceTableParser.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json");

    assertThat(facts(read)).isEqualTo(facts(parsed));
    assertThat(read).containsOnlyKeys("exact", "other", "mod\u00e8le-\u20ac", "nul\u0000name", "tail-\u00e9", LONG_NAME);
    assertThat(read.get("mod\u00e8le-\u20ac").provider()).isEqualTo("fournisseur-\u00e9");
    assertThat(read.get("other").inputCostPerToken()).isEqualByComparingTo("1.8446744073709551615e-6");
  }

  @Test
  void anIndexOfAnotherFormatIsNotRead() throws IOException {
    assertThat(PriceIndex.read(new ByteArrayInputStream("{\"gpt-4o\": {}}      ".getBytes(StandardCharsets.UTF_8)))).isNull();
  }

  @Test
  void everyNameResolvesInTheLazilyDecodedDefaultTableAsInTheJsonOne() throws IOException {
    // The default table decodes each price when first asked for, and picks the dearer of entries
    // sharing a bare name only then: every key, in another case and bare, must land where the JSON does.
    PriceTable fromJson = PriceTable.parse(new ByteArrayInputStream(bundledJson()), "json");
    PriceTable lazy = PriceTable.defaultTable();
    List<String> names = new ArrayList<>();
    for (String key : json().keySet()) {
      names.add(key);
      names.add(key.toUpperCase(java.util.Locale.ROOT));
      names.add(ModelNameForms.bareName(key));
    }
    for (String name : names) {
      assertThat(lazy.resolve(name).map(PriceIndexTest::facts)).as(name)
          .isEqualTo(fromJson.resolve(name).map(PriceIndexTest::facts));
    }
    assertThat(lazy.size()).isEqualTo(fromJson.size());
  }

  @Test
  void aDamagedIndexFailsAtOpeningNotAtTheFirstCall() throws IOException {
    byte[] whole;
    try (InputStream in = getClass().getResourceAsStream(PriceIndex.RESOURCE)) {
      whole = in.readAllBytes();
    }
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 5);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PriceIndex.readLazily(new ByteArrayInputStream(cut)))
        .isInstanceOf(IOException.class);
    // Cut anywhere after the header: a typed IOException, never an index out of bounds.
    ByteArrayOutputStream small = new ByteArrayOutputStream();
    PriceIndex.write(new ByteArrayInputStream(("{\"a\": {\"input_cost_per_token\": 1e-6, \"output_cost_per_token\": "
        + "\"2.0000000000000000000000000001e-6\"}, \"b\u00e9\": {\"litellm_provider\": \"p\", \"mode\": \"chat\", \"input_cost_per_token\": 3e-6}}")
        .getBytes(StandardCharsets.UTF_8)), "s.json", small);
    byte[] index = small.toByteArray();
    assertThat(PriceIndex.readLazily(new ByteArrayInputStream(index))).containsOnlyKeys("a", "b\u00e9");
    for (int length = 8; length < index.length; length++) {
      byte[] shorter = java.util.Arrays.copyOf(index, length);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PriceIndex.readLazily(new ByteArrayInputStream(shorter)))
          .as("cut at %d of %d", length, index.length).isInstanceOf(IOException.class);
    }
  }

  @Test
  void aNameIsFoundByTheNameTableAndEntriesAreWalkedInFileOrder() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PriceIndex.write(new ByteArrayInputStream(("{\"zeta\": {\"input_cost_per_token\": 1e-6}, \"alpha\": "
        + "{\"input_cost_per_token\": 2e-6}, \"mid\": {\"input_cost_per_token\": 3e-6}}").getBytes(StandardCharsets.UTF_8)),
        "o.json", out);
    byte[] index = out.toByteArray();
    Map<String, LazyPrice> entries = PriceIndex.readLazily(new ByteArrayInputStream(index));
    assertThat(entries.keySet()).containsExactly("zeta", "alpha", "mid");
    assertThat(entries.get("alpha").get().inputCostPerToken()).isEqualByComparingTo("2e-6");
    assertThat(entries.get("zeta").get().inputCostPerToken()).isEqualByComparingTo("1e-6");
    assertThat(entries.get("mid").get().inputCostPerToken()).isEqualByComparingTo("3e-6");
    assertThat(entries.get("beta")).isNull();
    assertThat(entries.get("zz")).isNull();
    assertThat(entries.get("a")).isNull();
    assertThat(entries.containsKey("mid")).isTrue();
    assertThat(entries.containsKey(42)).isFalse();
    assertThat(entries).hasSize(3);
    assertThat(entries.entrySet()).hasSize(3);
    var walk = entries.entrySet().iterator();
    for (int i = 0; i < 3; i++) {
      walk.next();
    }
    assertThat(walk.hasNext()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(walk::next).isInstanceOf(java.util.NoSuchElementException.class);

    // A name table pointing outside the index: a typed error naming the index, not an index out of bounds.
    byte[] damaged = index.clone();
    int last = damaged.length - 4;
    damaged[last] = 0x7f;
    Map<String, LazyPrice> bad = PriceIndex.readLazily(new ByteArrayInputStream(damaged));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
      for (String name : List.of("alpha", "mid", "zeta")) {
        bad.get(name);
      }
    }).isInstanceOf(PriceTableException.class).hasMessageContaining(PriceIndex.RESOURCE);
  }

  private static byte[] bundledJson() throws IOException {
    try (InputStream in = PriceIndexTest.class.getResourceAsStream(PriceTable.DEFAULT_RESOURCE)) {
      return in.readAllBytes();
    }
  }
}
