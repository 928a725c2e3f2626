package dev.llmbudget.agent.instrumentation.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Usage;
import java.math.BigDecimal;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The mapping of Spring AI's usage shapes (stand-ins with the same getter names) onto core's Usage. */
class UsageReaderTest {

  /** Spring AI's {@code DefaultUsage}. */
  public record SpringUsage(Integer promptTokens, Integer completionTokens, Object nativeUsage) {
    public Integer getPromptTokens() {
      return promptTokens;
    }

    public Integer getCompletionTokens() {
      return completionTokens;
    }

    public Object getNativeUsage() {
      return nativeUsage;
    }
  }

  /** Spring AI 1.1's {@code AnthropicApi.Usage}: cache reads and writes beside the input tokens. */
  public record AnthropicUsage(Integer inputTokens, Integer outputTokens, Integer cacheCreationInputTokens,
      Integer cacheReadInputTokens) {}

  /** Spring AI 1.x's {@code OpenAiApi.Usage}: cached tokens inside the prompt tokens. */
  public record OpenAiUsage(Integer completionTokens, Integer promptTokens, Integer totalTokens,
      PromptDetails promptTokensDetails, CompletionDetails completionTokenDetails) {}

  public record PromptDetails(Integer audioTokens, Integer cachedTokens) {}

  public record CompletionDetails(Integer reasoningTokens, Integer audioTokens) {}

  @Test
  void anthropicCacheTokensAreChargedBesideTheInput() throws Exception {
    Usage u = UsageReader.read("claude-haiku-4-5", new SpringUsage(20, 10, new AnthropicUsage(20, 10, 6, 4)));
    assertThat(u).isEqualTo(new Usage("claude-haiku-4-5", 20, 10, 4, 6, 0, 0, false));
  }

  @Test
  void openAiCachedTokensComeOutOfThePromptAndReasoningIsPartOfTheOutput() throws Exception {
    Usage u = UsageReader.read("gpt-4o-mini",
        new SpringUsage(24, 10, new OpenAiUsage(10, 24, 34, new PromptDetails(0, 4), new CompletionDetails(3, 0))));
    assertThat(u).isEqualTo(new Usage("gpt-4o-mini", 20, 10, 4, 0, 0, 3, false));
  }

  @Test
  void openAiAudioTokensArePartsOfThePromptAndOfTheOutputAndSurviveAStreamsMaximum() throws Exception {
    // Spring AI 1.x's OpenAiApi.Usage: 1,000 prompt tokens, 600 of them audio; 500 completion tokens, 400 audio
    Usage u = UsageReader.read("gpt-4o-audio-preview", new SpringUsage(1_000, 500,
        new OpenAiUsage(500, 1_000, 1_500, new PromptDetails(600, 0), new CompletionDetails(0, 400))));
    assertThat(u).isEqualTo(Usage.of("gpt-4o-audio-preview", 1_000, 500).withAudio(600, 400));
    // priced at the audio rates: 400 x 2,500,000 + 600 x 40,000,000 + 100 x 10,000,000 + 400 x 80,000,000
    assertThat(dev.llmbudget.pricing.PriceTable.defaultTable().require("gpt-4o-audio-preview").costPicos(u))
        .isEqualTo(58_000_000_000L);

    Usage start = UsageReader.read("gpt-4o-audio-preview", new SpringUsage(1_000, 0,
        new OpenAiUsage(0, 1_000, 1_000, new PromptDetails(600, 0), null)));
    assertThat(UsageReader.max(start, u)).isEqualTo(u);
  }

  @Test
  void anyOtherProviderIsChargedItsPromptAndCompletionTokensAndNoTokensIsNoUsage() throws Exception {
    assertThat(UsageReader.read("llama3", new SpringUsage(20, 10, null))).isEqualTo(Usage.of("llama3", 20, 10));
    assertThat(UsageReader.read("llama3", new SpringUsage(0, 0, null))).isNull();
    assertThat(UsageReader.read("llama3", new SpringUsage(null, null, "unknown native"))).isNull();
  }

  @Test
  void aStreamsUsageIsTheLargestEachChunkReported() {
    Usage start = new Usage("claude-haiku-4-5", 20, 1, 4, 6, 0, 0, false);
    Usage end = Usage.of("claude-haiku-4-5", 0, 10);
    assertThat(UsageReader.max(UsageReader.max(null, start), end))
        .isEqualTo(new Usage("claude-haiku-4-5", 20, 10, 4, 6, 0, 0, false));
  }

  @Test
  void aBudgetErrorWrappedByAnAsyncSdkIsUnwrappedAndNothingElse() {
    BudgetExceededError e = new BudgetExceededError(BigDecimal.ONE, BigDecimal.ONE, "alice", BigDecimal.ONE);
    assertThat(MeteredBelowStream.unwrap(new CompletionException(e))).isSameAs(e);
    CompletionException other = new CompletionException(new IllegalStateException());
    assertThat(MeteredBelowStream.unwrap(other)).isSameAs(other);
  }
}
