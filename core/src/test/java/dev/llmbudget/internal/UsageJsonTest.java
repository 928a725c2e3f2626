package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import org.junit.jupiter.api.Test;

class UsageJsonTest {

  private static Usage read(String json) {
    return UsageJson.fromResponse(SdkJson.toTree(json), "fallback-model");
  }

  @Test
  void openAiChatSeparatesCachedAndReasoningTokens() {
    Usage u = read("{\"model\":\"o3-mini\",\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":50,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":40},\"completion_tokens_details\":{\"reasoning_tokens\":30}}}");
    assertThat(u).isEqualTo(new Usage("o3-mini", 60, 50, 40, 0, 0, 30, false));
  }

  @Test
  void openAiResponsesAndEmbeddings() {
    assertThat(read("{\"object\":\"response\",\"model\":\"gpt-4.1\",\"usage\":{\"input_tokens\":10,\"output_tokens\":5,"
        + "\"total_tokens\":15,\"input_tokens_details\":{\"cached_tokens\":4},\"output_tokens_details\":{\"reasoning_tokens\":2}}}"))
        .isEqualTo(new Usage("gpt-4.1", 6, 5, 4, 0, 0, 2, false));
    assertThat(read("{\"object\":\"list\",\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}"))
        .isEqualTo(Usage.of("text-embedding-3-small", 8, 0));
  }

  @Test
  void anthropicWithAndWithoutTheCacheSplit() {
    assertThat(read("{\"type\":\"message\",\"model\":\"claude-3-5-haiku-20241022\",\"usage\":{\"input_tokens\":10,"
        + "\"output_tokens\":3,\"cache_read_input_tokens\":7,\"cache_creation_input_tokens\":5}}"))
        .isEqualTo(new Usage("claude-3-5-haiku-20241022", 10, 3, 7, 5, 0, 0, false));
    assertThat(read("{\"type\":\"message\",\"model\":\"m\",\"usage\":{\"input_tokens\":10,\"output_tokens\":3,"
        + "\"cache_creation_input_tokens\":5,\"cache_creation\":{\"ephemeral_5m_input_tokens\":2,\"ephemeral_1h_input_tokens\":3}}}"))
        .isEqualTo(new Usage("m", 10, 3, 0, 2, 3, 0, false));
  }

  @Test
  void geminiBedrockAndOllama() {
    assertThat(read("{\"modelVersion\":\"gemini-2.5-flash\",\"usageMetadata\":{\"promptTokenCount\":100,"
        + "\"candidatesTokenCount\":20,\"cachedContentTokenCount\":30,\"thoughtsTokenCount\":10}}"))
        .isEqualTo(new Usage("gemini-2.5-flash", 70, 30, 30, 0, 0, 10, false));
    assertThat(read("{\"usage\":{\"inputTokens\":12,\"outputTokens\":4,\"cacheReadInputTokens\":2,\"cacheWriteInputTokens\":1}}"))
        .isEqualTo(new Usage("fallback-model", 12, 4, 2, 1, 0, 0, false));
    assertThat(read("{\"model\":\"llama3\",\"prompt_eval_count\":9,\"eval_count\":4}")).isEqualTo(Usage.of("llama3", 9, 4));
  }

  @Test
  void noUsageIsNull() {
    assertThat(read("{\"model\":\"gpt-4o\"}")).isNull();
    assertThat(read("[1,2]")).isNull();
    assertThat(UsageJson.fromResponse(null, null)).isNull();
  }

  @Test
  void theServiceTierOfAChatCompletionAndOfAResponsesObjectIsRead() {
    assertThat(read("{\"model\":\"gpt-5\",\"service_tier\":\"priority\",\"usage\":{\"prompt_tokens\":8,"
        + "\"completion_tokens\":2}}")).isEqualTo(new Usage("gpt-5", 8, 2, 0, 0, 0, 0, false, "priority"));
    // a streamed Responses call's usage comes in response.completed's response object, read as this one
    assertThat(read("{\"object\":\"response\",\"model\":\"o3\",\"service_tier\":\"flex\",\"usage\":"
        + "{\"input_tokens\":10,\"output_tokens\":5,\"total_tokens\":15}}"))
        .isEqualTo(new Usage("o3", 10, 5, 0, 0, 0, 0, false, "flex"));
    // Anthropic's usage.service_tier ("standard", "priority") is not OpenAI's and prices nothing here
    assertThat(read("{\"type\":\"message\",\"model\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1,"
        + "\"service_tier\":\"priority\"}}").serviceTier()).isNull();
  }

  /**
   * The one tier table, as the request scan and the answer readers use it: every name read from its
   * bytes or its string is the shared constant itself, and no other value (a prefix, a longer word,
   * a case variant, a range past the array) is taken for one.
   */
  @Test
  void everyServiceTierIsMatchedToItsConstantFromBytesAndFromAStringAndNothingElseIs() {
    String[] tiers = {UsageJson.DEFAULT_TIER, UsageJson.PRIORITY_TIER, UsageJson.FLEX_TIER, UsageJson.SCALE_TIER,
        UsageJson.AUTO_TIER};
    for (String tier : tiers) {
      byte[] json = ("{\"service_tier\":\"" + tier + "\"}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      int from = "{\"service_tier\":\"".length();
      assertThat(UsageJson.serviceTier(json, from, from + tier.length())).isSameAs(tier);
      assertThat(UsageJson.serviceTier(new String(tier.toCharArray()))).isSameAs(tier);
      assertThat(UsageJson.serviceTier(json, from, from + tier.length() - 1)).as("a prefix of " + tier).isNull();
      assertThat(tier.length()).isLessThanOrEqualTo(UsageJson.LONGEST_TIER);
    }
    assertThat(UsageJson.LONGEST_TIER).isEqualTo("priority".length());
    byte[] other = "priority2 Priority flex".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(UsageJson.serviceTier(other, 0, 9)).isNull();
    assertThat(UsageJson.serviceTier(other, 10, 18)).isNull();
    assertThat(UsageJson.serviceTier(other, 19, 23)).isSameAs(UsageJson.FLEX_TIER);
    assertThat(UsageJson.serviceTier(other, 19, 24)).as("past the array").isNull();
    assertThat(UsageJson.serviceTier(other, 5, 5)).isNull();
    assertThat(UsageJson.serviceTier("on_demand")).isEqualTo("on_demand");
    assertThat(UsageJson.serviceTier((String) null)).isNull();
  }
}
