package dev.llmbudget.it.langchain4j;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.HardCaps;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the agent guarantees for a LangChain4j chat model, shown in real JVMs running the real
 * LangChain4j modules against a loopback server. One subclass per provider and version.
 */
abstract class LangChain4jContract {

  static FakeLlmServer server;

  /** {@code openai}, {@code anthropic} or {@code ollama}: which models {@link ChatApp} builds. */
  abstract String provider();

  abstract String classPath();

  /** The path the server counts this provider's calls on. */
  abstract String llmPath();

  /** The usage the server's answers report, as the price table reads it. */
  abstract Usage reportedUsage();

  /** The usage LangChain4j reports for a streamed answer; the same unless a version miscounts. */
  Usage streamedUsage() {
    return reportedUsage();
  }

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
    server.usage(20, 10).cache(0, 0).reasoning(0).failNext(0).reply("Hello from the fake LLM server.", 4)
        .serviceTier("default");
  }

  /**
   * The newest LangChain4j modules as the test class path has them, without the official OpenAI module
   * and the openai-java under it, which the agent would meter at their own seam; OfficialOpenAiLayeredIT has them.
   */
  static String newestClassPath() {
    return ChildClassPath.newest("langchain4j-open-ai-official", "openai-java");
  }

  /**
   * The model of this provider's uncapped requests, for the hard-cap test; {@code null} where it
   * has no price to cap (Ollama's local models).
   */
  String pricedModel() {
    return reportedUsage().model();
  }

  /**
   * Eight threads, requests without an output cap, answers of the model's maximum length, a budget
   * of 3.5 of them: never more spent than the budget. In {@code clamp} the OpenAI module gets the
   * cap on its {@code ChatRequest} and sends it as {@code max_tokens}; other modules are not
   * clamped and reserve as {@code model_max} does.
   */
  @ParameterizedTest
  @ValueSource(strings = {"model_max", "clamp"})
  void uncappedCallsFromEightThreadsStayWithinTheBudget(String mode) throws Exception {
    Assumptions.assumeTrue(pricedModel() != null, "no price to cap");
    long max = PriceTable.defaultTable().resolve(pricedModel()).orElseThrow().maxOutputTokens().orElseThrow();
    server.countedUsage(max);
    BigDecimal budget = HardCaps.budgetOf(pricedModel(), "3.5", max);
    // Anthropic requires max_tokens and LangChain4j's module fills in its own default (which varies
    // by version) when none is set: that case asks for the model's maximum, more than the budget pays.
    String cap = provider().equals("anthropic") ? Long.toString(max) : "0";
    String[] args = {provider(), server.baseUrl(), cap, "8xsync"};
    ChildJvm.Result r = new ChildJvm().classPath(classPath()).systemProperty(HardCaps.CHECK, "true")
        .agentArgs("store=memory,output_reserve=" + mode + ",max_budget=" + budget.toPlainString())
        .run(ChatApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();
    HardCaps.assertHeld(r, "8xsync", server, pricedModel(), budget);
    if (mode.equals("clamp") && provider().equals("openai")) {
      HardCaps.assertClamped(server, "max_tokens", max, pricedModel(), budget);
      assertThat(HardCaps.ok(r.step("8xsync"))).as(r.output()).isGreaterThanOrEqualTo(4);
    } else {
      assertThat(HardCaps.ok(r.step("8xsync"))).isBetween(1, 3);
    }
  }

  ChildJvm.Result run(String agentArgs, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = provider();
    args[1] = server.baseUrl();
    args[2] = "100";
    System.arraycopy(steps, 0, args, 3, steps.length);
    ChildJvm.Result r = new ChildJvm().classPath(classPath()).agentArgs(agentArgs).run(ChatApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r;
  }

  @Test
  void syncAndStreamingCallsAreChargedThePriceOfTheirUsageExactly() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10", "sync@alice", "text@alice", "stream@alice");

    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.step("text@alice")).isEqualTo("OK");
    assertThat(r.step("stream@alice")).isEqualTo("OK");
    BigDecimal one = price(reportedUsage());
    assertThat(r.spent("alice")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(2)).add(price(streamedUsage())));
    assertThat(r.spent("global")).isEqualByComparingTo(r.spent("alice"));
    assertThat(server.requests(llmPath())).isEqualTo(3);
  }

  @Test
  void aUserOverBudgetIsBlockedBeforeAnythingIsSentWhileAnotherIsNot() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0",
        "budget:bob=1", "sync@alice", "stream@alice", "sync@bob");

    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("stream@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync@bob")).isEqualTo("OK");
    assertThat(r.spent("alice")).isZero();
    assertThat(server.requests(llmPath())).isEqualTo(1);
  }

  @Test
  void aPriceTableThatCannotLoadRefusesEveryCallAndNothingIsSent() throws Exception {
    Path prices = Files.createTempFile("bad-prices", ".json");
    Files.writeString(prices, "{\"gpt-4o-mini\": {\"input_cost_per_token\": 1.5e-07,},}");
    ChildJvm.Result r = run("store=memory,max_budget=10,prices=" + prices, "sync", "sync@alice", "stream@carol");

    for (String step : new String[] {"sync", "sync@alice", "stream@carol"}) {
      assertThat(r.step(step)).startsWith("BLOCKED BudgetUnavailableError llm-budget: price table " + prices);
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void theGlobalBudgetBlocksEveryone() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=0", "sync", "sync@alice", "stream@carol");

    for (String step : new String[] {"sync", "sync@alice", "stream@carol"}) {
      assertThat(r.step(step)).isEqualTo("BLOCKED global");
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void aStreamTheConsumerStopsEarlyIsChargedForWhatWasReceived() throws Exception {
    server.reply("one two three four five six seven eight nine ten eleven twelve", 6);
    ChildJvm.Result r = run("store=memory,max_budget=10", "early@bob");

    assertThat(r.step("early@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(1);
    BigDecimal ceiling = price(new Usage(reportedUsage().model(), 200, 100, 0, 0, 0, 0, false));
    if (ceiling.signum() > 0) {
      assertThat(r.spent("bob")).isPositive().isLessThanOrEqualTo(ceiling);
    } else {
      assertThat(r.spent("bob")).isZero();
    }
  }

  /** Issue 8 item 6; needs the leases ({@code llmbudget.reservation_ttl}) of branch {@code ledger}. */
  @Test
  void aStreamingHandlerThatNeverGetsACallbackFreesItsBudgetAfterTheLease() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(provider().equals("ollama"), "local models cost $0 in the table");
    // Room for one call's reservation (a prompt under 100 tokens, 100 output), not two.
    java.math.BigDecimal budget = dev.llmbudget.testkit.DefaultPrices.price(reportedUsage().model(), 100, 100)
        .multiply(new java.math.BigDecimal("1.2"));
    try (FakeLlmServer slow = FakeLlmServer.start().answerDelay(60_000)) {
      String[] args = {provider(), server.baseUrl(), "100", "budget:alice=" + budget.toPlainString(), "hanging@alice",
          "sync@alice", "sleep3", "1xsync@alice"};
      ChildJvm.Result r = new ChildJvm().classPath(classPath()).agentArgs("store=memory,max_budget=10")
          .systemProperty("llmbudget.reservation_ttl", "2s").systemProperty("it.slowBaseUrl", slow.baseUrl())
          .run(ChatApp.class.getName(), args);
      assertThat(r.exitCode()).as(r.output()).isZero();

      assertThat(r.step("hanging@alice")).isEqualTo("OK");
      assertThat(r.step("sync@alice")).as("the silent stream holds the budget").isEqualTo("BLOCKED user:alice");
      // A second sync call (capped like the first; a bare chat(String) carries no cap in LangChain4j 1.0
      // and would reserve the model's maximum output).
      assertThat(r.step("1xsync@alice")).as("after the lease, the next call goes through").startsWith("ok=1 blocked=0");
    }
  }
}
