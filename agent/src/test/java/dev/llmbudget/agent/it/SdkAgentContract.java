package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.pricing.PriceTable;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the agent guarantees for every supported SDK version, shown with real JVMs running the real
 * SDK against a loopback server. Each SDK version is one subclass.
 */
abstract class SdkAgentContract {

  static FakeLlmServer server;

  /** {@code openai} or {@code anthropic}: which {@link LlmCalls} the child uses. */
  abstract String sdk();

  abstract String model();

  abstract String classPath();

  /** The path the server counts this SDK's priced calls on. */
  abstract String llmPath();

  /** Makes the server report cache and reasoning tokens the way this provider does. */
  abstract void reportCacheTokens(FakeLlmServer server);

  /** The usage the server's answers report, as core reads it. */
  abstract Usage reportedUsage();

  /** SDK-specific calls that must be charged exactly like a plain one (e.g. raw, beta, responses). */
  abstract String[] otherExactCalls();

  /**
   * The {@code maxTokens} of a call without an output cap: 0 where the SDK lets a request omit it
   * (OpenAI), else (Anthropic requires {@code max_tokens}) the model's maximum, a cap the budget
   * cannot pay for.
   */
  long uncapped() {
    return 0;
  }

  /** The field the fake must find the cap in when the agent clamps. */
  abstract String capField();

  static long modelMaxOutput(String model) {
    return PriceTable.defaultTable().resolve(model).orElseThrow().maxOutputTokens().orElseThrow();
  }

  /**
   * Eight threads at once, requests without an output cap, a budget worth three and a half answers
   * of the model's maximum length, which is what the fake answers: never more spent than the budget.
   */
  ChildJvm.Result eightUncappedThreads(String mode, BigDecimal budget) throws Exception {
    server.countedUsage(modelMaxOutput(model()));
    ChildJvm.Result r = run(child().agentArgs("store=memory,output_reserve=" + mode + ",max_budget=" + budget.toPlainString())
        .systemProperty("llmbudget.test.check_reservations", "true"), uncapped(), "concurrent8");
    assertThat(r.value("CONCURRENT ")).endsWith("errors=[]");
    assertThat(r.output()).doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
    assertThat(r.spent("global")).isLessThanOrEqualTo(budget);
    BigDecimal billed = BigDecimal.ZERO;
    for (FakeLlmServer.Bill bill : server.bills()) {
      billed = billed.add(price(Usage.of(model(), bill.input(), bill.output())));
    }
    assertThat(billed).as("what the provider billed").isEqualByComparingTo(r.spent("global"));
    return r;
  }

  BigDecimal budgetOfThreeAndAHalfAnswers() {
    return price(Usage.of(model(), 40, modelMaxOutput(model()))).multiply(new BigDecimal("3.5"));
  }

  static int okCalls(ChildJvm.Result r) {
    return Integer.parseInt(r.value("CONCURRENT ").replaceAll(".*ok=(\\d+).*", "$1"));
  }

  @Test
  void uncappedCallsReserveTheModelsMaximumOutputSoEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = budgetOfThreeAndAHalfAnswers();
    ChildJvm.Result r = eightUncappedThreads("model_max", budget);
    assertThat(okCalls(r)).isBetween(1, 3);
    assertThat(server.requests(llmPath())).isEqualTo(okCalls(r));
  }

  @Test
  void clampWritesTheCapTheBudgetCanPayForIntoTheRequestAndEightThreadsStayWithinTheBudget() throws Exception {
    BigDecimal budget = budgetOfThreeAndAHalfAnswers();
    ChildJvm.Result r = eightUncappedThreads("clamp", budget);
    List<FakeLlmServer.Bill> bills = server.bills();
    assertThat(bills).isNotEmpty().allSatisfy(b -> assertThat(b.capField()).isEqualTo(capField()));
    long max = modelMaxOutput(model());
    assertThat(bills).as("calls clamped below the model's maximum").anySatisfy(b -> assertThat(b.cap()).isLessThan(max));
    assertThat(okCalls(r)).as(r.output()).isGreaterThanOrEqualTo(4);
    BigDecimal couldBill = BigDecimal.ZERO;
    for (FakeLlmServer.Bill bill : bills) {
      couldBill = couldBill.add(price(Usage.of(model(), bill.input(), bill.cap())));
    }
    assertThat(couldBill).as("the most the provider could have billed").isLessThanOrEqualTo(budget);
  }

  /**
   * The behaviour before output reserves, kept as {@code request}: the same eight uncapped calls
   * reserve their prompts alone, all go out, and the budget is overshot. This is what the two
   * tests above guard against.
   */
  @Test
  void requestModeReservesThePromptAloneSoUncappedCallsOvershoot() throws Exception {
    Assumptions.assumeTrue(uncapped() == 0, "only where a request can leave out its cap");
    server.countedUsage(modelMaxOutput(model()));
    BigDecimal budget = budgetOfThreeAndAHalfAnswers();
    ChildJvm.Result r = run(child().agentArgs("store=memory,output_reserve=request,max_budget=" + budget.toPlainString()),
        0, "concurrent8");
    assertThat(okCalls(r)).isGreaterThanOrEqualTo(4);
    assertThat(r.spent("global")).isGreaterThan(budget);
  }

  @Test
  void clampAppliesToAsyncAndStreamingCallsToo() throws Exception {
    server.countedUsage(modelMaxOutput(model()));
    BigDecimal budget = price(Usage.of(model(), 40, 300));
    ChildJvm.Result r = run(child().agentArgs("store=memory,output_reserve=clamp,max_budget=10,user.max_budget="
        + budget.toPlainString()).systemProperty("llmbudget.test.check_reservations", "true"), uncapped(),
        "async@alice", "stream@bob");
    assertThat(r.step("async@alice")).isEqualTo("OK");
    assertThat(r.step("stream@bob")).isEqualTo("OK");
    assertThat(r.output()).doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
    assertThat(server.bills()).hasSize(2).allSatisfy(b -> {
      assertThat(b.capField()).isEqualTo(capField());
      assertThat(b.cap()).isBetween(16L, 400L);
      assertThat(price(Usage.of(model(), b.input(), b.cap()))).isLessThanOrEqualTo(budget);
    });
    assertThat(r.spent("alice")).isLessThanOrEqualTo(budget);
    assertThat(r.spent("bob")).isLessThanOrEqualTo(budget);
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
    server.usage(20, 10).cache(0, 0).reasoning(0).audio(0, 0).failNext(0).serviceTier("default");
  }

  ChildJvm child() {
    return new ChildJvm().classPath(classPath());
  }

  ChildJvm.Result run(ChildJvm jvm, long maxTokens, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = sdk();
    args[1] = server.baseUrl();
    args[2] = Long.toString(maxTokens);
    System.arraycopy(steps, 0, args, 3, steps.length);
    ChildJvm.Result r = jvm.run(SdkApp.class.getName(), args);
    assertThat(r.exitCode()).as(r.output()).isZero();
    return r;
  }

  @Test
  void syncAsyncStreamingAndRawCallsAreChargedThePriceOfTheirUsageExactly() throws Exception {
    reportCacheTokens(server);
    String[] other = otherExactCalls();
    String[] steps = new String[3 + other.length];
    steps[0] = "sync@alice";
    steps[1] = "async@alice";
    steps[2] = "stream@alice";
    for (int i = 0; i < other.length; i++) {
      steps[3 + i] = other[i] + "@alice";
    }
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, steps);

    for (String step : steps) {
      assertThat(r.step(step)).isEqualTo("OK");
    }
    BigDecimal one = price(reportedUsage());
    assertThat(one).isPositive();
    assertThat(r.spent("alice")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(steps.length)));
    assertThat(r.spent("global")).isEqualByComparingTo(r.spent("alice"));
    assertThat(server.requests(llmPath())).isEqualTo(steps.length);
  }

  @Test
  void aStreamClosedEarlyIsChargedForWhatWasReceived() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, "early@bob");

    assertThat(r.step("early@bob")).isEqualTo("OK");
    assertThat(r.spent("bob")).isPositive().isLessThanOrEqualTo(price(Usage.of(model(), 20, 100)));
  }

  @Test
  void theUserComesFromBudgetContextTheMdcAndAWrappedExecutor() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100,
        "sync@carol", "sync%dave", "sync^erin", "async%frank");

    BigDecimal one = price(Usage.of(model(), 20, 10));
    for (String user : new String[] {"carol", "dave", "erin", "frank"}) {
      assertThat(r.spent(user)).as(user).isEqualByComparingTo(one);
    }
  }

  @Test
  void aUserOverBudgetIsBlockedBeforeAnythingIsSentWhileAnotherIsNot() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.000001"), 100,
        "budget:bob=1", "sync@alice", "async@alice", "stream@alice", "sync@bob");

    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("async@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("stream@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync@bob")).isEqualTo("OK");
    assertThat(r.spent("alice")).isZero();
    assertThat(server.requests(llmPath())).isEqualTo(1);
  }

  @Test
  void theGlobalBudgetBlocksEveryone() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=0.000001"), 100,
        "sync", "sync@alice", "async@bob", "stream@carol");

    for (String step : new String[] {"sync", "sync@alice", "async@bob", "stream@carol"}) {
      assertThat(r.step(step)).isEqualTo("BLOCKED global");
    }
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void sixteenThreadsAtOnceNeverSpendMoreThanTheBudget() throws Exception {
    // Each reservation (prompt + max_tokens) covers what the server then reports, so a budget
    // worth exactly five answers can let at most five requests out.
    server.usage(5, 10);
    int n = 5;
    BigDecimal budget = price(Usage.of(model(), 5, 10)).multiply(BigDecimal.valueOf(n));
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=" + budget.toPlainString()), 10,
        "concurrent16");

    String line = r.value("CONCURRENT ");
    assertThat(line).endsWith("errors=[]");
    int ok = Integer.parseInt(line.replaceAll(".*ok=(\\d+).*", "$1"));
    int blocked = Integer.parseInt(line.replaceAll(".*blocked=(\\d+).*", "$1"));
    assertThat(ok + blocked).isEqualTo(16);
    assertThat(ok).isBetween(1, n);
    assertThat(server.requests(llmPath())).isEqualTo(ok).isLessThanOrEqualTo(n);
    assertThat(r.spent("global")).isLessThanOrEqualTo(budget);
  }

  @Test
  void aRequestRetriedAfterA500IsChargedOnce() throws Exception {
    server.failNext(1);
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, "sync@alice");

    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(2);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
  }

  @Test
  void anAbandonedReservationIsReleasedAfterItsLeaseAndTheRefusalShowsWhatIsHeld() throws Exception {
    // bob's call loads the SDK first, so that alice's refusal comes well within the 5 s lease
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.01,reservation_ttl=5s"),
        100, "sync@bob", "hold:0.01@alice", "why@alice", "sleep:5500", "sync@alice");

    assertThat(r.step("why@alice")).startsWith(
        "LLM budget of user 'alice' would be exceeded: spent $0 + reserved $0.01 of $0.01; this call may cost up to $");
    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
    assertThat(r.output()).contains("released 1 reservation not settled within its lease of 5s");
    assertThat(server.requests(llmPath())).isEqualTo(2);
  }
}
