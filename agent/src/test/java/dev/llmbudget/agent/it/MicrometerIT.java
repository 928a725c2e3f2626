package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, Micrometer: an application with Micrometer on its class path gets the budget meters
 * in {@code Metrics.globalRegistry} with no code, and a registry it adds later (as Spring Boot
 * does) sees them with the values of the calls made before; an application without Micrometer is
 * metered as before.
 */
class MicrometerIT {

  @Test
  void theGlobalRegistryShowsTokensCostAndBlockedCallsOfTheAgent() throws Exception {
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      ChildJvm.Result r = new ChildJvm()
          .agentArgs("store=memory,quiet=true,max_budget=" + perCall.multiply(new BigDecimal("3.5")).toPlainString())
          .run(MicrometerApp.class.getName(), llm.openAiBaseUrl(), "5");

      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.lines()).filteredOn("CALL OK"::equals).hasSize(3);
      String tags = "gen_ai.provider.name=openai;gen_ai.request.model=gpt-4o-mini;";
      assertThat(r.value("METER gen_ai.client.token.usage " + tags + "gen_ai.token.type=input; ")).isEqualTo("60.0");
      assertThat(r.value("METER gen_ai.client.token.usage " + tags + "gen_ai.token.type=output; ")).isEqualTo("30.0");
      assertThat(new BigDecimal(r.value("METER llm_budget.cost " + tags + " ").split(" ")[0]))
          .isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(3)).round(new MathContext(15)));
      assertThat(r.value("METER llm_budget.cost " + tags + " ")).endsWith(" usd");
      assertThat(r.value("METER llm_budget.calls.blocked  ")).isEqualTo("2.0");
      assertThat(r.value("METER llm_budget.calls.metered  ")).isEqualTo("3.0");
      assertThat(r.value("METER llm_budget.classes.not_instrumented  ")).isEqualTo("0.0");
      assertThat(new BigDecimal(r.value("METER llm_budget.global.remaining  ").split(" ")[0]))
          .isEqualByComparingTo(perCall.multiply(new BigDecimal("0.5")).round(new MathContext(15)));
      // no per-user tags unless llmbudget.metrics.user_tags=true
      assertThat(r.output()).doesNotContain("user=alice");
    }
  }

  @Test
  void userTagsAreOptIn() throws Exception {
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      ChildJvm.Result r = new ChildJvm().agentArgs("store=memory,quiet=true,metrics.user_tags=true")
          .run(MicrometerApp.class.getName(), llm.openAiBaseUrl(), "2");

      assertThat(r.value("METER gen_ai.client.token.usage gen_ai.provider.name=openai;gen_ai.request.model=gpt-4o-mini;"
          + "gen_ai.token.type=input;user=alice; ")).isEqualTo("40.0");
    }
  }

  @Test
  void anApplicationWithoutMicrometerIsMeteredAsBefore() throws Exception {
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      ChildJvm.Result r = new ChildJvm().classPath(ChildClassPath.newest("micrometer"))
          .agentArgs("store=memory,quiet=true,max_budget=1")
          .run(SdkApp.class.getName(), "openai", llm.openAiBaseUrl(), "10", "sync@alice", "sync@alice");

      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.step("sync@alice")).isEqualTo("OK");
      assertThat(r.spent("alice")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10).multiply(BigDecimal.valueOf(2)));
      assertThat(r.output()).doesNotContainIgnoringCase("micrometer").doesNotContain("WARN");
    }
  }
}
