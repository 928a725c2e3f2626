package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StainlessSdkTest {

  @Test
  void theOneAndTwoSegmentFormsMatchAsTheVarargsFormDoes() {
    List<String> chat = List.of("openai", "deployments", "v1", "chat", "completions");
    assertThat(StainlessSdk.endsWith(chat, "completions")).isTrue();
    assertThat(StainlessSdk.endsWith(chat, "chat", "completions")).isTrue();
    assertThat(StainlessSdk.endsWith(chat, "v1", "completions")).isFalse();
    assertThat(StainlessSdk.endsWith(chat, "embeddings")).isFalse();
    assertThat(StainlessSdk.endsWith(List.of("completions"), "chat", "completions")).isFalse();
    assertThat(StainlessSdk.endsWith(List.of(), "messages")).isFalse();
    assertThat(StainlessSdk.endsWith(chat, "v1", "chat", "completions")).isTrue();
  }
}
