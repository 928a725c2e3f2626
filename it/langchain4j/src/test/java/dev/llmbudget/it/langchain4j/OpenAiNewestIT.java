package dev.llmbudget.it.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import org.junit.jupiter.api.Test;

/** The contract for LangChain4j's OpenAi models on the newest LangChain4j 1.x modules served here (core, open-ai, anthropic 1.19.0; ollama 1.18.1). */
class OpenAiNewestIT extends LangChain4jContract {

  @Override
  String provider() {
    return "openai";
  }

  @Override
  String classPath() {
    return ChildJvm.newestClassPath();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  Usage reportedUsage() {
    return Usage.of("gpt-4o-mini", 20, 10);
  }

  @Test
  void cachedAndReasoningTokensThatTheProviderReportsArePricedAtTheirOwnRates() throws Exception {
    server.cache(6, 0).reasoning(4);
    ChildJvm.Result r = run("store=memory,max_budget=10", "sync@dana");

    assertThat(r.step("sync@dana")).isEqualTo("OK");
    assertThat(r.spent("dana")).isEqualByComparingTo(price(new Usage("gpt-4o-mini", 20, 10, 6, 0, 0, 4, false)));
  }
}
