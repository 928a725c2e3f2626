package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;

/** anthropic-java 3.x, as on the test class path. */
class AnthropicNewestIT extends SdkAgentContract {
  @Override
  String sdk() {
    return "anthropic";
  }

  @Override
  String model() {
    return AnthropicCalls.MODEL;
  }

  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  @Override
  String llmPath() {
    return "/v1/messages";
  }

  @Override
  void reportCacheTokens(FakeLlmServer server) {
    server.cache(4, 6);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 6, 0, 0, false);
  }

  @Override
  String[] otherExactCalls() {
    return new String[] {"raw", "beta"};
  }

  @Override
  String capField() {
    return "max_tokens";
  }

  @Override
  long uncapped() {
    return modelMaxOutput(model());
  }

  /**
   * One image on Claude 3.5 Haiku may bill 1,700 input tokens ($0.00136): a budget of $0.001 pays for
   * the text of the call (20 tokens in, 100 out: $0.000416), not for its image, so the call is refused
   * before anything is sent, naming the image; under a budget of $0.01 the same call goes out and is
   * charged what the server reports.
   */
  @org.junit.jupiter.api.Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.001")
        .systemProperty("llmbudget.test.check_reservations", "true"), 100, "budget:bob=0.01", "image@alice",
        "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("IMAGE REFUSAL ")).contains("incl. 1 image (1,700 tokens)");
    assertThat(r.step("image@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("alice")).isZero();
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
    assertThat(r.output()).doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
  }
}
