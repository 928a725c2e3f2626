package dev.llmbudget.it.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
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
 * What the agent guarantees for a Spring AI chat model, shown with a real JVM running the real
 * Spring AI jars against a loopback server. Each Spring AI version and provider is one subclass.
 */
abstract class SpringAiContract {

  static FakeLlmServer server;

  /** {@code openai}, {@code anthropic} or {@code ollama}. */
  abstract String provider();

  abstract String model();

  abstract String classPath();

  /** The factory class of the Spring AI version on {@link #classPath()}. */
  abstract String factory();

  /** The path the server counts this provider's chat calls on. */
  abstract String llmPath();

  /** The base URL this provider's client is given. */
  String baseUrl() {
    return server.baseUrl();
  }

  /** Agent arguments every run adds, e.g. a price table. */
  String extraAgentArgs() {
    return "";
  }

  /** Makes the server report the cache and reasoning tokens this provider reports. */
  void reportCacheTokens(FakeLlmServer s) {}

  /** The usage the server's answers report, as the agent should read it. */
  Usage reportedUsage() {
    return Usage.of(model(), 20, 10);
  }

  /** True where the model talks through an SDK client the agent meters itself (Spring AI 2.x OpenAI, Anthropic). */
  boolean meteredBelow() {
    return false;
  }

  PriceTable prices() {
    return PriceTable.defaultTable();
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
    server.usage(20, 10).cache(0, 0).reasoning(0).failNext(0).reply("Hello from the fake LLM server.", 4);
  }

  BigDecimal price(Usage usage) {
    return prices().resolve(usage.model()).orElseThrow().cost(usage);
  }

  ChildJvm.Result run(String agentArgs, int maxTokens, String... steps) throws Exception {
    return run(new ChildJvm(), agentArgs, maxTokens, steps);
  }

  ChildJvm.Result run(ChildJvm jvm, String agentArgs, int maxTokens, String... steps) throws Exception {
    String[] args = new String[steps.length + 5];
    args[0] = factory();
    args[1] = provider();
    args[2] = baseUrl();
    args[3] = model();
    args[4] = Integer.toString(maxTokens);
    System.arraycopy(steps, 0, args, 5, steps.length);
    // The test's own arguments come last so they win, e.g. a prices file over the case's table.
    String all = extraAgentArgs().isEmpty() ? agentArgs : extraAgentArgs() + "," + agentArgs;
    ChildJvm.Result r = jvm.classPath(classPath()).agentArgs(all).run(args);
    assertThat(r.exitCode).as(r.output).isZero();
    return r;
  }

  /**
   * Eight threads, OpenAI requests without an output cap, answers of the model's maximum length, a
   * budget of 3.5 of them: never more spent than the budget. In {@code clamp} the cap is written
   * into the request where the agent meters the SDK below Spring AI (2.x on openai-java); Spring AI
   * 1.x's own client is not rewritten, so there {@code clamp} reserves as {@code model_max} does.
   */
  @ParameterizedTest
  @ValueSource(strings = {"model_max", "clamp"})
  void uncappedCallsFromEightThreadsStayWithinTheBudget(String mode) throws Exception {
    Assumptions.assumeTrue(provider().equals("openai"), "the OpenAI cases");
    long max = prices().resolve(model()).orElseThrow().maxOutputTokens().orElseThrow();
    server.countedUsage(max);
    BigDecimal budget = HardCaps.budgetOf(model(), "3.5", max);
    ChildJvm.Result r = run(new ChildJvm().jvmArg("-D" + HardCaps.CHECK + "=true"),
        "store=memory,output_reserve=" + mode + ",max_budget=" + budget.toPlainString(), 0, "8xsync");
    String result = r.step("8xsync");
    assertThat(result).as(r.output).endsWith("errors=[]");
    assertThat(r.output).doesNotContain(HardCaps.EXCEEDED);
    assertThat(r.spent("global")).isLessThanOrEqualTo(budget);
    BigDecimal billed = BigDecimal.ZERO;
    for (FakeLlmServer.Bill bill : server.bills()) {
      billed = billed.add(price(Usage.of(model(), bill.input(), bill.output())));
    }
    assertThat(billed).isEqualByComparingTo(r.spent("global"));
    if (mode.equals("clamp") && meteredBelow()) {
      HardCaps.assertClamped(server, "max_completion_tokens", max, model(), budget);
      assertThat(HardCaps.ok(result)).isGreaterThanOrEqualTo(4);
    } else {
      assertThat(HardCaps.ok(result)).isBetween(1, 3);
    }
  }

  @Test
  void callsAndStreamsAreChargedThePriceOfTheirUsageExactlyToTheRightUser() throws Exception {
    reportCacheTokens(server);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "sync@alice", "stream@alice", "sync%dave");

    // Charged once: by this seam, or (meteredBelow) by the SDK's own seam and not again here.
    assertThat(r.value("MODEL ")).endsWith(" meteredBelow=" + meteredBelow());
    assertThat(r.step("sync@alice")).startsWith("OK Hello");
    assertThat(r.step("stream@alice")).isEqualTo("OK Hello from the fake LLM server.");
    assertThat(r.step("sync%dave")).startsWith("OK");
    BigDecimal one = price(reportedUsage());
    assertThat(r.spent("alice")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(2)));
    assertThat(r.spent("dave")).isEqualByComparingTo(one);
    assertThat(r.spent("global")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(3)));
    assertThat(server.requests(llmPath())).isEqualTo(3);
  }

  @Test
  void aStreamCancelledAfterItsFirstChunkIsChargedForWhatWasReceived() throws Exception {
    server.reply("One two three four five six seven eight nine ten eleven twelve.", 6);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "early@bob");

    assertThat(r.step("early@bob")).startsWith("OK");
    assertThat(server.requests(llmPath())).isEqualTo(1);
    // Not the whole answer's usage was seen: the prompt as counted plus the text received.
    assertThat(r.spent("bob")).isPositive().isLessThan(price(Usage.of(model(), 200, 100)));
  }

  @Test
  void aUserOverBudgetIsBlockedBeforeAnythingIsSentWhileAnotherIsNotAndTheGlobalBudgetBlocksEveryone() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.000000001", 100,
        "budget:bob=1", "sync@alice", "stream@alice", "early@alice", "sync@bob");

    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("stream@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("early@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync@bob")).startsWith("OK");
    assertThat(r.spent("alice")).isZero();
    assertThat(server.requests(llmPath())).isEqualTo(1);

    server.resetCounts();
    ChildJvm.Result global = run("store=memory,max_budget=0.000000001", 100, "sync", "stream@carol");
    assertThat(global.step("sync")).isEqualTo("BLOCKED global");
    assertThat(global.step("stream@carol")).isEqualTo("BLOCKED global");
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void aPriceTableThatCannotLoadRefusesEveryCallAndNothingIsSent() throws Exception {
    Path prices = Files.createTempFile("bad-prices", ".json");
    Files.writeString(prices, "{\"gpt-4o-mini\": {\"input_cost_per_token\": 1.5e-07,},}");
    ChildJvm.Result r = run("store=memory,max_budget=10,prices=" + prices, 100, "sync", "stream@alice", "early@bob");

    // SpringAiApp names every BudgetExceededError 'BLOCKED global|user'; the refusal here is BudgetUnavailableError.
    assertThat(r.step("sync")).startsWith("BLOCKED");
    assertThat(r.step("stream@alice")).startsWith("BLOCKED");
    assertThat(r.step("early@bob")).startsWith("BLOCKED");
    assertThat(server.totalRequests()).isZero();
  }

  /** Issue 8 item 6; needs the leases ({@code llmbudget.reservation_ttl}) of branch {@code ledger}. */
  @Test
  void streamsNeverSubscribedFreeTheirBudgetAfterTheLease() throws Exception {
    // Where a client below meters the call, an unsubscribed stream reserves nothing in the first place.
    org.junit.jupiter.api.Assumptions.assumeFalse(meteredBelow());
    // Room for one call's reservation (a prompt under 100 tokens, 100 output), not two.
    BigDecimal budget = price(Usage.of(model(), 100, 100)).multiply(new BigDecimal("1.2"));
    String agentArgs = extraAgentArgs().isEmpty() ? "store=memory,max_budget=10" : "store=memory,max_budget=10," + extraAgentArgs();
    ChildJvm.Result r = new ChildJvm().classPath(classPath()).agentArgs(agentArgs)
        .jvmArg("-Dllmbudget.reservation_ttl=2s")
        .run(factory(), provider(), baseUrl(), model(), "100", "budget:alice=" + budget.toPlainString(),
            "unsubscribed4@alice", "sync@alice", "sleep3", "sync%alice");
    assertThat(r.exitCode).as(r.output).isZero();

    assertThat(r.step("unsubscribed4@alice")).startsWith("OK ");
    assertThat(r.step("sync@alice")).as("the streams hold the budget").startsWith("BLOCKED user:alice");
    assertThat(r.step("sync%alice")).as("after the lease, the next call goes through").startsWith("OK");
    assertThat(server.requests(llmPath())).as("no stream was ever sent").isEqualTo(1);
  }
}
