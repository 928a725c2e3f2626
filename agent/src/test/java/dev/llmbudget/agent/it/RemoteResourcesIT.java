package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeBudgetServer;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the agent attached, the features that read over HTTP (the hosted store, a price table by
 * URL) work: their implementation is loaded by the agent's isolated class loader, which sees
 * {@code java.net.http}, while core stays on the bootstrap class path.
 */
class RemoteResourcesIT {

  /** A price no real table has, so a charge at it proves which table was used. */
  static final String MADE_UP_PRICES = "{\"gpt-4o-mini\": {\"input_cost_per_token\": 0.001,"
      + " \"output_cost_per_token\": 0.002, \"litellm_provider\": \"openai\", \"mode\": \"chat\"}}";
  /** 20 input and 10 output tokens at the made-up price. */
  static final BigDecimal MADE_UP_CHARGE = new BigDecimal("0.04");

  static FakeLlmServer llm;
  FakeBudgetServer budgets;

  @BeforeAll
  static void startLlm() throws Exception {
    llm = FakeLlmServer.start();
  }

  @AfterAll
  static void stopLlm() {
    llm.close();
  }

  @BeforeEach
  void startBudgets() throws Exception {
    llm.resetCounts();
    llm.usage(20, 10).cache(0, 0).reasoning(0).failNext(0);
    budgets = FakeBudgetServer.start();
  }

  @AfterEach
  void stopBudgets() {
    budgets.close();
  }

  private ChildJvm.Result openAi(ChildJvm jvm, long maxTokens, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = "openai";
    args[1] = llm.baseUrl();
    args[2] = Long.toString(maxTokens);
    System.arraycopy(steps, 0, args, 3, steps.length);
    return jvm.run(SdkApp.class.getName(), args);
  }

  @Test
  void theHostedStoreIsSharedByJvmsOneAfterTheOtherAndTheSecondIsBlockedByTheFirstsSpend() throws Exception {
    // The fake answers as a provider would: no more output than the request's max_tokens (5).
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 5);
    // Room for the first JVM's two calls (a call reserves its prompt and 5 output tokens), none for
    // a third once two are spent: its reservation is more than the half call left.
    String limit = perCall.multiply(new BigDecimal("2.5")).toPlainString();
    String args = "store=hosted,api_base=" + budgets.baseUrl() + ",project=team,max_budget=" + limit;

    ChildJvm.Result first = openAi(new ChildJvm().agentArgs(args), 5, "sync", "sync");
    ChildJvm.Result second = openAi(new ChildJvm().agentArgs(args), 5, "sync");

    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.step("sync")).isEqualTo("OK");
    assertThat(first.output()).doesNotContain("NoClassDefFoundError").doesNotContain("unmetered");
    assertThat(first.spent("global")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(2)));
    assertThat(second.exitCode()).as(second.output()).isZero();
    assertThat(second.step("sync")).isEqualTo("BLOCKED global");
    assertThat(second.spent("global")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(2)));
    assertThat(llm.totalRequests()).isEqualTo(2);
    assertThat(budgets.requests("/get_budget")).isGreaterThanOrEqualTo(2);
    assertThat(budgets.requests("/set_budget")).isGreaterThanOrEqualTo(1);
    assertThat(budgets.dict("team")).contains("current_cost");
  }

  @Test
  void theAppsOwnBudgetManagerWorksOnTheHostedStoreUnderTheAgent() throws Exception {
    ChildJvm.Result r = new ChildJvm()
        .agentArgs("store=hosted,api_base=" + budgets.baseUrl() + ",project=team")
        .run(ManagerApp.class.getName(), "carol", "0.5");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.value("MANAGER ")).isEqualTo("users=[carol] budget=0.5 loader=bootstrap");
    assertThat(budgets.dict("team")).contains("\"carol\"").contains("0.5");
  }

  @Test
  void aPriceTableByHttpUrlPricesTheCalls() throws Exception {
    budgets.serve("/prices.json", MADE_UP_PRICES.getBytes(StandardCharsets.UTF_8));

    ChildJvm.Result r = openAi(new ChildJvm()
        .agentArgs("store=memory,prices=" + budgets.baseUrl() + "/prices.json"), 100, "sync");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(MADE_UP_CHARGE);
    assertThat(budgets.requests("/prices.json")).isEqualTo(1);
  }

  @Test
  void aPriceTableByFilePricesTheCalls(@TempDir Path dir) throws Exception {
    Path table = Files.writeString(dir.resolve("prices.json"), MADE_UP_PRICES);

    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("store=memory")
        .jvmArg("-Dllmbudget.prices=" + table), 100, "sync");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(MADE_UP_CHARGE);
  }

  @Test
  void aBudgetServerThatDripsItsAnswerDoesNotHangTheExitFlush() throws Exception {
    budgets.drip("/set_budget", 100);
    long started = System.nanoTime();

    ChildJvm.Result r = new ChildJvm().timeout(Duration.ofSeconds(90))
        .agentArgs("store=hosted,api_base=" + budgets.baseUrl() + ",project=team,api_timeout=2s")
        .run(ManagerApp.class.getName(), "carol", "0.5");

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isLessThan(Duration.ofSeconds(30));
    assertThat(r.output()).contains(budgets.baseUrl() + "/set_budget did not answer within 2000 ms");
    assertThat(budgets.requests("/set_budget")).isGreaterThanOrEqualTo(1);
  }
}
