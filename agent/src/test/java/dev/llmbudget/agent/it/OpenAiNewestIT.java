package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.FakeLlmServer;
import org.junit.jupiter.api.Test;

/** openai-java 4.x, as on the test class path. */
class OpenAiNewestIT extends SdkAgentContract {
  @Override
  String sdk() {
    return "openai";
  }

  @Override
  String model() {
    return OpenAiCalls.MODEL;
  }

  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  void reportCacheTokens(FakeLlmServer server) {
    server.cache(4, 0).reasoning(3);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 0, 0, 3, false);
  }

  @Override
  String[] otherExactCalls() {
    return new String[] {"raw"};
  }

  @Override
  String capField() {
    return "max_completion_tokens";
  }

  /**
   * A call that asks for priority processing, answered by the priority tier, is charged gpt-4o-mini's
   * priority rates, blocking and streamed: 20 x 2.5e-7 + 10 x 1e-6 = $0.000015 each (the standard
   * rates would make it $0.000009).
   */
  @Test
  void callsServedAtThePriorityTierAreChargedItsPrice() throws Exception {
    server.serviceTier("priority");
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, "priority@alice",
        "priority-stream@alice");

    assertThat(r.step("priority@alice")).isEqualTo("OK");
    assertThat(r.step("priority-stream@alice")).isEqualTo("OK");
    assertThat(r.spent("alice")).isEqualByComparingTo("0.000030");
    assertThat(server.requests(llmPath())).isEqualTo(2);
  }
}
