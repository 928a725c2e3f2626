package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** User ids from the application's MDC, with the agent attached: none can reach an internal budget. */
class UserIdIT {

  static FakeLlmServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
    server.usage(20, 10).cache(0, 0).reasoning(0).failNext(0);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void anMdcUserThatIsTheGlobalKeyOrJunkIsNoUserChargedOnceWithOneWarning() throws Exception {
    String longId = "x".repeat(300);
    ChildJvm.Result r = new ChildJvm().agentArgs("store=memory,max_budget=10,user.max_budget=1")
        .run(SdkApp.class.getName(), "openai", server.baseUrl(), "100",
            "sync%$global", "sync%" + longId, "sync% ", "sync%bob");

    assertThat(r.step("sync%$global")).as(r.output()).isEqualTo("OK");
    assertThat(r.step("sync%" + longId)).isEqualTo("OK");
    assertThat(r.step("sync%bob")).isEqualTo("OK");
    BigDecimal one = price(OpenAiCalls.MODEL, 20, 10);
    // Four calls, each charged once to the global budget: '$global' was charged twice before.
    assertThat(r.spent("global")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(4)));
    assertThat(r.spent(longId)).isZero();
    assertThat(r.spent("bob")).isEqualByComparingTo(one);
    assertThat(r.output().split("is not a usable user id", -1)).as(r.output()).hasSize(2);
  }
}
