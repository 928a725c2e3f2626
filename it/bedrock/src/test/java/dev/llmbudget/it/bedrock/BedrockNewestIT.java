package dev.llmbudget.it.bedrock;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

/** Bedrock Runtime at the version the AWS BOM in it/bedrock/pom.xml names (2.57.8), the newest. */
class BedrockNewestIT extends BedrockContract {
  @Override
  ChildJvm child() {
    return new ChildJvm().classPath(ChildClassPath.newest());
  }

  @Override
  boolean converseReportsCache() {
    return true;
  }

  /**
   * Bedrock bills an answer whether or not the agent can read it. A body that does not parse is
   * charged the counts of the token headers (20 in, 10 out; the old code released it). Without those
   * headers too, the agent cannot read the answer: it is charged what the call reserved (at least the
   * 100 output tokens it asked for) and counted as unmetered. Either way the caller gets the answer
   * as the SDK gave it. (The newest SDK only: one child JVM.)
   */
  @Test
  void anInvokeModelAnswerTheAgentCannotReadIsChargedWhatTheCallReservedAndCounted() throws Exception {
    String[] args = {server.baseUrl(), "100", "invoke-garbled@alice", "invoke-unread@bob"};
    ChildJvm.Result r = child().agentArgs("store=memory,max_budget=10").run(BedrockApp.class.getName(), args);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("invoke-garbled@alice")).isEqualTo("OK");
    assertThat(r.value("ANSWER invoke-garbled ")).isEqualTo(BedrockApp.UNREADABLE);
    assertThat(r.spent("alice")).as(r.output()).isEqualByComparingTo(price(Usage.of(HAIKU, 20, 10)));
    assertThat(r.value("UNMETERED invoke-garbled ")).isEqualTo("0");

    assertThat(r.step("invoke-unread@bob")).isEqualTo("OK");
    assertThat(r.value("ANSWER invoke-unread ")).isEqualTo(BedrockApp.UNREADABLE);
    assertThat(r.spent("bob")).as(r.output()).isGreaterThanOrEqualTo(price(Usage.of(HAIKU, 0, 100)))
        .isLessThan(price(Usage.of(HAIKU, 1_000, 100)));
    assertThat(r.value("UNMETERED invoke-unread ")).isEqualTo("1");
    assertThat(r.output()).contains("could not read a Bedrock answer");
  }
}
