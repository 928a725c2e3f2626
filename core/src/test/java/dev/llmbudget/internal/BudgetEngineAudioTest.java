package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Audio tokens of a chat answer are charged at the audio rates, and a call is reserved at them.
 * gpt-4o-audio-preview's rates, in picodollars a token: text in 2,500,000, audio in 40,000,000,
 * text out 10,000,000, audio out 80,000,000.
 */
class BudgetEngineAudioTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  private final MemoryStore store = new MemoryStore("audio", ZoneOffset.UTC);
  private final BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, null, clock,
      new BigDecimal("100"), null);

  private long spent(String user) {
    return Picodollars.of(store.snapshot(user, clock.instant()).orElseThrow().currentCost());
  }

  @Test
  void anAnswerWithAudioIsChargedAtTheAudioRates() {
    Usage usage = Usage.of("gpt-4o-audio-preview", 1_000, 500).withAudio(600, 400);

    BudgetEngine.CallReservation call = engine.reserveCall("alice", CallRequest.of("gpt-4o-audio-preview",
        "Say hello.", 1, 1_000, 100, 1, 0, 0, 0, null), false, "openai-java");
    // reserved: 106 prompt tokens (text: the request's audio is not in its bound) at the text rate +
    // 1,000 output tokens at the audio output rate, as the answer may be audio
    assertThat(BudgetEngine.amountPicos(call.reservation())).isEqualTo(106 * 2_500_000L + 1_000 * 80_000_000L);
    // 400 x 2,500,000 + 600 x 40,000,000 + 100 x 10,000,000 + 400 x 80,000,000
    assertThat(BudgetEngine.commitPicos(call.reservation(), usage)).isEqualTo(58_000_000_000L);
    assertThat(spent("alice")).isEqualTo(58_000_000_000L);

    // the library's charge prices them the same
    assertThat(engine.charge("bob", usage)).isEqualByComparingTo("0.058");
    assertThat(spent("bob")).isEqualTo(58_000_000_000L);
  }

  @Test
  void aCallWhoseAnswerMayBeAudioIsRefusedWhenItsAudioCouldNotBePaid() {
    // $0.05: 1,000 output tokens cost at most $0.01 as text but $0.08 as audio
    store.putBudget("carol", new BigDecimal("0.05"), null, clock.instant());

    assertThatThrownBy(() -> engine.reserveCall("carol", CallRequest.of("gpt-4o-audio-preview", "Say hello.", 1, 1_000,
        100, 1, 0, 0, 0, null), false, "openai-java"))
        .isInstanceOf(BudgetExceededError.class);
    assertThat(store.snapshot("carol", clock.instant()).orElseThrow().reserved()).isZero();

    // a text model's reservation is unchanged: 106 x 2,500,000 + 1,000 x 10,000,000
    BudgetEngine.CallReservation text = engine.reserveCall("carol", CallRequest.of("gpt-4o", "Say hello.", 1, 1_000,
        100, 1, 0, 0, 0, null), false, "openai-java");
    assertThat(BudgetEngine.amountPicos(text.reservation())).isEqualTo(106 * 2_500_000L + 10_000_000_000L);
    text.reservation().release();
  }
}
