package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.store.Picodollars;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pricing in picodollars gives, to the picodollar, what the exact dollar pricing rounds up to. */
class ModelPricePicosTest {

  /** Usages that reach every rate and, for tiered models, both sides of every threshold. */
  private static List<Usage> usages(String model) {
    List<Usage> all = new ArrayList<>();
    for (long prompt : new long[] {0, 1, 1_000, 127_999, 128_000, 128_001, 199_999, 200_000, 200_001, 1_000_000}) {
      all.add(Usage.of(model, prompt, 0));
      all.add(new Usage(model, prompt, 777, 0, 0, 0, 0, false));
      all.add(new Usage(model, prompt / 3, 1_234, prompt / 3, prompt / 6, prompt / 6, 1_000, false));
      // audio on both sides: its own rates, or the text ones of its side
      all.add(new Usage(model, prompt, 777, 0, 0, 0, 100, false).withAudio(prompt / 2, 300));
    }
    return all;
  }

  /** What the engine's bound was before it moved into ModelPrice, in dollars, rounded up once. */
  private static long boundAsDollars(ModelPrice price, long input, long output) {
    ModelPrice.Tier base = price.tierFor(0);
    ModelPrice.Tier tier = price.tierFor(input);
    // the prompt's tokens are text: the audio input rate is not in the bound (an audio clip's tokens
    // are not in a request's bound at all); the audio output rate is, as a model may answer in audio
    BigDecimal in = inputRate(base).max(inputRate(tier));
    BigDecimal cost = in.multiply(BigDecimal.valueOf(input));
    if (output > 0) {
      BigDecimal out = tier.output().max(tier.reasoning()).max(price.outputCostPerToken())
          .max(price.reasoningCostPerToken()).max(price.audioOutputCostPerToken());
      cost = cost.add(out.multiply(BigDecimal.valueOf(output)));
    }
    return Picodollars.of(cost);
  }

  private static BigDecimal inputRate(ModelPrice.Tier t) {
    return t.input().max(t.cacheRead()).max(t.cacheWrite5m()).max(t.cacheWrite1h());
  }

  @Test
  void everyModelOfTheBundledTablePricesTheSameInPicodollars() throws Exception {
    PriceTable table = PriceTable.defaultTable();
    JsonNode json;
    try (InputStream in = PriceTable.class.getResourceAsStream(PriceTable.DEFAULT_RESOURCE)) {
      json = SdkJson.MAPPER.readTree(in);
    }
    int models = 0;
    int tiered = 0;
    for (Iterator<String> keys = json.fieldNames(); keys.hasNext(); ) {
      ModelPrice price = table.resolve(keys.next()).orElse(null);
      if (price == null) {
        continue;
      }
      models++;
      tiered += price.tiers().size() > 1 ? 1 : 0;
      // the service-tier variants too: each has its own rates in picodollars
      for (ModelPrice p : List.of(price, price.forServiceTier("priority"), price.forServiceTier("flex"))) {
        for (Usage u : usages(p.name())) {
          assertThat(p.costPicos(u)).as("%s %s", p, u).isEqualTo(Picodollars.of(p.cost(u)));
          assertThat(p.boundCostPicos(u.promptTokens(), u.outputTokens())).as("bound %s %s", p, u)
              .isEqualTo(boundAsDollars(p, u.promptTokens(), u.outputTokens()));
        }
      }
    }
    assertThat(models).isGreaterThan(1000);
    assertThat(tiered).as("tiered models checked").isGreaterThan(10);
  }

  @Test
  void ratesFinerThanAPicodollarAreRoundedUpOnceAsInDollars() {
    ModelPrice fine = ModelPrice.of("fine", "openai", "chat", -1, -1, Map.of(
        ModelPrice.INPUT, new BigDecimal("1.5E-13"), ModelPrice.OUTPUT, new BigDecimal("2E-12"),
        "input_cost_per_token_above_200k_tokens", new BigDecimal("3.3E-13")));
    Usage u = Usage.of("fine", 3, 1);
    assertThat(fine.costPicos(u)).isEqualTo(3).isEqualTo(Picodollars.of(fine.cost(u))); // 0.45 + 2 = 2.45 -> 3
    // 300,000 x 3.3e-13 (the tier is dearer than the base) + 2 x 2e-12 = 99,004 picodollars
    assertThat(fine.boundCostPicos(300_000, 2)).isEqualTo(99_004).isEqualTo(boundAsDollars(fine, 300_000, 2));
  }

  /**
   * A model of a table parsed here, not the bundled one (whose rates in picodollars a JVM works out
   * once and keeps), prices its bound in longs as the dollar pricing does: tiered with whole
   * picodollar rates, with every rate a fraction of a picodollar, and with a rate a long of
   * picodollars cannot hold, which is the clear error, never a free call.
   */
  @Test
  void boundsOfModelsParsedHereMatchTheDollarBoundForTiersFractionsAndHugeRates() {
    ModelPrice tiered = ModelPrice.of("tiered", "vertex_ai", "chat", -1, -1, Map.of(
        ModelPrice.INPUT, new BigDecimal("1.25E-6"), ModelPrice.OUTPUT, new BigDecimal("5E-6"),
        "input_cost_per_token_above_128k_tokens", new BigDecimal("2.5E-6"),
        "output_cost_per_token_above_128k_tokens", new BigDecimal("1E-5")));
    // 200,000 x 2.5e-6 + 1,000 x 1e-5 = $0.51; below the tier, 1,000 x 1.25e-6 + 10 x 5e-6 = $0.0013
    assertThat(tiered.boundCostPicos(200_000, 1_000)).isEqualTo(Picodollars.of(new BigDecimal("0.51")))
        .isEqualTo(boundAsDollars(tiered, 200_000, 1_000));
    assertThat(tiered.boundCostPicos(1_000, 10)).isEqualTo(Picodollars.of(new BigDecimal("0.0013")));

    ModelPrice fractions = ModelPrice.of("fractions", "openai", "chat", -1, -1, Map.of(
        ModelPrice.INPUT, new BigDecimal("1.5E-13"), ModelPrice.OUTPUT, new BigDecimal("2.5E-13")));
    // 3 x 0.15 + 1 x 0.25 = 0.7 picodollars, rounded up once
    assertThat(fractions.boundCostPicos(3, 1)).isEqualTo(1).isEqualTo(boundAsDollars(fractions, 3, 1));

    ModelPrice beyond = ModelPrice.of("beyond", "openai", "chat", -1, -1,
        Map.of(ModelPrice.INPUT, new BigDecimal("1E+7"))); // 10^19 picodollars a token
    assertThatThrownBy(() -> beyond.boundCostPicos(1, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond the largest supported amount");
  }

  @Test
  void aCostBeyondALongIsTheSameClearError() {
    ModelPrice dear = ModelPrice.of("dear", "openai", "chat", -1, -1, Map.of(ModelPrice.INPUT, new BigDecimal("1000")));
    Usage huge = Usage.of("dear", Long.MAX_VALUE / 2, 0);
    assertThatThrownBy(() -> dear.costPicos(huge)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond the largest supported amount");
    assertThatThrownBy(() -> dear.boundCostPicos(Long.MAX_VALUE / 2, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beyond the largest supported amount");
  }

  @Test
  void pricingACallInPicodollarsAllocatesNothing() {
    ModelPrice sonnet = PriceTable.defaultTable().require("claude-sonnet-4-5");
    Usage u = new Usage("claude-sonnet-4-5", 250_000, 800, 1_000, 2_000, 3_000, 100, false);
    ModelPrice gpt5 = PriceTable.defaultTable().require("gpt-5");
    Usage u5 = Usage.of("gpt-5", 1_000, 500).withServiceTier("priority");
    ModelPrice audio = PriceTable.defaultTable().require("gpt-4o-audio-preview");
    Usage ua = Usage.of("gpt-4o-audio-preview", 1_000, 500).withAudio(600, 400);
    long sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += sonnet.costPicos(u) + sonnet.boundCostPicos(250_000, 800) // compiled before measuring
          + gpt5.forServiceTier(u.serviceTier()).costPicos(u5) + gpt5.forServiceTier("priority").costPicos(u5)
          + audio.costPicos(ua) + audio.boundCostPicos(1_000, 500);
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    long cost = sonnet.costPicos(u);
    long bound = sonnet.boundCostPicos(250_000, 800);
    long priority = gpt5.forServiceTier(u.serviceTier()).costPicos(u5)
        + gpt5.forServiceTier("priority").costPicos(u5);
    long audioCost = audio.costPicos(ua) + audio.boundCostPicos(1_000, 500);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(sum).isPositive();
    assertThat(cost).isEqualTo(Picodollars.of(sonnet.cost(u)));
    assertThat(bound).isGreaterThan(cost);
    assertThat(priority).isPositive();
    // the bound: 1,000 text prompt tokens at 2,500,000 and 500 output tokens at 80,000,000
    assertThat(audioCost).isEqualTo(58_000_000_000L + 42_500_000_000L);
    assertThat(allocated).as("bytes allocated pricing a call and its bound").isZero();
  }
  /**
   * A model read from a table at run time (a table given by {@code llmbudget.prices}, not the
   * bundled one whose rates this JVM converted once already) is priced in longs too: whole rates,
   * a zero one (free cache reads) and a tier's, allocate nothing per call.
   */
  @Test
  void aModelParsedHereWithWholeAndZeroRatesIsPricedWithoutAllocating() {
    ModelPrice tiered = ModelPrice.of("tiered-here", "vertex_ai", "chat", -1, -1, Map.of(
        ModelPrice.INPUT, new BigDecimal("1.25E-6"), ModelPrice.OUTPUT, new BigDecimal("5.000001E-6"),
        ModelPrice.CACHE_READ, BigDecimal.ZERO, "input_cost_per_token_above_128k_tokens", new BigDecimal("2.5E-6"),
        "output_cost_per_token_above_128k_tokens", new BigDecimal("1E-5")));
    Usage u = Usage.of("tiered-here", 200_000, 1_000);
    long sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += tiered.costPicos(u) + tiered.boundCostPicos(200_000, 1_000); // compiled before measuring
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    long cost = tiered.costPicos(u);
    long bound = tiered.boundCostPicos(200_000, 1_000);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(sum).isPositive();
    // 200,000 x 2.5e-6 + 1,000 x 1e-5 = $0.51
    assertThat(cost).isEqualTo(bound).isEqualTo(Picodollars.of(new BigDecimal("0.51")));
    assertThat(allocated).as("bytes allocated pricing a call and its bound").isZero();
  }
}
