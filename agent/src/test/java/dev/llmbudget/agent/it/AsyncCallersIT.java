package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Async calls prepared and never sent must not make a later async call lose its user. */
class AsyncCallersIT {

  static FakeLlmServer server;

  @BeforeAll
  static void start() throws Exception {
    server = FakeLlmServer.start().usage(20, 10);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void anAsyncCallAfterTwelveThousandPreparedUnsentOnesIsChargedToItsUser() throws Exception {
    ChildJvm.Result r = new ChildJvm().agentArgs("store=memory,max_budget=10")
        .run(SdkApp.class.getName(), "openai", server.baseUrl(), "100", "prepare-unsent@ghost", "async@alice");
    assertThat(r.exitCode()).as(r.output()).isZero();

    assertThat(r.step("prepare-unsent@ghost")).isEqualTo("OK");
    assertThat(r.step("async@alice")).isEqualTo("OK");
    assertThat(r.spent("alice")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    assertThat(r.spent("ghost")).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(1);
  }
}
