package dev.llmbudget.it.genai;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the agent guarantees for Google GenAI and Azure OpenAI, shown with real JVMs running the
 * real SDK against a loopback server. Each SDK version is one subclass.
 */
abstract class AgentContract {

  static FakeLlmServer server;

  /** {@code genai} or {@code azure}: which {@link LlmCalls} the child uses. */
  abstract String sdk();

  abstract String classPath();

  /** Agent arguments this SDK needs beyond the budget (e.g. deployment names). */
  String sdkAgentArgs() {
    return "";
  }

  /** The path the server counts this SDK's chat calls on. */
  abstract String llmPath();

  /** The usage the server's answers report, as core reads it, after {@link #reportCacheTokens}. */
  abstract Usage reportedUsage();

  /** Plain usage: 20 in, 10 out, under the model the answer is charged to. */
  abstract Usage plainUsage();

  /** Makes the server report cache and reasoning tokens as this provider does. */
  void reportCacheTokens(FakeLlmServer s) {
    s.cache(4, 0).reasoning(3);
  }

  /** The steps that must each be charged exactly {@link #reportedUsage()}. */
  abstract String[] exactSteps();

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
    server.usage(20, 10).cache(0, 0).reasoning(0).audio(0, 0).failNext(0);
  }

  /** The model the agent reserves for (the deployment's model, for Azure). */
  abstract String reservedModel();

  /** The request field the agent writes a clamped cap into. */
  abstract String capField();

  long modelMax() {
    return PriceTable.defaultTable().resolve(reservedModel()).orElseThrow().maxOutputTokens().orElseThrow();
  }

  /** Eight threads, requests without an output cap, answers of the model's maximum length, a budget of 3.5 of them. */
  ChildJvm.Result eightUncappedThreads(String mode, BigDecimal budget) throws Exception {
    server.countedUsage(modelMax());
    ChildJvm.Result r = run(new ChildJvm().systemProperty(HardCaps.CHECK, "true"),
        "store=memory,output_reserve=" + mode + ",max_budget=" + budget.toPlainString(), 0, "8xsync");
    HardCaps.assertHeld(r, "8xsync", server, plainUsage().model(), budget);
    return r;
  }

  @Test
  void uncappedCallsReserveTheModelsMaximumOutputSoEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = HardCaps.budgetOf(plainUsage().model(), "3.5", modelMax());
    ChildJvm.Result r = eightUncappedThreads("model_max", budget);
    assertThat(HardCaps.ok(r.step("8xsync"))).isBetween(1, 3);
  }

  @Test
  void clampWritesTheCapTheBudgetCanPayForIntoTheRequestAndEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = HardCaps.budgetOf(plainUsage().model(), "3.5", modelMax());
    ChildJvm.Result r = eightUncappedThreads("clamp", budget);
    HardCaps.assertClamped(server, capField(), modelMax(), plainUsage().model(), budget);
    assertThat(HardCaps.ok(r.step("8xsync"))).as(r.output()).isGreaterThanOrEqualTo(4);
  }

  ChildJvm.Result run(String agentArgs, long maxTokens, String... steps) throws Exception {
    return run(new ChildJvm(), agentArgs, maxTokens, steps);
  }

  ChildJvm.Result run(ChildJvm jvm, String agentArgs, long maxTokens, String... steps) throws Exception {
    String args = sdkAgentArgs().isEmpty() ? agentArgs : agentArgs + "," + sdkAgentArgs();
    String[] all = new String[steps.length + 3];
    all[0] = sdk();
    all[1] = server.baseUrl();
    all[2] = Long.toString(maxTokens);
    System.arraycopy(steps, 0, all, 3, steps.length);
    ChildJvm.Result r = jvm.classPath(classPath()).agentArgs(args).run(CallsApp.class.getName(), all);
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r;
  }

  @Test
  void everyCallIsChargedThePriceOfItsReportedUsageExactly() throws Exception {
    reportCacheTokens(server);
    String[] steps = exactSteps();
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, steps);

    for (String step : steps) {
      assertThat(r.step(step)).isEqualTo("OK");
    }
    BigDecimal one = price(reportedUsage());
    assertThat(one).isPositive();
    assertThat(r.spent("alice")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(steps.length)));
    assertThat(r.spent("global")).isEqualByComparingTo(r.spent("alice"));
    assertThat(server.requests(llmPath()) + server.requests(streamPath())).isEqualTo(steps.length);
  }

  /** Where this SDK's streaming calls go, when not to {@link #llmPath()}. */
  String streamPath() {
    return "/none";
  }

  @Test
  void aStreamStoppedEarlyIsChargedForWhatWasReceived() throws Exception {
    server.reply("A longer answer, streamed in several pieces so that one can stop early.", 6);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "early@bob");

    assertThat(r.step("early@bob")).isEqualTo("OK");
    assertThat(r.spent("bob")).isPositive()
        .isLessThanOrEqualTo(price(new Usage(plainUsage().model(), 20, 100, 0, 0, 0, 0, false)));
  }

  @Test
  void aUserOverBudgetIsBlockedBeforeAnythingIsSentWhileAnotherIsNot() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.000001", 100,
        "budget:bob=1", "sync@alice", "stream@alice", "sync@bob");

    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("stream@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync@bob")).isEqualTo("OK");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.spent("bob")).isEqualByComparingTo(price(plainUsage()));
    assertThat(server.totalRequests()).isEqualTo(1);
  }

  @Test
  void theGlobalBudgetBlocksEveryoneAndNothingIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=0.000001", 100, "sync", "sync@alice", "stream@carol");

    for (String step : new String[] {"sync", "sync@alice", "stream@carol"}) {
      assertThat(r.step(step)).isEqualTo("BLOCKED global");
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void aPriceTableThatCannotLoadRefusesEveryCallAndNothingIsSent() throws Exception {
    Path prices = Files.createTempFile("bad-prices", ".json");
    Files.writeString(prices, "{\"gpt-4o-mini\": {\"input_cost_per_token\": 1.5e-07,},}");
    ChildJvm.Result r = run("store=memory,max_budget=10,prices=" + prices, 100, "sync", "sync@alice", "stream@carol");

    for (String step : new String[] {"sync", "sync@alice", "stream@carol"}) {
      assertThat(r.step(step)).startsWith("BLOCKED BudgetUnavailableError llm-budget: price table " + prices);
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void aFailedCallIsChargedNothing() throws Exception {
    server.failNext(10);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "sync@alice");

    assertThat(r.step("sync@alice")).startsWith("ERROR");
    assertThat(server.totalRequests()).isPositive();
    assertThat(r.spent("alice")).isZero();
  }
}
