package dev.llmbudget.it.langchain4j;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

/** The contract for LangChain4j's OpenAi models on the newest LangChain4j 1.x modules served here (core, open-ai, anthropic 1.19.0; ollama 1.18.1). */
class OpenAiNewestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "openai";
  }

  @Override
  String classPath() {
    return newestClassPath();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of("gpt-4o-mini", 20, 10);
  }

  /**
   * Cached and reasoning tokens pay their own rates, those of the service tier that served the call
   * (OpenAiChatResponseMetadata.serviceTier()): at priority, 20 x 2.5e-7 + 6 cached x 1.25e-7 +
   * 10 x 1e-6 (reasoning pays the output rate) = $0.00001575; at the standard rates it is $0.00000945.
   */
  @Test
  void cachedAndReasoningTokensThatTheProviderReportsArePricedAtTheirOwnRates() throws Exception {
    server.cache(6, 0).reasoning(4).serviceTier("priority");
    ChildJvm.Result r = run("store=memory,max_budget=10", "sync@dana");

    assertThat(r.step("sync@dana")).isEqualTo("OK");
    assertThat(r.spent("dana")).isEqualByComparingTo("0.00001575");
  }

  /**
   * One high-detail image on gpt-4o-mini may bill 48,169 input tokens ($0.0072): a budget of $0.001
   * pays for the text of a call many times over, not for its {@code ImageContent}, so the call is
   * refused before anything is sent, naming the image; under a budget of $0.01 it goes out and is
   * charged what the server reports.
   */
  @Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.001", "budget:bob=0.01", "image@alice",
        "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL image ")).contains("incl. 1 image (48,169 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("image@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(reportedUsage()));
  }
}
