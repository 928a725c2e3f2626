package dev.llmbudget.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.tokens.TokenCounter;
import org.junit.jupiter.api.Test;

class EnglishTextTest {

  @Test
  void isExactlyTheAskedSizeAndTheSameEveryTime() {
    String text = EnglishText.ofBytes(10_240);
    assertThat(text).hasSize(10_240).isEqualTo(EnglishText.ofBytes(10_240));
    assertThat(TokenCounter.upperBoundTokens(text)).isEqualTo(10_240);
  }

  @Test
  void tokenizesLikeEnglishProseNotLikeNoise() {
    String text = EnglishText.ofBytes(10_240);
    int tokens = TokenCounter.forModel("gpt-4o-mini").count(text);
    // English prose runs at about 4 to 5.5 bytes a token; random bytes would be near 1.
    assertThat(10_240.0 / tokens).isBetween(3.5, 6.0);
    assertThat(text).contains(". ").contains(", ").contains("\n\n");
  }
}
