package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.Usage;
import org.junit.jupiter.api.Test;

/**
 * Audio tokens pay the table's {@code input_cost_per_audio_token} / {@code output_cost_per_audio_token},
 * falling back to the text rate of their side (LiteLLM's rule). Figures are picodollars (10^-12 USD),
 * worked by hand from the bundled table: a rate of 4e-5 $/token is 40,000,000 picodollars a token.
 */
class ModelPriceAudioTest {

  private static final PriceTable TABLE = PriceTable.defaultTable();

  @Test
  void gpt4oAudioPreviewChargesAudioAtItsAudioRates() {
    ModelPrice audio = TABLE.require("gpt-4o-audio-preview");
    // 1,000 prompt tokens of which 600 audio; 500 completion tokens of which 400 audio
    Usage usage = Usage.of("gpt-4o-audio-preview", 1_000, 500).withAudio(600, 400);

    // text in 400 x 2,500,000 = 1,000,000,000; audio in 600 x 40,000,000 = 24,000,000,000;
    // text out 100 x 10,000,000 = 1,000,000,000; audio out 400 x 80,000,000 = 32,000,000,000
    // = 58,000,000,000 (text rates throughout would be 7,500,000,000: 7.7 times too little)
    assertThat(audio.costPicos(usage)).isEqualTo(58_000_000_000L);
    assertThat(audio.cost(usage)).isEqualByComparingTo("0.058");
    assertThat(audio.audioInputCostPerToken()).isEqualByComparingTo("0.00004");
    assertThat(audio.audioOutputCostPerToken()).isEqualByComparingTo("0.00008");
  }

  @Test
  void gemini25FlashChargesAudioInputAtItsRateAndAudioOutputAtTheOutputRate() {
    ModelPrice flash = TABLE.require("gemini-2.5-flash");
    // 2,000 uncached prompt tokens (1,500 audio), 1,000 cache reads, 300 output of which 100
    // thoughts and 50 audio; the entry has no output audio rate, so audio out pays 2,500,000
    Usage usage = new Usage("gemini-2.5-flash", 2_000, 300, 1_000, 0, 0, 100, false).withAudio(1_500, 50);

    // text in 500 x 300,000 = 150,000,000; audio in 1,500 x 1,000,000 = 1,500,000,000;
    // cache reads 1,000 x 30,000 = 30,000,000; plain out 150 x 2,500,000 = 375,000,000;
    // thoughts 100 x 2,500,000 = 250,000,000; audio out 50 x 2,500,000 = 125,000,000
    // = 2,430,000,000 (text rates would be 1,380,000,000)
    assertThat(flash.costPicos(usage)).isEqualTo(2_430_000_000L);
    assertThat(flash.cost(usage)).isEqualByComparingTo("0.00243");
  }

  @Test
  void aModelWithoutAudioRatesChargesAudioAtItsTextRates() {
    ModelPrice gpt4o = TABLE.require("gpt-4o");
    Usage text = Usage.of("gpt-4o", 1_000, 500);

    // 1,000 x 2,500,000 + 500 x 10,000,000 = 7,500,000,000, audio or not
    assertThat(gpt4o.costPicos(text.withAudio(600, 400))).isEqualTo(7_500_000_000L);
    assertThat(gpt4o.costPicos(text)).isEqualTo(7_500_000_000L);
    assertThat(gpt4o.audioInputCostPerToken()).isEqualByComparingTo(gpt4o.inputCostPerToken());
    assertThat(gpt4o.audioOutputCostPerToken()).isEqualByComparingTo(gpt4o.outputCostPerToken());
    // its reservation bound is the text one
    assertThat(gpt4o.boundCostPicos(1_000, 500)).isEqualTo(7_500_000_000L);
  }

  @Test
  void withoutAnAudioRateAudioPaysTheTextRateOfTheTierThePromptFallsIn() {
    ModelPrice pro = TABLE.require("gemini-2.5-pro");
    Usage usage = Usage.of("gemini-2.5-pro", 300_000, 1_000).withAudio(100_000, 0);

    // above 200k: 300,000 x 2,500,000 + 1,000 x 15,000,000 = 765,000,000,000
    assertThat(pro.costPicos(usage)).isEqualTo(765_000_000_000L);
  }

  @Test
  void theReservationBoundPaysTheAudioOutputRateButPricesThePromptsTextAtTextRates() {
    ModelPrice audio = TABLE.require("gpt-4o-audio-preview");

    // every output token at the audio output rate (the answer may be audio), 500 x 80,000,000 =
    // 40e9; every prompt token at the text rate, 1,000 x 2,500,000 = 2.5e9: the bound's prompt
    // tokens are the request's text, and audio input is not in a request's bound (Limits)
    assertThat(audio.boundCostPicos(1_000, 500)).isEqualTo(42_500_000_000L);
    assertThat(audio.maxPerTokenInputRate()).isEqualByComparingTo("0.0000025");
    // never below what the dearest answer to a text prompt costs: all its output audio
    Usage textInAudioOut = Usage.of("gpt-4o-audio-preview", 1_000, 500).withAudio(0, 500);
    assertThat(audio.boundCostPicos(1_000, 500)).isEqualTo(audio.costPicos(textInAudioOut));
    // a model that takes audio but answers in text (Gemini 2.5 Flash): its text calls reserve at text
    // rates, 1,000 x 300,000 + 100 x 2,500,000 = 550,000,000, not at its audio input rate ($1/M)
    assertThat(TABLE.require("gemini-2.5-flash").boundCostPicos(1_000, 100)).isEqualTo(550_000_000L);
  }

  @Test
  void priorityPaysThePriorityAudioRateAndFallsBackToTheStandardOne() {
    ModelPrice flash3 = TABLE.require("gemini-3-flash-preview");
    Usage usage = Usage.of("gemini-3-flash-preview", 1_000, 100).withAudio(400, 0);

    // standard: 600 x 500,000 + 400 x 1,000,000 + 100 x 3,000,000 = 1,000,000,000
    assertThat(flash3.costPicos(usage)).isEqualTo(1_000_000_000L);
    // priority: 600 x 900,000 + 400 x 1,800,000 + 100 x 5,400,000 = 1,800,000,000
    assertThat(flash3.forServiceTier("priority").costPicos(usage)).isEqualTo(1_800_000_000L);
    // gpt-4o-audio-preview prices no priority tier: priority is its standard price, audio included
    ModelPrice audio = TABLE.require("gpt-4o-audio-preview");
    assertThat(audio.forServiceTier("priority").audioOutputCostPerToken()).isEqualByComparingTo("0.00008");
  }

  @Test
  void audioCountsArePartsOfTheTokensTheyBelongTo() {
    Usage usage = Usage.of("gpt-4o-audio-preview", 10, 10).withReasoning(4);

    assertThatThrownBy(() -> usage.withAudio(11, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audioInputTokens (11) are part of inputTokens (10)");
    assertThatThrownBy(() -> usage.withAudio(0, 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audioOutputTokens (7) and reasoningTokens (4)");
    assertThat(usage.withAudio(10, 6).withServiceTier("priority").asEstimated().audioOutputTokens()).isEqualTo(6);
  }
}
