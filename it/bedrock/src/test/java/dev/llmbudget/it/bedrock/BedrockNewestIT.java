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

  /**
   * One image on Claude 3 Haiku may bill 1,700 input tokens ($0.000425): a budget of $0.0003 pays for
   * the text of a call (its prompt and 100 output tokens, about $0.00014), not for its image, so a
   * Converse and an InvokeModel call with one image each are refused before anything is sent, naming
   * the image; under a budget of $0.01 the same two calls go out and are charged what the server
   * reports. (The newest SDK only: one child JVM.)
   */
  @Test
  void callsWhoseImageTheBudgetCannotPayForAreRefusedBeforeTheyAreSent() throws Exception {
    String[] args = {server.baseUrl(), "100", "budget:bob=0.01", "converse-image@alice", "invoke-image@alice",
        "converse-image@bob", "invoke-image@bob"};
    ChildJvm.Result r = child().agentArgs("store=memory,max_budget=10,user.max_budget=0.0003")
        .run(BedrockApp.class.getName(), args);

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("converse-image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("invoke-image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL converse-image ")).contains("incl. 1 image (1,700 tokens)");
    assertThat(r.value("REFUSAL invoke-image ")).contains("incl. 1 image (1,700 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("converse-image@bob")).isEqualTo("OK");
    assertThat(r.step("invoke-image@bob")).isEqualTo("OK");
    assertThat(server.totalRequests()).as("only bob's calls reached the server").isEqualTo(2);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(HAIKU, 20, 10)).multiply(java.math.BigDecimal.valueOf(2)));
  }
}
