package dev.llmbudget.pricing;

import dev.llmbudget.Usage;
import dev.llmbudget.store.Picodollars;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The per-token prices of one price-table entry, in US dollars, and the exact cost of a call's
 * {@link Usage} at those prices. Immutable.
 *
 * <p>Every rate accessor returns the <em>effective</em> rate, after the fallbacks that
 * {@link #cost(Usage)} applies: a missing cache-read or cache-write price is the input price, a
 * missing one-hour cache-write price is the five-minute one, a missing reasoning price is the
 * output price, a missing audio input or output price is the text rate of the same side (of the
 * tier the call falls in). See {@code docs/pricing.md} for the tier and audio rules.
 */
public final class ModelPrice {

  /**
   * The rates that apply when a call's prompt tokens ({@link Usage#promptTokens()}) are above
   * {@code aboveTokens}; the base rates are the tier with {@code aboveTokens == 0}. Every rate is
   * effective: a kind the table does not price in this tier falls back to its base rate.
   */
  public record Tier(
      long aboveTokens,
      BigDecimal input,
      BigDecimal output,
      BigDecimal reasoning,
      BigDecimal cacheRead,
      BigDecimal cacheWrite5m,
      BigDecimal cacheWrite1h) {

    public Tier {
      Objects.requireNonNull(input, "input");
      Objects.requireNonNull(output, "output");
      Objects.requireNonNull(reasoning, "reasoning");
      Objects.requireNonNull(cacheRead, "cacheRead");
      Objects.requireNonNull(cacheWrite5m, "cacheWrite5m");
      Objects.requireNonNull(cacheWrite1h, "cacheWrite1h");
    }

    BigDecimal highestInputSideRate() {
      return input.max(cacheRead).max(cacheWrite5m).max(cacheWrite1h);
    }
  }

  static final String INPUT = "input_cost_per_token";
  static final String OUTPUT = "output_cost_per_token";
  static final String REASONING = "output_cost_per_reasoning_token";
  static final String CACHE_READ = "cache_read_input_token_cost";
  static final String CACHE_WRITE_5M = "cache_creation_input_token_cost";
  static final String CACHE_WRITE_1H = "cache_creation_input_token_cost_above_1hr";
  static final String AUDIO_INPUT = "input_cost_per_audio_token";
  static final String AUDIO_OUTPUT = "output_cost_per_audio_token";
  private static final List<String> TIERED_KINDS =
      List.of(INPUT, OUTPUT, CACHE_READ, CACHE_WRITE_5M, CACHE_WRITE_1H);
  private static final String ABOVE = "_above_";
  private static final String K_TOKENS = "k_tokens";
  /** OpenAI's service tiers that the table prices apart, as {@code <field>_priority} and {@code <field>_flex}. */
  static final String PRIORITY = "priority";
  static final String FLEX = "flex";
  private static final String PRIORITY_SUFFIX = "_" + PRIORITY;
  private static final String FLEX_SUFFIX = "_" + FLEX;

  private final String name;
  private final String provider;
  private final String mode;
  private final long maxInputTokens;
  private final long maxOutputTokens;
  private final Tier base;
  /** Ascending by threshold; never contains the base tier. */
  private final List<Tier> tiers;
  private final boolean inclusiveThresholds;
  private final BigDecimal maxPerTokenInputRate;
  /** The table's audio rates, not tiered (as LiteLLM prices them); {@code null}: audio pays the text rate of its side. */
  private final BigDecimal audioInput;
  private final BigDecimal audioOutput;
  /**
   * Rates a tier in {@link #picoRates}: input, output, reasoning, cache read, 5-minute and 1-hour
   * write, audio input, audio output.
   */
  private static final int RATES = 8;
  private static final long[] NOT_WHOLE = new long[0];
  /** Set once on first use (threads that race compute the same array); see {@link #picoRates()}. */
  private volatile long[] picoRates;
  /** The service tier whose rates these are: {@code null} for the standard ones. */
  private final String serviceTier;
  /** The standard price and its service-tier variants; a tier the entry does not price is the standard itself. */
  private final ModelPrice standard;
  private final ModelPrice priority;
  private final ModelPrice flex;

  /**
   * The standard price of an entry's {@code prices}, with its priority and flex variants made at
   * once (the few extra objects are cheaper than a lookup per call, and only for entries that
   * price those tiers).
   */
  private ModelPrice(String name, String provider, String mode, long maxInputTokens,
      long maxOutputTokens, Map<String, BigDecimal> prices) {
    // the tier builders read standard field names only, so the variants' fields are not in their way
    this(name, provider, mode, maxInputTokens, maxOutputTokens, baseTier(prices), higherTiers(prices), null, null,
        prices);
  }

  /** A service-tier variant of {@code standard}, from {@code prices} already named as standard fields. */
  private ModelPrice(String name, String provider, String mode, long maxInputTokens,
      long maxOutputTokens, Map<String, BigDecimal> prices, String serviceTier, ModelPrice standard) {
    this(name, provider, mode, maxInputTokens, maxOutputTokens, baseTier(prices), higherTiers(prices), serviceTier,
        standard, prices);
  }

  private ModelPrice(String name, String provider, String mode, long maxInputTokens,
      long maxOutputTokens, Tier base, List<Tier> tiers, String serviceTier, ModelPrice standard,
      Map<String, BigDecimal> allPrices) {
    this.serviceTier = serviceTier;
    if (standard == null) {
      this.standard = this;
      this.priority = pricesTier(allPrices, PRIORITY_SUFFIX)
          ? new ModelPrice(name, provider, mode, maxInputTokens, maxOutputTokens,
              inServiceTier(allPrices, PRIORITY_SUFFIX), PRIORITY, this)
          : this;
      this.flex = pricesTier(allPrices, FLEX_SUFFIX)
          ? new ModelPrice(name, provider, mode, maxInputTokens, maxOutputTokens,
              inServiceTier(allPrices, FLEX_SUFFIX), FLEX, this)
          : this;
    } else {
      this.standard = standard;
      this.priority = null;
      this.flex = null;
    }
    this.name = name;
    this.provider = provider;
    this.mode = mode;
    this.maxInputTokens = maxInputTokens;
    this.maxOutputTokens = maxOutputTokens;
    this.base = base;
    this.tiers = List.copyOf(tiers);
    // LiteLLM bills xAI's higher tier once the prompt reaches the threshold, everyone else's once
    // it passes it.
    this.inclusiveThresholds = "xai".equals(provider);
    this.audioInput = allPrices.get(AUDIO_INPUT);
    this.audioOutput = allPrices.get(AUDIO_OUTPUT);
    BigDecimal highest = base.highestInputSideRate();
    for (Tier tier : tiers) {
      highest = highest.max(tier.highestInputSideRate());
    }
    this.maxPerTokenInputRate = highest;
  }

  /**
   * True for the JSON fields this class reads: the token prices, their tiers, and the priority and
   * flex service-tier variants of both ({@code input_cost_per_token_priority},
   * {@code output_cost_per_token_above_272k_tokens_flex}).
   */
  static boolean isPriceField(String field) {
    String standard = withoutServiceTier(field);
    return isStandardPriceField(standard != null ? standard : field);
  }

  /** True for a service tier's variant of a price field ({@code input_cost_per_token_priority}). */
  static boolean isServiceTierField(String field) {
    String standard = withoutServiceTier(field);
    return standard != null && isStandardPriceField(standard);
  }

  /** The field a service-tier variant prices in the standard tier, or {@code null} when {@code field} is none. */
  private static String withoutServiceTier(String field) {
    if (field.endsWith(PRIORITY_SUFFIX)) {
      return field.substring(0, field.length() - PRIORITY_SUFFIX.length());
    }
    if (field.endsWith(FLEX_SUFFIX)) {
      return field.substring(0, field.length() - FLEX_SUFFIX.length());
    }
    return null;
  }

  private static boolean isStandardPriceField(String field) {
    switch (field) {
      case INPUT: case OUTPUT: case REASONING: case CACHE_READ: case CACHE_WRITE_5M:
      case CACHE_WRITE_1H: case AUDIO_INPUT: case AUDIO_OUTPUT:
        return true;
      default:
        return tierThreshold(field) > 0;
    }
  }

  /** The N*1000 of a {@code <kind>_above_<N>k_tokens} field, or -1 if it is not one. */
  private static long tierThreshold(String field) {
    if (!field.endsWith(K_TOKENS)) {
      return -1;
    }
    int above = field.lastIndexOf(ABOVE);
    if (above < 0 || !TIERED_KINDS.contains(field.substring(0, above))) {
      return -1;
    }
    String digits = field.substring(above + ABOVE.length(), field.length() - K_TOKENS.length());
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Long.parseLong(digits) * 1000;
  }

  /**
   * Builds a price from the fields {@link #isPriceField} accepted, all non-negative. An absent
   * input or output price is zero.
   */
  static ModelPrice of(String name, String provider, String mode, long maxInputTokens,
      long maxOutputTokens, Map<String, BigDecimal> prices) {
    return new ModelPrice(name, provider, mode, maxInputTokens, maxOutputTokens, prices);
  }

  /** The standard fields of {@code prices}: without any service-tier variant. */
  private static Map<String, BigDecimal> standardFields(Map<String, BigDecimal> prices) {
    Map<String, BigDecimal> standard = new HashMap<>(prices);
    standard.keySet().removeIf(field -> withoutServiceTier(field) != null);
    return standard;
  }

  /** Whether {@code prices} has a field of the service tier that ends fields with {@code suffix}. */
  private static boolean pricesTier(Map<String, BigDecimal> prices, String suffix) {
    for (String field : prices.keySet()) {
      if (field.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The standard fields as the service tier that ends fields with {@code suffix} prices them, by
   * LiteLLM's rule: {@code <field><suffix>} where the entry has it, else {@code <field>} itself.
   */
  private static Map<String, BigDecimal> inServiceTier(Map<String, BigDecimal> prices, String suffix) {
    Map<String, BigDecimal> tier = standardFields(prices);
    prices.forEach((field, price) -> {
      if (field.endsWith(suffix)) {
        tier.put(field.substring(0, field.length() - suffix.length()), price);
      }
    });
    return tier;
  }

  /** The base rates of standard-named {@code prices}, with the fallbacks the class comment names. */
  private static Tier baseTier(Map<String, BigDecimal> prices) {
    BigDecimal input = prices.getOrDefault(INPUT, BigDecimal.ZERO);
    BigDecimal output = prices.getOrDefault(OUTPUT, BigDecimal.ZERO);
    BigDecimal reasoningPrice = prices.get(REASONING);
    BigDecimal cacheRead = prices.getOrDefault(CACHE_READ, input);
    BigDecimal cacheWrite5m = prices.getOrDefault(CACHE_WRITE_5M, input);
    BigDecimal cacheWrite1h = prices.getOrDefault(CACHE_WRITE_1H, cacheWrite5m);
    return new Tier(0, input, output, reasoningPrice != null ? reasoningPrice : output,
        cacheRead, cacheWrite5m, cacheWrite1h);
  }

  /** The tiers above the base of standard-named {@code prices}, ascending; a kind a tier lacks pays its base rate. */
  private static List<Tier> higherTiers(Map<String, BigDecimal> prices) {
    Tier base = baseTier(prices);
    BigDecimal input = base.input();
    BigDecimal output = base.output();
    BigDecimal reasoningPrice = prices.get(REASONING);
    BigDecimal cacheRead = base.cacheRead();
    BigDecimal cacheWrite5m = base.cacheWrite5m();
    BigDecimal cacheWrite1h = base.cacheWrite1h();
    TreeMap<Long, Map<String, BigDecimal>> byThreshold = new TreeMap<>();
    prices.forEach((field, price) -> {
      long threshold = tierThreshold(field);
      if (threshold > 0) {
        String kind = field.substring(0, field.lastIndexOf(ABOVE));
        byThreshold.computeIfAbsent(threshold, t -> new HashMap<>()).put(kind, price);
      }
    });
    List<Tier> tiers = new ArrayList<>(byThreshold.size());
    byThreshold.forEach((threshold, kinds) -> {
      BigDecimal tierOutput = kinds.getOrDefault(OUTPUT, output);
      tiers.add(new Tier(threshold,
          kinds.getOrDefault(INPUT, input),
          tierOutput,
          // Like LiteLLM: a dedicated reasoning price is not tiered; without one, reasoning is
          // output and pays the tier's output rate.
          reasoningPrice != null ? reasoningPrice : tierOutput,
          kinds.getOrDefault(CACHE_READ, cacheRead),
          kinds.getOrDefault(CACHE_WRITE_5M, cacheWrite5m),
          kinds.getOrDefault(CACHE_WRITE_1H, cacheWrite1h)));
    });
    return tiers;
  }

  /**
   * The price of a call served in OpenAI's service tier {@code serviceTier} (the answer's
   * {@code service_tier}): for {@code priority} and {@code flex} each kind of token pays the table's
   * {@code <field>_priority} / {@code <field>_flex} rate where the entry has one, else its standard
   * rate (LiteLLM's rule); for {@code null}, {@code default}, {@code auto}, {@code scale} and any
   * other value, the standard price. Returns an object made when the price was, so a call allocates nothing.
   */
  public ModelPrice forServiceTier(String serviceTier) {
    ModelPrice s = standard;
    if (serviceTier == null) {
      return s;
    }
    switch (serviceTier) {
      case PRIORITY:
        return s.priority;
      case FLEX:
        return s.flex;
      default:
        return s;
    }
  }

  /** The service tier whose rates this price holds ({@code priority}, {@code flex}); {@code null} for the standard rates. */
  public String serviceTier() {
    return serviceTier;
  }

  /**
   * The exact cost of a call in US dollars. Reasoning tokens, which are part of the output tokens,
   * pay the reasoning rate, audio output tokens the audio output rate; the rest pay the output rate.
   * Audio input tokens, part of the input tokens, pay the audio input rate. All kinds pay the rates
   * of the highest tier whose threshold the call's prompt tokens exceed.
   */
  public BigDecimal cost(Usage usage) {
    Tier t = tierFor(usage.promptTokens());
    long plainOutput = usage.outputTokens() - usage.reasoningTokens() - usage.audioOutputTokens();
    return times(t.input(), usage.inputTokens() - usage.audioInputTokens())
        .add(times(audioInput(t), usage.audioInputTokens()))
        .add(times(t.output(), plainOutput))
        .add(times(audioOutput(t), usage.audioOutputTokens()))
        .add(times(t.reasoning(), usage.reasoningTokens()))
        .add(times(t.cacheRead(), usage.cacheReadTokens()))
        .add(times(t.cacheWrite5m(), usage.cacheWrite5mTokens()))
        .add(times(t.cacheWrite1h(), usage.cacheWrite1hTokens()));
  }

  /**
   * {@link #cost(Usage)} in picodollars, rounded up as {@link Picodollars#of} rounds it: the same
   * amount, computed in {@code long}s when every rate is a whole number of picodollars per token
   * (every rate of the LiteLLM table is), so pricing a call allocates nothing.
   *
   * @throws IllegalArgumentException when the cost is beyond {@link Picodollars#MAX_DOLLARS}
   */
  public long costPicos(Usage usage) {
    long[] r = picoRates();
    if (r != NOT_WHOLE) {
      int t = RATES * tierIndex(usage.promptTokens());
      try {
        long sum = Math.multiplyExact(r[t], usage.inputTokens() - usage.audioInputTokens());
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 1],
            usage.outputTokens() - usage.reasoningTokens() - usage.audioOutputTokens()));
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 2], usage.reasoningTokens()));
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 6], usage.audioInputTokens()));
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 7], usage.audioOutputTokens()));
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 3], usage.cacheReadTokens()));
        sum = Math.addExact(sum, Math.multiplyExact(r[t + 4], usage.cacheWrite5mTokens()));
        return Math.addExact(sum, Math.multiplyExact(r[t + 5], usage.cacheWrite1hTokens()));
      } catch (ArithmeticException beyondALong) {
        // priced exactly below, which names the amount in its error
      }
    }
    return Picodollars.of(cost(usage));
  }

  /**
   * The most a call of {@code inputTokens} prompt tokens and {@code outputTokens} output tokens can
   * cost, in picodollars, rounded up: every prompt token at the dearest input-side rate (input,
   * cache read or write) of the base and of the tier the prompt falls in, every output token at the
   * dearest of output, reasoning and audio output in the same two (an audio model may answer in
   * audio). The audio input rate is left out on purpose: the prompt's tokens here are its text's (a
   * request with audio or files is bounded by the three-argument form), and pricing text at it would
   * reserve three times a Gemini Flash call's text for nothing. In {@code long}s when the rates allow, as
   * {@link #costPicos}.
   *
   * @throws IllegalArgumentException when the bound is beyond {@link Picodollars#MAX_DOLLARS}
   */
  public long boundCostPicos(long inputTokens, long outputTokens) {
    return boundCostPicos(inputTokens, outputTokens, false);
  }

  /**
   * As {@link #boundCostPicos(long, long)}; with {@code audioInput} the prompt's tokens are priced at
   * the audio input rate too when it is dearer: a request that sends audio or files has a bound that
   * is not its text's, and any of those tokens may be billed at that rate.
   *
   * @throws IllegalArgumentException when the bound is beyond {@link Picodollars#MAX_DOLLARS}
   */
  public long boundCostPicos(long inputTokens, long outputTokens, boolean audioInput) {
    long[] r = picoRates();
    int tier = tierIndex(inputTokens);
    if (r != NOT_WHOLE) {
      int b = 0;
      int t = RATES * tier;
      long in = Math.max(Math.max(Math.max(r[b], r[b + 3]), Math.max(r[b + 4], r[b + 5])),
          Math.max(Math.max(r[t], r[t + 3]), Math.max(r[t + 4], r[t + 5])));
      if (audioInput) {
        in = Math.max(in, Math.max(r[b + 6], r[t + 6]));
      }
      long out = Math.max(Math.max(r[b + 1], r[b + 2]), Math.max(r[t + 1], r[t + 2]));
      out = Math.max(out, Math.max(r[b + 7], r[t + 7]));
      try {
        long cost = Math.multiplyExact(in, inputTokens);
        return outputTokens > 0 ? Math.addExact(cost, Math.multiplyExact(out, outputTokens)) : cost;
      } catch (ArithmeticException beyondALong) {
        // priced exactly below, which names the amount in its error
      }
    }
    Tier t = tier == 0 ? base : tiers.get(tier - 1);
    BigDecimal in = base.highestInputSideRate().max(t.highestInputSideRate());
    if (audioInput) {
      in = in.max(audioInput(base)).max(audioInput(t));
    }
    BigDecimal cost = in.multiply(BigDecimal.valueOf(inputTokens));
    if (outputTokens > 0) {
      BigDecimal out = t.output().max(t.reasoning()).max(base.output()).max(base.reasoning())
          .max(audioOutput(base)).max(audioOutput(t));
      cost = cost.add(out.multiply(BigDecimal.valueOf(outputTokens)));
    }
    return Picodollars.of(cost);
  }

  /** 0 for the base rates, else 1 + the index in {@link #tiers} of the tier {@link #tierFor} picks. */
  private int tierIndex(long promptTokens) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      Tier tier = tiers.get(i);
      if (promptTokens > tier.aboveTokens()
          || (inclusiveThresholds && promptTokens == tier.aboveTokens())) {
        return i + 1;
      }
    }
    return 0;
  }

  /** The rates in picodollars a token, {@link #RATES} a tier, base first; {@link #NOT_WHOLE} when one has a fraction. */
  private long[] picoRates() {
    long[] r = picoRates;
    if (r == null) {
      // computed once, lazily, so that loading the table pays nothing for models never called
      r = new long[RATES * (tiers.size() + 1)];
      for (int i = 0; i <= tiers.size() && r != NOT_WHOLE; i++) {
        Tier t = i == 0 ? base : tiers.get(i - 1);
        BigDecimal[] rates = {t.input(), t.output(), t.reasoning(), t.cacheRead(), t.cacheWrite5m(), t.cacheWrite1h(),
            audioInput(t), audioOutput(t)};
        for (int k = 0; k < RATES; k++) {
          long pico = wholePicos(rates[k]);
          if (pico < 0) {
            r = NOT_WHOLE;
            break;
          }
          r[RATES * i + k] = pico;
        }
      }
      picoRates = r;
    }
    return r;
  }

  /** The audio input rate in tier {@code t}: the table's, else the tier's text input rate. */
  private BigDecimal audioInput(Tier t) {
    return audioInput != null ? audioInput : t.input();
  }

  /** The audio output rate in tier {@code t}: the table's, else the tier's text output rate. */
  private BigDecimal audioOutput(Tier t) {
    return audioOutput != null ? audioOutput : t.output();
  }

  /** {@code dollars} as whole picodollars, or -1 when it has a fraction of one or does not fit. */
  private static long wholePicos(BigDecimal dollars) {
    BigDecimal pico = dollars.movePointRight(12);
    if (pico.signum() < 0 || pico.stripTrailingZeros().scale() > 0) {
      return -1;
    }
    try {
      return pico.longValueExact();
    } catch (ArithmeticException tooLarge) {
      return -1;
    }
  }

  /** Tokens at the base input rate, for estimates made before a call. */
  public BigDecimal inputCost(long tokens) {
    return times(base.input(), tokens);
  }

  /** Tokens at the base output rate, for estimates made before a call. */
  public BigDecimal outputCost(long tokens) {
    return times(base.output(), tokens);
  }

  /** The highest input-side rate (input, cache read or write; not audio input, as in the bound) in any tier: a cheap upper bound. */
  public BigDecimal maxPerTokenInputRate() {
    return maxPerTokenInputRate;
  }

  /** The tier whose rates a call with this many prompt tokens pays. */
  public Tier tierFor(long promptTokens) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      Tier tier = tiers.get(i);
      if (promptTokens > tier.aboveTokens()
          || (inclusiveThresholds && promptTokens == tier.aboveTokens())) {
        return tier;
      }
    }
    return base;
  }

  private static BigDecimal times(BigDecimal rate, long tokens) {
    return tokens == 0 ? BigDecimal.ZERO : rate.multiply(BigDecimal.valueOf(tokens));
  }

  /** The price-table key this price came from. */
  public String name() {
    return name;
  }

  /** The table's {@code litellm_provider}, e.g. {@code openai}; empty if the entry has none. */
  public String provider() {
    return provider;
  }

  /** The table's {@code mode}, e.g. {@code chat} or {@code embedding}; empty if none. */
  public String mode() {
    return mode;
  }

  /** {@code max_input_tokens}, if the table gives it. */
  public OptionalLong maxInputTokens() {
    return maxInputTokens < 0 ? OptionalLong.empty() : OptionalLong.of(maxInputTokens);
  }

  /** {@code max_output_tokens}, else the legacy {@code max_tokens}, if the table gives one. */
  public OptionalLong maxOutputTokens() {
    return maxOutputTokens < 0 ? OptionalLong.empty() : OptionalLong.of(maxOutputTokens);
  }

  public BigDecimal inputCostPerToken() {
    return base.input();
  }

  public BigDecimal outputCostPerToken() {
    return base.output();
  }

  public BigDecimal reasoningCostPerToken() {
    return base.reasoning();
  }

  /** The base rate of an audio input token: {@code input_cost_per_audio_token}, else the input rate. */
  public BigDecimal audioInputCostPerToken() {
    return audioInput(base);
  }

  /** The base rate of an audio output token: {@code output_cost_per_audio_token}, else the output rate. */
  public BigDecimal audioOutputCostPerToken() {
    return audioOutput(base);
  }

  public BigDecimal cacheReadCostPerToken() {
    return base.cacheRead();
  }

  public BigDecimal cacheWrite5mCostPerToken() {
    return base.cacheWrite5m();
  }

  public BigDecimal cacheWrite1hCostPerToken() {
    return base.cacheWrite1h();
  }

  /** The base rates followed by the higher tiers, ascending by threshold. */
  public List<Tier> tiers() {
    List<Tier> all = new ArrayList<>(tiers.size() + 1);
    all.add(base);
    all.addAll(tiers);
    return List.copyOf(all);
  }

  @Override
  public String toString() {
    return "ModelPrice[" + name + ", " + provider + (serviceTier == null ? "" : ", service tier " + serviceTier)
        + ", input " + base.input().toPlainString()
        + " $/token, output " + base.output().toPlainString() + " $/token"
        + (tiers.isEmpty() ? "" : ", " + tiers.size() + " higher tier(s)") + "]";
  }
}
