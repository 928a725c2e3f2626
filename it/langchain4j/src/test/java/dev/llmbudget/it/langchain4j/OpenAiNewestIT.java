package dev.llmbudget.it.langchain4j;

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
}
