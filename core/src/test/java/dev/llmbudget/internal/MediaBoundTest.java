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
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Files, PDFs and audio in a request are inside the reservation's bound: a request with such parts
 * reserves its prompt at the model's context window (the only bound of what a file can bill), or at
 * {@code llmbudget.file_tokens} a part when the operator sets it; the refusal names the parts.
 */
class MediaBoundTest {
  private static final String PROMPT = "Summarize this document.";
  /** The prompt's byte bound and the chat overhead of one message, as the engine adds them. */
  private static final long TEXT = TokenCounter.upperBoundTokens(PROMPT) + 3 + 3;
  private final MemoryStore store = new MemoryStore("media-bound-test", ZoneOffset.UTC);
  private final Clock clock = Clock.systemUTC();

  private BudgetEngine engine(Supplier<PriceTable> prices, OutputReserve mode, long fileTokens) {
    return new BudgetEngine(store, prices, UnknownModelPolicy.BLOCK, clock, null, null, mode, 4096, 16,
        BudgetEngine.DEFAULT_RESERVATION_TTL, ImageTokens.DEFAULT, fileTokens);
  }

  private BudgetEngine engine(long fileTokens) {
    return engine(PriceTable::defaultTable, OutputReserve.MODEL_MAX, fileTokens);
  }

  private static ModelPrice price(String model) {
    return PriceTable.defaultTable().resolve(model).orElseThrow();
  }

  /** A request of {@link #PROMPT} in one message with {@code mediaParts} file or audio parts. */
  private record Media(String model, long maxOutputTokens, int mediaParts) implements CallRequest {
    @Override
    public CharSequence prompt() {
      return PROMPT;
    }

    @Override
    public int messageCount() {
      return 1;
    }
  }

  private static CallReservation reserve(BudgetEngine e, String user, String model, long maxTokens, int media) {
    return e.reserveCall(user, new Media(model, maxTokens, media), true, "test");
  }

  private BigDecimal reservedOf(String user) {
    return store.snapshot(user, clock.instant()).orElseThrow().reserved();
  }

  @Test
  void aFileIsReservedAtTheContextWindowToThePicodollarAndRefusedOneBelow() {
    // gpt-4o-mini: 128,000 input tokens at $0.15 per million, 100 output at $0.60: $0.01926
    long window = price("gpt-4o-mini").boundCostPicos(128_000, 100);
    store.putBudget("alice", Picodollars.toDollars(window), null, clock.instant());
    BudgetEngine e = engine(0);
    CallReservation fits = reserve(e, "alice", "gpt-4o-mini", 100, 1);
    assertThat(BudgetEngine.amountPicos(fits.reservation())).isEqualTo(window);
    fits.reservation().release();

    store.putBudget("bob", Picodollars.toDollars(window - 1), null, clock.instant());
    // the text alone fits many times over
    reserve(e, "bob", "gpt-4o-mini", 100, 0).reservation().release();
    assertThatThrownBy(() -> reserve(e, "bob", "gpt-4o-mini", 100, 1))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("max_tokens 100, incl. 1 file/audio part (up to 128,000 tokens)");
    assertThat(reservedOf("bob")).isZero();
  }

  @Test
  void fileTokensBoundsEachPartInsteadOfTheWindow() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    CallReservation two = reserve(engine(1_000), null, "gpt-4o-mini", 100, 2);
    assertThat(BudgetEngine.amountPicos(two.reservation()))
        .isEqualTo(price("gpt-4o-mini").boundCostPicos(TEXT + 2 * 1_000, 100));
    two.reservation().release();

    // the same budget that refuses the window lets the operator's bound through, and refuses past it
    long room = price("gpt-4o-mini").boundCostPicos(TEXT + 2_000, 100);
    store.putBudget("carol", Picodollars.toDollars(room), null, clock.instant());
    reserve(engine(1_000), "carol", "gpt-4o-mini", 100, 2).reservation().release();
    assertThatThrownBy(() -> reserve(engine(1_000), "carol", "gpt-4o-mini", 100, 3))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("incl. 3 file/audio parts (up to 3,000 tokens)");
    assertThatThrownBy(() -> reserve(engine(0), "carol", "gpt-4o-mini", 100, 2))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("incl. 2 file/audio parts (up to 128,000 tokens)");
  }

  @Test
  void anAudioModelsFilePartsArePricedAtItsAudioInputRate() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    // gpt-4o-audio-preview: text input $2.50, audio input $40 per million tokens: 128,000 at $40
    // ($5.12) and 100 output at its audio output rate, $80 per million ($0.008)
    CallReservation r = reserve(engine(0), null, "gpt-4o-audio-preview", 100, 1);
    assertThat(r.reservation().amount()).isEqualByComparingTo(new BigDecimal("5.128"));
    r.reservation().release();
    CallReservation text = reserve(engine(0), null, "gpt-4o-audio-preview", 100, 0);
    assertThat(BudgetEngine.amountPicos(text.reservation()))
        .isEqualTo(price("gpt-4o-audio-preview").boundCostPicos(TEXT, 100));
    text.reservation().release();
  }

  @Test
  void aModelWithoutAContextWindowHasNoBoundUnlessFileTokensGivesOne() {
    String json = "{\"windowless\": {\"litellm_provider\": \"openai\", \"mode\": \"chat\","
        + " \"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 2e-06, \"max_output_tokens\": 1000}}";
    PriceTable table = PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "test");
    assertThat(table.resolve("windowless").orElseThrow().maxInputTokens()).isEmpty();
    store.putBudget("dave", new BigDecimal("1000"), null, clock.instant());

    assertThatThrownBy(() -> reserve(engine(() -> table, OutputReserve.MODEL_MAX, 0), "dave", "windowless", 100, 1))
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("incl. 1 file/audio part (no bound: the price table gives windowless no"
            + " max_input_tokens; set llmbudget.file_tokens)");
    assertThatThrownBy(() -> reserve(engine(() -> table, OutputReserve.CLAMP, 0), "dave", "windowless", 0, 1))
        .isInstanceOf(BudgetExceededError.class).hasMessageContaining("no bound");
    assertThat(reservedOf("dave")).isZero();

    CallReservation bounded = reserve(engine(() -> table, OutputReserve.MODEL_MAX, 5_000), "dave", "windowless", 100,
        1);
    assertThat(bounded.reservation().amount()).isEqualByComparingTo(
        Picodollars.toDollars(table.resolve("windowless").orElseThrow().boundCostPicos(TEXT + 5_000, 100)));
    bounded.reservation().release();

    // No budget limits the call: it goes through holding its text's bound, never "no bound", which
    // no store then has to add to a total (a key without a limit holds nothing, the global one here).
    CallReservation unlimited = reserve(engine(() -> table, OutputReserve.MODEL_MAX, 0), null, "windowless", 100, 1);
    assertThat(BudgetEngine.amountPicos(unlimited.reservation()))
        .isEqualTo(table.resolve("windowless").orElseThrow().boundCostPicos(TEXT, 100));
    unlimited.reservation().release();
  }

  @Test
  void clampShortensTheOutputAndKeepsTheWindow() {
    ModelPrice mini = price("gpt-4o-mini");
    long room = mini.boundCostPicos(128_000, 300);
    store.putBudget("erin", Picodollars.toDollars(room), null, clock.instant());
    CallReservation r = reserve(engine(PriceTable::defaultTable, OutputReserve.CLAMP, 0), "erin", "gpt-4o-mini", 0, 1);
    assertThat(r.outputCap()).isEqualTo(300);
    assertThat(r.rewrite()).isTrue();
    assertThat(BudgetEngine.amountPicos(r.reservation())).isEqualTo(room);
    r.reservation().release();

    // a budget below the window and the least output: refused, naming the file
    store.putBudget("frank", Picodollars.toDollars(mini.boundCostPicos(128_000, 15)), null, clock.instant());
    assertThatThrownBy(() -> reserve(engine(PriceTable::defaultTable, OutputReserve.CLAMP, 0), "frank", "gpt-4o-mini",
        0, 1)).isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("max_tokens 16, incl. 1 file/audio part (up to 128,000 tokens)");
  }

  @Test
  void fileTokensIsAPositiveWholeNumberOrUnset() {
    assertThat(BudgetConfig.of(Map.of()).fileTokens()).isZero();
    assertThat(BudgetConfig.of(Map.of("llmbudget.file_tokens", " 2000 ")).fileTokens()).isEqualTo(2_000);
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.file_tokens", "0")))
        .hasMessageContaining("llmbudget.file_tokens").hasMessageContaining("at least 1 token");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.file_tokens", "many")))
        .hasMessageContaining("llmbudget.file_tokens").hasMessageContaining("'many' is not a whole number");
    assertThatThrownBy(() -> engine(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * An estimate (an answer that reported no usage) charges the file parts what the reservation held
   * for them, as for images, and never more than it held: the window, never below the counted text.
   */
  @Test
  void anEstimateChargesTheFilePartsWhatTheyWereReservedAt() {
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("100"), null, clock.instant());
    CallReservation r = reserve(engine(0), null, "gpt-4o-mini", 100, 1);
    assertThat(BudgetEngine.mediaPromptTokens(r.reservation(), "gpt-4o-mini", 1, 20)).isEqualTo(128_000);
    assertThat(BudgetEngine.mediaPromptTokens(r.reservation(), "gpt-4o-mini", 1, 200_000)).isEqualTo(200_000);
    assertThat(BudgetEngine.mediaPromptTokens(r.reservation(), "gpt-4o-mini", 0, 20)).isEqualTo(20);
    assertThat(BudgetEngine.mediaPromptTokens(null, "gpt-4o-mini", 1, 20)).isEqualTo(20);
    r.reservation().release();
    assertThat(engine(1_000).mediaPromptTokens("gpt-4o-mini", 2, 20)).isEqualTo(2_020);
    assertThat(engine(0).mediaPromptTokens("no-such-model-anywhere", 1, 20)).isEqualTo(20);
  }
}
