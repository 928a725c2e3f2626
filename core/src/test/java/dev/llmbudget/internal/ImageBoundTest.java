package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.internal.BudgetEngine.CallReservation;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Images in a request are inside the reservation's bound: each adds the most its model's provider
 * bills for one image, to the byte bound, to the exact count, to what {@code clamp} leaves for the
 * output, and the refusal says so.
 */
class ImageBoundTest {
  private static final String PROMPT = "What is in this picture?";
  private final MemoryStore store = new MemoryStore("image-bound-test", ZoneOffset.UTC);
  private final Clock clock = Clock.systemUTC();

  private BudgetEngine engine(OutputReserve mode) {
    return new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.BLOCK, clock, null, null, mode,
        4096, 16);
  }

  private static ModelPrice price(String model) {
    return PriceTable.defaultTable().resolve(model).orElseThrow();
  }

  private CallReservation reserve(BudgetEngine e, String user, String model, long maxTokens, int images, int low) {
    return e.reserveCall(user, CallRequest.of(model, PROMPT, 1, maxTokens, TokenCounter.upperBoundTokens(PROMPT), 1,
        images, low, 0, null), true, "test");
  }

  /**
   * What an estimate (an answer that reported no usage) adds for a call's images: what its
   * reservation held for them, from the engine that made the reservation; nothing for a call
   * without images, for a model the table does not price, or without a reservation of an engine.
   */
  @Test
  void anEstimateAddsWhatTheImagesWereReservedAt() {
    store.putBudget("alice", new BigDecimal("10"), null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    CallReservation call = reserve(e, "alice", "gpt-4o-mini", 100, 2, 1);

    // gpt-4o-mini: one high-detail image 48,169 tokens, one low-detail 2,833
    assertThat(BudgetEngine.imageTokens(call.reservation(), "gpt-4o-mini", 2, 1, 0)).isEqualTo(48_169 + 2_833);
    assertThat(e.imageTokens("gpt-4o-mini", 1, 0, 0)).isEqualTo(48_169);
    assertThat(e.imageTokens("gpt-4o-mini", 0, 0, 0)).isZero();
    assertThat(e.imageTokens("no-such-model-anywhere", 1, 0, 0)).isZero();
    assertThat(e.imageTokens(null, 1, 0, 0)).isZero();
    assertThat(BudgetEngine.imageTokens(null, "gpt-4o-mini", 1, 0, 0)).isZero();
    call.reservation().release();
  }

  @Test
  void aCallWhoseTextFitsButWhoseImageDoesNotIsRefusedNamingTheImage() {
    // $0.001 pays for the prompt and 100 output tokens of gpt-4o-mini many times over, not for
    // one high-detail image (48,169 tokens at $0.15 per million: $0.0072)
    store.putBudget("alice", new BigDecimal("0.001"), null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    reserve(e, "alice", "gpt-4o-mini", 100, 0, 0).reservation().release();

    assertThatThrownBy(() -> reserve(e, "alice", "gpt-4o-mini", 100, 1, 0))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("max_tokens 100, incl. 1 image (48,169 tokens)");
    assertThat(store.snapshot("alice", clock.instant()).orElseThrow().reserved()).isZero();
  }

  @Test
  void theByteBoundAddsEachImagesBoundAndLowDetailItsFixedCost() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    long text = TokenCounter.upperBoundTokens(PROMPT) + 6;
    CallReservation two = reserve(e, null, "gpt-4o", 100, 2, 0);
    assertThat(BudgetEngine.amountPicos(two.reservation()))
        .isEqualTo(price("gpt-4o").boundCostPicos(text + 2 * 1445, 100));
    CallReservation lowAndHigh = reserve(e, null, "gpt-4o-mini", 100, 2, 1);
    assertThat(BudgetEngine.amountPicos(lowAndHigh.reservation()))
        .isEqualTo(price("gpt-4o-mini").boundCostPicos(text + 2833 + 48169, 100));
    CallReservation claude = reserve(e, null, "claude-3-5-sonnet-20241022", 100, 3, 3);
    assertThat(BudgetEngine.amountPicos(claude.reservation())).as("Anthropic documents no low-detail cost")
        .isEqualTo(price("claude-3-5-sonnet-20241022").boundCostPicos(text + 3 * 1700, 100));
  }

  @Test
  void theExactCountAddsTheImagesToo() {
    // room for the exact prompt, one low-detail image and 50 output tokens, not for the byte bound's
    long exact = TokenCounter.forModel("gpt-4o-mini").count(PROMPT) + 3 + 3 + 1;
    BigDecimal room = Picodollars.toDollars(price("gpt-4o-mini").boundCostPicos(exact + 2833, 50));
    store.putBudget("bob", room, null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    CallReservation r = reserve(e, "bob", "gpt-4o-mini", 50, 1, 1);
    assertThat(r.reservation().amount()).isEqualByComparingTo(room);
    r.reservation().release();
    assertThatThrownBy(() -> reserve(e, "bob", "gpt-4o-mini", 51, 1, 1)).isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("incl. 1 image (2,833 tokens)");
  }

  @Test
  void clampShortensTheOutputByWhatTheImagesCost() {
    ModelPrice mini = price("gpt-4o-mini");
    long exact = TokenCounter.forModel("gpt-4o-mini").count(PROMPT) + 3 + 3 + 1;
    BigDecimal room = Picodollars.toDollars(mini.boundCostPicos(exact + 48169, 300));
    store.putBudget("carol", room, null, clock.instant());
    BudgetEngine e = engine(OutputReserve.CLAMP);
    CallReservation text = reserve(e, "carol", "gpt-4o-mini", 0, 0, 0);
    long textCap = text.outputCap();
    text.reservation().release();

    CallReservation r = reserve(e, "carol", "gpt-4o-mini", 0, 1, 0);
    assertThat(r.rewrite()).isTrue();
    assertThat(r.outputCap()).as("the image's 48,169 tokens leave 300 output tokens").isEqualTo(300);
    assertThat(textCap).isGreaterThan(300 + 10_000);
    assertThat(r.reservation().amount()).isEqualByComparingTo(room);
  }

  @Test
  void aFamilyTheTableCannotPlaceTakesTheConfiguredImageTokens() {
    PriceTable table = PriceTable.parse(new java.io.ByteArrayInputStream(("{\"house-vision\": {\"input_cost_per_token\":"
        + " 0.000001, \"output_cost_per_token\": 0.000002, \"mode\": \"chat\"}}").getBytes(StandardCharsets.UTF_8)),
        "test");
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    BudgetEngine e = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, clock, null, null,
        OutputReserve.MODEL_MAX, 4096, 16, Duration.ofMinutes(10), 500);
    CallReservation r = e.reserveCall(null, CallRequest.of("house-vision", "", 0, 10, 0, 1, 2, 0, 0, null), false,
        "test");
    assertThat(r.reservation().amount()).isEqualByComparingTo("0.00102"); // 1,000 image tokens, 10 output
    BudgetEngine byDefault = new BudgetEngine(store, () -> table, UnknownModelPolicy.BLOCK, clock, null, null,
        OutputReserve.MODEL_MAX, 4096, 16);
    assertThat(byDefault.reserveCall(null, CallRequest.of("house-vision", "", 0, 10, 0, 1, 1, 0, 0, null), false,
        "test").reservation()
        .amount()).isEqualByComparingTo("0.004116");
  }

  @Test
  void theTablePlacesEachFamilyUnderItsProvidersNames() {
    assertThat(ImageTokens.perImage("gpt-4o-2024-08-06", false, 1)).isEqualTo(1445);
    assertThat(ImageTokens.perImage("azure/gpt-4o", true, 1)).isEqualTo(85);
    assertThat(ImageTokens.perImage("gpt-4o-mini-2024-07-18", false, 1)).isEqualTo(48169);
    assertThat(ImageTokens.perImage("gpt-4.1", false, 1)).isEqualTo(1445);
    assertThat(ImageTokens.perImage("gpt-4.1-mini", true, 1)).as("patch models have no low-detail figure")
        .isEqualTo(2489);
    assertThat(ImageTokens.perImage("gpt-4.1-nano-2025-04-14", false, 1)).isEqualTo(3779);
    assertThat(ImageTokens.perImage("gpt-5-nano", false, 1)).isEqualTo(3779);
    assertThat(ImageTokens.perImage("o4-mini", false, 1)).isEqualTo(2642);
    assertThat(ImageTokens.perImage("o3", true, 1)).isEqualTo(85);
    assertThat(ImageTokens.perImage("anthropic.claude-3-5-sonnet-20240620-v1:0", false, 1)).isEqualTo(1700);
    assertThat(ImageTokens.perImage("us.anthropic.claude-sonnet-4-20250514-v1:0", true, 1)).isEqualTo(1700);
    assertThat(ImageTokens.perImage("gemini/gemini-3-pro-preview", false, 1)).isEqualTo(2240);
    assertThat(ImageTokens.perImage("gemini-2.0-flash", false, 777)).isEqualTo(777);
    assertThat(ImageTokens.perImage("mistral-large", false, 777)).isEqualTo(777);
    assertThat(ImageTokens.bound("gpt-4o", 3, 5, 1)).as("low-detail images are among the images").isEqualTo(255);
    assertThat(ImageTokens.bound("gpt-4o", 0, 0, 1)).isZero();
  }

  /**
   * No family is placed below what its provider documents: Claude's largest unresized image (784 x
   * 1,568 px, 1,639 tokens by its w x h / 750 rule) and Claude Opus 4.7's 2,576 px images (about
   * 3.75 megapixels, 5,000 tokens), Pixtral's 1,024 px images (4,160 tokens); a fine-tuned
   * gpt-4o-mini bills images as gpt-4o-mini does.
   */
  @Test
  void noFamilyIsPlacedBelowWhatItsProviderDocuments() {
    long documented = 784 * 1568 / 750 + 1;
    for (String older : new String[] {"claude-3-haiku-20240307", "claude-3-5-sonnet-20241022",
        "claude-3-7-sonnet-20250219", "claude-sonnet-4-20250514", "claude-4-opus-20250514", "claude-opus-4-1-20250805",
        "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-6", "vertex_ai/claude-opus-4@20250514",
        "anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"}) {
      assertThat(ImageTokens.perImage(older, false, 1)).as(older).isEqualTo(1700).isGreaterThanOrEqualTo(documented);
    }
    for (String highRes : new String[] {"claude-opus-4-7", "claude-opus-4-7-20260416",
        "us.anthropic.claude-opus-4-7-v1:0", "claude-sonnet-5", "claude-opus-4-10", "claude-next"}) {
      assertThat(ImageTokens.perImage(highRes, false, 1)).as(highRes).isEqualTo(5000)
          .isGreaterThanOrEqualTo(2576L * 1456 / 750);
    }
    // Pixtral: 64 x 64 patches of 16 px and 64 row-break/end tokens, above the 4,096 default
    assertThat(ImageTokens.perImage(price("mistral/pixtral-12b-2409").name(), false, 4096)).isEqualTo(4160);
    assertThat(ImageTokens.perImage("mistral/pixtral-large-latest", true, 9000)).as("a larger setting wins")
        .isEqualTo(9000);
    assertThat(ImageTokens.perImage("ft:gpt-4o-mini-2024-07-18", false, 4096)).isEqualTo(48169);
    assertThat(ImageTokens.perImage("ft:gpt-4o-mini-2024-07-18:acme::abc123", true, 4096)).isEqualTo(2833);
    assertThat(ImageTokens.perImage("ft:gpt-4o-2024-08-06", false, 4096)).isEqualTo(1445);
    // the price table's own spelling of a fine-tuned model resolves to the same family
    assertThat(ImageTokens.perImage(price("ft:gpt-4o-mini-2024-07-18").name(), false, 4096)).isEqualTo(48169);
  }

  /**
   * gpt-5.2 and later bill an image as 32 px patches times 1.2 (at most 1,536 patches: 1,844 tokens,
   * with no low-detail figure), and {@code detail: original} lets an image take up to 10,000 patches
   * (12,000 tokens): the tile figure (1,445, or 85 for low) is below both.
   */
  @Test
  void gpt52AndLaterBillPatchesAndDetailOriginalUpToTenThousand() {
    for (String model : new String[] {"gpt-5.2", "gpt-5.2-2025-12-11", "gpt-5.4", "gpt-5.4-pro", "gpt-5.5",
        "gpt-5.6-sol", "azure/gpt-5.4", "gpt-5.2-chat-latest"}) {
      assertThat(ImageTokens.perImage(model, ImageTokens.HIGH, 1)).as(model).isEqualTo(1844);
      assertThat(ImageTokens.perImage(model, ImageTokens.LOW, 1)).as(model).isEqualTo(1844);
      assertThat(ImageTokens.perImage(model, ImageTokens.ORIGINAL, 1)).as(model).isEqualTo(12_000);
    }
    assertThat(ImageTokens.perImage("gpt-5.1", ImageTokens.HIGH, 1)).as("gpt-5 and 5.1 bill tiles").isEqualTo(1445);
    assertThat(ImageTokens.perImage("gpt-5", ImageTokens.LOW, 1)).isEqualTo(85);
    assertThat(ImageTokens.perImage("gpt-5.4-mini", ImageTokens.ORIGINAL, 1)).isEqualTo(16_200);
    assertThat(ImageTokens.perImage("gpt-4o-mini", ImageTokens.ORIGINAL, 1)).as("never below high")
        .isEqualTo(48_169);
    assertThat(ImageTokens.bound("gpt-5.4", 3, 1, 1, 1)).isEqualTo(2 * 1844 + 12_000);
    assertThat(ImageTokens.bound("gpt-4o", 3, 2, 2, 1)).as("an original image is not also a low one")
        .isEqualTo(85 + 2 * 12_000);

    // through the engine: the byte bound and the refusal count an original image at 12,000 tokens
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    long text = TokenCounter.upperBoundTokens(PROMPT) + 6;
    CallReservation r = e.reserveCall(null, CallRequest.of("gpt-5.4", PROMPT, 1, 100,
        TokenCounter.upperBoundTokens(PROMPT), 1, 2, 0, 1, null), true, "test");
    assertThat(BudgetEngine.amountPicos(r.reservation()))
        .isEqualTo(price("gpt-5.4").boundCostPicos(text + 1844 + 12_000, 100));
    store.putBudget("dora", Picodollars.toDollars(price("gpt-5.4").boundCostPicos(text + 2 * 1844, 100)), null,
        clock.instant());
    reserve(e, "dora", "gpt-5.4", 100, 2, 0).reservation().release();
    assertThatThrownBy(() -> e.reserveCall("dora", CallRequest.of("gpt-5.4", PROMPT, 1, 100,
        TokenCounter.upperBoundTokens(PROMPT), 1, 2, 0, 1, null), true, "test")).isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("incl. 2 images (13,844 tokens)");
  }

  /**
   * A request for several answers bills its images once, in the one prompt, and each answer's output:
   * the images are not multiplied by {@code n}. An unknown model with images meets
   * {@code unknown_model} as a text call does: {@code block} refuses it, {@code warn} reserves nothing.
   */
  @Test
  void imagesCountOnceForManyAnswersAndAnUnknownModelMeetsItsPolicy() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    BudgetEngine e = engine(OutputReserve.MODEL_MAX);
    long text = TokenCounter.upperBoundTokens(PROMPT) + 6;
    CallReservation three = e.reserveCall(null, CallRequest.of("gpt-4o", PROMPT, 1, 100,
        TokenCounter.upperBoundTokens(PROMPT), 3, 2, 0, 0, null), true, "test");
    assertThat(BudgetEngine.amountPicos(three.reservation()))
        .isEqualTo(price("gpt-4o").boundCostPicos(text + 2 * 1445, 3 * 100));

    assertThatThrownBy(() -> reserve(e, null, "house-vision-9", 100, 2, 0))
        .isInstanceOf(dev.llmbudget.pricing.UnknownModelException.class);
    BudgetEngine warn = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock, null, null,
        OutputReserve.MODEL_MAX, 4096, 16);
    CallReservation unknown = reserve(warn, null, "house-vision-9", 100, 2, 0);
    assertThat(unknown.reservation().amount()).isEqualByComparingTo("0");
    unknown.reservation().release();
  }

  @Test
  void imageTokensIsAValidatedKeyWithADefault() {
    assertThat(BudgetConfig.of(Map.of()).imageTokens()).isEqualTo(4096);
    assertThat(BudgetConfig.of(Map.of("llmbudget.image_tokens", "2000")).imageTokens()).isEqualTo(2000);
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.image_tokens", "0")))
        .hasMessageContaining("llmbudget.image_tokens").hasMessageContaining("at least 1");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.image_tokens", "lots")))
        .hasMessageContaining("llmbudget.image_tokens").hasMessageContaining("'lots'");
  }
}
