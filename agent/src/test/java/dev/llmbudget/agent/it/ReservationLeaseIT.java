package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 8 item 6 with openai-java: a streaming response the app keeps but never reads or closes
 * holds its reservation only until the lease ({@code llmbudget.reservation_ttl}) runs out. Needs
 * the leases of branch {@code ledger}.
 */
class ReservationLeaseIT {

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
  void anAbandonedStreamingResponseFreesItsBudgetAfterTheLease() throws Exception {
    // Room for one call's reservation (a prompt under 100 tokens, 100 output), not two.
    BigDecimal budget = price(OpenAiCalls.MODEL, 100, 100).multiply(new BigDecimal("1.2"));
    ChildJvm.Result r = new ChildJvm().agentArgs("store=memory,max_budget=10")
        .systemProperty("llmbudget.reservation_ttl", "2s")
        .run(SdkApp.class.getName(), "openai", server.baseUrl(), "100", "budget:alice=" + budget.toPlainString(),
            "abandon@alice", "sync@alice", "sleep3", "sync%alice");
    assertThat(r.exitCode()).as(r.output()).isZero();

    assertThat(r.step("abandon@alice")).isEqualTo("OK");
    assertThat(r.step("sync@alice")).as("the abandoned stream holds the budget").isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync%alice")).as("after the lease, the next call goes through").isEqualTo("OK");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(2);
  }
}
