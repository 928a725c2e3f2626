package dev.llmbudget.it.genai;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.AzureOpenAiApi;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** azure-ai-openai: an Azure endpoint with a key; deployments named to the agent by llmbudget.azure.deployments. */
abstract class AzureContract extends AgentContract {

  /** The model Azure names in its answers for the deployment. */
  static final String ANSWER_MODEL = "gpt-4o-mini-2024-07-18";

  @Override
  String sdk() {
    return "azure";
  }

  @Override
  String sdkAgentArgs() {
    return "azure.deployments=" + AzureCalls.DEPLOYMENT + ":gpt-4o-mini;" + AzureCalls.EMBEDDING_DEPLOYMENT
        + ":text-embedding-3-small";
  }

  @Override
  String llmPath() {
    return AzureOpenAiApi.chatPath(AzureCalls.DEPLOYMENT);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(ANSWER_MODEL, 20, 10, 4, 0, 0, 3, false);
  }

  @Override
  String reservedModel() {
    return "gpt-4o-mini";
  }

  @Override
  String capField() {
    return "max_tokens";
  }

  @Override
  Usage plainUsage() {
    return Usage.of(ANSWER_MODEL, 20, 10);
  }

  @Override
  String[] exactSteps() {
    return new String[] {"sync@alice"};
  }

  @AfterEach
  void answerWithTheModelAgain() {
    server.azure().model(ANSWER_MODEL);
  }

  @Test
  void anAnswerWithoutAModelIsChargedAsTheDeploymentsModel() throws Exception {
    server.azure().model(null);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "sync@alice");

    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of("gpt-4o-mini", 20, 10)));
  }

  @Test
  void aRequestRetriedByAzureCoreAfterA500IsChargedOnce() throws Exception {
    server.failNext(1);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "sync@alice");

    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(2);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(plainUsage()));
  }

  @Test
  void aStreamIsChargedForItsText() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "stream@alice");

    assertThat(r.step("stream@alice")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(1);
    // The SDK does not ask for usage in streams by default: the text is counted instead.
    assertThat(r.spent("alice")).isPositive().isLessThanOrEqualTo(price(Usage.of(ANSWER_MODEL, 100, 100)));
  }

  @Test
  void asyncCallsAreChargedLikeBlockingOnes() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "async@alice", "astream@bob");

    assertThat(r.step("async@alice")).isEqualTo("OK");
    assertThat(r.step("astream@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(2);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(plainUsage()));
    assertThat(r.spent("bob")).isPositive().isLessThanOrEqualTo(price(Usage.of(ANSWER_MODEL, 100, 100)));
  }

  @Test
  void anAsyncCallOverBudgetFailsWithTheBudgetErrorAndNothingIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.000001", 100,
        "async@alice", "astream@alice");

    assertThat(r.step("async@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("astream@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(server.requests(llmPath())).isZero();
  }

  @Test
  void embeddingsAreChargedTheirReportedUsage() throws Exception {
    server.azure().model("text-embedding-3-small");
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "embeddings@alice");

    assertThat(r.step("embeddings@alice")).isEqualTo("OK");
    assertThat(server.requests(AzureOpenAiApi.embeddingsPath(AzureCalls.EMBEDDING_DEPLOYMENT))).isEqualTo(1);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of("text-embedding-3-small", 20, 0)))
        .isGreaterThan(BigDecimal.ZERO);
  }

  /** Issue 8 item 6; needs the leases ({@code llmbudget.reservation_ttl}) of branch {@code ledger}. */
  @Test
  void anAbandonedStreamFreesItsBudgetAfterTheLease() throws Exception {
    // Room for one call's reservation (a prompt under 100 tokens, 100 output), not two.
    BigDecimal budget = price(Usage.of("gpt-4o-mini", 100, 100)).multiply(new BigDecimal("1.2"));
    String[] args = {sdk(), server.baseUrl(), "100", "budget:alice=" + budget.toPlainString(), "abandon@alice",
        "sync@alice", "sleep3", "async@alice"};
    ChildJvm.Result r = new ChildJvm().classPath(classPath()).agentArgs("store=memory,max_budget=10," + sdkAgentArgs())
        .systemProperty("llmbudget.reservation_ttl", "2s").run(CallsApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();

    assertThat(r.step("abandon@alice")).isEqualTo("OK");
    assertThat(r.step("sync@alice")).as("the abandoned stream holds the budget").isEqualTo("BLOCKED user:alice");
    assertThat(r.step("async@alice")).as("after the lease, the next call goes through").isEqualTo("OK");
  }
}
