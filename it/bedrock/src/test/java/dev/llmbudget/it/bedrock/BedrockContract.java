package dev.llmbudget.it.bedrock;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.HardCaps;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the agent guarantees for the Bedrock Runtime client, shown with real JVMs running the real
 * SDK against the loopback server. Each SDK version is one subclass.
 */
abstract class BedrockContract {

  static final String HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";
  static final String SONNET_US = "us.anthropic.claude-3-5-sonnet-20240620-v1:0";
  static final String SONNET_PROFILE_ARN =
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0";
  static final String HAIKU_35_US = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
  static final String NOVA_LITE = "amazon.nova-lite-v1:0";
  static final String LLAMA3 = "meta.llama3-8b-instruct-v1:0";
  static final String LLAMA31 = "meta.llama3-1-8b-instruct-v1:0";
  static final String TITAN = "amazon.titan-text-express-v1";
  static final String MISTRAL = "mistral.mistral-7b-instruct-v0:2";

  static FakeLlmServer server;

  /** A child on this SDK version's class path. */
  abstract ChildJvm child();

  /** Converse's TokenUsage has cache read/write counts only from SDK 2.30 on. */
  abstract boolean converseReportsCache();

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void resetServer() {
    server.resetCounts();
    server.usage(20, 10).cache(0, 0).failNext(0).answerDelay(0);
  }

  static long haikuMaxOutput() {
    return PriceTable.defaultTable().resolve(HAIKU).orElseThrow().maxOutputTokens().orElseThrow();
  }

  /** Eight threads, Converse requests without an output cap, answers of the model's maximum length, a budget of 3.5 of them. */
  ChildJvm.Result eightUncappedThreads(String mode, BigDecimal budget) throws Exception {
    server.countedUsage(haikuMaxOutput());
    String[] args = {server.baseUrl(), "0", "8xconverse"};
    ChildJvm.Result r = child().systemProperty(HardCaps.CHECK, "true")
        .agentArgs("store=memory,output_reserve=" + mode + ",max_budget=" + budget.toPlainString())
        .run(BedrockApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();
    HardCaps.assertHeld(r, "8xconverse", server, HAIKU, budget);
    return r;
  }

  @Test
  void uncappedCallsReserveTheModelsMaximumOutputSoEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = HardCaps.budgetOf(HAIKU, "3.5", haikuMaxOutput());
    ChildJvm.Result r = eightUncappedThreads("model_max", budget);
    assertThat(HardCaps.ok(r.step("8xconverse"))).isBetween(1, 3);
  }

  @Test
  void clampWritesTheCapTheBudgetCanPayForIntoTheRequestAndEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = HardCaps.budgetOf(HAIKU, "3.5", haikuMaxOutput());
    ChildJvm.Result r = eightUncappedThreads("clamp", budget);
    HardCaps.assertClamped(server, "inferenceConfig.maxTokens", haikuMaxOutput(), HAIKU, budget);
    assertThat(HardCaps.ok(r.step("8xconverse"))).as(r.output()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void clampLowersTheCapOfInvokeModelBodiesAndStreams() throws Exception {
    server.countedUsage(haikuMaxOutput());
    BigDecimal budget = HardCaps.budgetOf(HAIKU, "1", 300);
    ChildJvm.Result r = child().systemProperty(HardCaps.CHECK, "true")
        .agentArgs("store=memory,output_reserve=clamp,max_budget=10,user.max_budget=" + budget.toPlainString())
        .run(BedrockApp.class.getName(), server.baseUrl(), "4000", "invoke@a", "ainvoke@b", "stream@c", "istream@d");
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).doesNotContain(HardCaps.EXCEEDED);
    for (String step : new String[] {"invoke@a", "ainvoke@b", "stream@c", "istream@d"}) {
      assertThat(r.step(step)).as(step).isEqualTo("OK");
      assertThat(r.spent(step.substring(step.indexOf('@') + 1))).as(step).isLessThanOrEqualTo(budget);
    }
    assertThat(server.bills()).hasSize(4).allSatisfy(b -> assertThat(b.cap()).isBetween(16L, 400L))
        .extracting(FakeLlmServer.Bill::capField)
        .containsExactlyInAnyOrder("max_tokens", "max_tokens", "inferenceConfig.maxTokens", "max_tokens");
  }

  ChildJvm.Result run(String agentArgs, int maxTokens, String... steps) throws Exception {
    String[] args = new String[steps.length + 2];
    args[0] = server.baseUrl();
    args[1] = Integer.toString(maxTokens);
    System.arraycopy(steps, 0, args, 2, steps.length);
    ChildJvm.Result r = child().agentArgs(agentArgs).run(BedrockApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r;
  }

  /** One call of each operation for a model family, each by its own user. */
  private record Call(String action, String model, boolean bodyReportsCache) {
    String step(int i) {
      return action + "=" + model + "@u" + i;
    }
  }

  @Test
  void everyOperationAndModelFamilyIsChargedThePriceOfItsUsageExactly() throws Exception {
    server.cache(4, 6);
    boolean converseCache = converseReportsCache();
    List<Call> calls = List.of(
        new Call("converse", HAIKU, converseCache),
        new Call("aconverse", SONNET_US, converseCache),
        new Call("stream", NOVA_LITE, converseCache),
        new Call("converse", SONNET_PROFILE_ARN, converseCache),
        new Call("invoke", HAIKU, true),
        new Call("ainvoke", NOVA_LITE, true),
        new Call("invoke", LLAMA3, false),
        new Call("invoke", TITAN, false),
        new Call("invoke", MISTRAL, false),
        new Call("istream", HAIKU_35_US, true),
        new Call("istream", LLAMA31, false));
    List<String> steps = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      steps.add(calls.get(i).step(i));
    }
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, steps.toArray(new String[0]));

    BigDecimal total = BigDecimal.ZERO;
    for (int i = 0; i < calls.size(); i++) {
      Call c = calls.get(i);
      assertThat(r.step(steps.get(i))).as(steps.get(i)).isEqualTo("OK");
      Usage usage = c.bodyReportsCache() ? new Usage(c.model(), 20, 10, 4, 6, 0, 0, false) : Usage.of(c.model(), 20, 10);
      BigDecimal expected = price(usage);
      assertThat(expected).isPositive();
      assertThat(r.spent("u" + i)).as(steps.get(i)).isEqualByComparingTo(expected);
      total = total.add(expected);
    }
    assertThat(r.spent("global")).isEqualByComparingTo(total);
    assertThat(server.totalRequests()).isEqualTo(calls.size());
    assertThat(server.requests("/model/" + HAIKU + "/converse")).isEqualTo(1);
    assertThat(server.requests("/model/" + NOVA_LITE + "/converse-stream")).isEqualTo(1);
    assertThat(server.requests("/model/" + HAIKU_35_US + "/invoke-with-response-stream")).isEqualTo(1);
  }

  @Test
  void anAsyncCallCancelledAfterTheServerReceivedItIsChargedItsPrompt() throws Exception {
    server.answerDelay(4000);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "acancel@dana");

    assertThat(r.step("acancel@dana")).isEqualTo("OK");
    assertThat(r.value("CANCELLED ")).isEqualTo("true");
    assertThat(server.totalRequests()).isEqualTo(1);
    // The prompt, estimated, and no output: more than $0, less than a call with its 10 output tokens.
    assertThat(r.spent("dana")).isPositive()
        .isLessThan(price(dev.llmbudget.Usage.of("anthropic.claude-3-haiku-20240307-v1:0", 100, 10)));
  }

  @Test
  void aStreamCancelledEarlyIsChargedForWhatWasReceived() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "early@bob", "iearly=" + LLAMA3 + "@carol");

    assertThat(r.step("early@bob")).isEqualTo("OK");
    assertThat(r.step("iearly=" + LLAMA3 + "@carol")).isEqualTo("OK");
    assertThat(r.spent("bob")).isPositive().isLessThanOrEqualTo(price(Usage.of(HAIKU, 20, 100)));
    assertThat(r.spent("carol")).isPositive().isLessThanOrEqualTo(price(Usage.of(LLAMA3, 20, 100)));
  }

  @Test
  void aUserOverBudgetIsBlockedBeforeAnythingIsSentWhileAnotherIsNot() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.000001", 100,
        "budget:bob=1", "converse@alice", "aconverse@alice", "stream@alice", "invoke@alice", "ainvoke@alice",
        "istream@alice", "converse@bob");

    for (String step : new String[] {"converse@alice", "aconverse@alice", "stream@alice", "invoke@alice",
        "ainvoke@alice", "istream@alice"}) {
      assertThat(r.step(step)).as(step).isEqualTo("BLOCKED user:alice");
    }
    assertThat(r.step("converse@bob")).isEqualTo("OK");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(HAIKU, 20, 10)));
    assertThat(server.totalRequests()).isEqualTo(1);
  }

  @Test
  void aPriceTableThatCannotLoadRefusesEveryOperationAndNothingIsSent() throws Exception {
    Path prices = Files.createTempFile("bad-prices", ".json");
    Files.writeString(prices, "{\"gpt-4o-mini\": {\"input_cost_per_token\": 1.5e-07,},}");
    String[] steps = {"converse", "aconverse@alice", "stream@bob", "invoke=" + NOVA_LITE, "ainvoke@carol",
        "istream=" + LLAMA3 + "@dave"};
    ChildJvm.Result r = run("store=memory,max_budget=10,prices=" + prices, 100, steps);

    for (String step : steps) {
      assertThat(r.step(step)).as(step).startsWith("BLOCKED BudgetUnavailableError llm-budget: price table " + prices);
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void theGlobalBudgetBlocksEveryOperationBeforeAnythingIsSent() throws Exception {
    String[] steps = {"converse", "aconverse@alice", "stream@bob", "invoke=" + NOVA_LITE, "ainvoke@carol",
        "istream=" + LLAMA3 + "@dave"};
    ChildJvm.Result r = run("store=memory,max_budget=0.000001", 100, steps);

    for (String step : steps) {
      assertThat(r.step(step)).as(step).isEqualTo("BLOCKED global");
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void aRequestRetriedAfterA500IsChargedOnce() throws Exception {
    server.failNext(1);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "converse@alice");

    assertThat(r.step("converse@alice")).isEqualTo("OK");
    assertThat(server.requests("/model/" + HAIKU + "/converse")).isEqualTo(2);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of(HAIKU, 20, 10)));
  }

  @Test
  void aModelTheTableLacksStillGoesThroughUncharged() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "converse=acme.unknown-model-v1:0@zed",
        "stream=acme.unknown-model-v1:0@zed");

    assertThat(r.step("converse=acme.unknown-model-v1:0@zed")).isEqualTo("OK");
    assertThat(r.step("stream=acme.unknown-model-v1:0@zed")).isEqualTo("OK");
    assertThat(r.spent("zed")).isZero();
    assertThat(r.output()).contains("acme.unknown-model-v1:0");
  }
}
