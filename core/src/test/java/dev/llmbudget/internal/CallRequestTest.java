package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A request that states only its model, prompt, messages and cap (as the Spring AI and LangChain4j
 * seams' own request holders do) is reserved as one answer without images at the standard rates,
 * its prompt bounded by its UTF-8 length: what {@link CallRequest}'s defaults say.
 */
class CallRequestTest {

  private static final String PROMPT = "Say hello to the budget, in Grüße.";

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  private final BudgetEngine engine = new BudgetEngine(new MemoryStore("requests", ZoneOffset.UTC),
      PriceTable::defaultTable, null, clock, new BigDecimal("100"), null);

  /** Only the four parts every request states; the rest are the interface's defaults. */
  private static CallRequest minimal(String model, CharSequence prompt, int messages, long cap) {
    return new CallRequest() {
      @Override
      public String model() {
        return model;
      }

      @Override
      public CharSequence prompt() {
        return prompt;
      }

      @Override
      public int messageCount() {
        return messages;
      }

      @Override
      public long maxOutputTokens() {
        return cap;
      }
    };
  }

  @Test
  void aRequestStatingOnlyItsModelPromptMessagesAndCapIsOneAnswerWithoutImagesAtStandardRates() {
    CallRequest minimal = minimal("gpt-5", PROMPT, 1, 500);
    long bound = TokenCounter.upperBoundTokens(PROMPT);
    assertThat(bound).as("ü and ß are two bytes each").isEqualTo(PROMPT.length() + 2);
    assertThat(minimal.promptBound()).isEqualTo(bound);
    assertThat(minimal.choices()).isEqualTo(1);
    assertThat(minimal.images()).isZero();
    assertThat(minimal.lowDetailImages()).isZero();
    assertThat(minimal.originalDetailImages()).isZero();
    assertThat(minimal.serviceTier()).isNull();
    assertThat(CallRequest.of("gpt-5", PROMPT, 1, 500))
        .isEqualTo(CallRequest.of("gpt-5", PROMPT, 1, 500, bound, 1, 0, 0, 0, null));

    // gpt-5: the bound and 6 tokens of chat overhead at $1.25/M, 500 output tokens at $10/M
    long expected = (bound + 6) * 1_250_000L + 500 * 10_000_000L;
    assertThat(BudgetEngine.amountPicos(engine.reserveCall("ann", minimal, false, null).reservation()))
        .isEqualTo(expected);
    assertThat(BudgetEngine.amountPicos(engine.reserveCall("ann", CallRequest.of("gpt-5", PROMPT, 1, 500), false,
        "test").reservation())).isEqualTo(expected);
    // what the defaults leave out is reserved when stated: a second answer, an image, the priority tier
    assertThat(BudgetEngine.amountPicos(engine.reserveCall("ann", CallRequest.of("gpt-5", PROMPT, 1, 500, bound, 2,
        0, 0, 0, null), false, null).reservation())).isEqualTo(expected + 500 * 10_000_000L);
    assertThat(BudgetEngine.amountPicos(engine.reserveCall("ann", CallRequest.of("gpt-5", PROMPT, 1, 500, bound, 1,
        1, 0, 0, null), false, null).reservation())).isGreaterThan(expected);
    assertThat(BudgetEngine.amountPicos(engine.reserveCall("ann", CallRequest.of("gpt-5", PROMPT, 1, 500, bound, 1,
        0, 0, 0, UsageJson.PRIORITY_TIER), false, null).reservation())).isEqualTo(2 * expected);
  }
}
