package dev.llmbudget.it.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.FakeLlmServer;
import org.junit.jupiter.api.Test;

/** OpenAI chat completions through Spring AI's {@code OpenAiChatModel}, stream usage switched on. */
abstract class OpenAiCase extends SpringAiContract {
  @Override
  String provider() {
    return "openai";
  }

  @Override
  String model() {
    return "gpt-4o-mini";
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  void reportCacheTokens(FakeLlmServer s) {
    s.cache(4, 0).reasoning(3);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 0, 0, 3, false);
  }

  /**
   * One image on gpt-4o-mini may bill 48,169 input tokens ($0.0072): a budget of $0.001 pays for the
   * text of a call many times over, not for the image a user message carries as Spring AI {@code
   * Media}, so the call is refused before anything is sent, naming the image; under a budget of $0.01
   * it goes out and is charged what the server reports. On 1.x the Spring AI seam counts the image; on
   * 2.x (meteredBelow) the openai-java seam counts it in the request Spring AI built.
   */
  @Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.001", 100, "budget:bob=0.01",
        "image@alice", "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL image ")).contains("incl. 1 image (48,169 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("image@bob")).startsWith("OK Hello");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
  }
}
