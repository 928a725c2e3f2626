package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeBudgetServer;
import dev.llmbudget.testkit.FakeLlmServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 item 7, with the agent attached: a number like {@code 1e100000000} in the store file, the
 * budget server's data or the price table is refused at once with a short message naming the place
 * (it took 75 s and printed a hundred million digits).
 */
class HugeNumbersIT {

  private static final String HUGE = "1e100000000";

  private static ChildJvm.Result oneCall(ChildJvm jvm, FakeLlmServer llm) throws Exception {
    return jvm.timeout(Duration.ofSeconds(60)).run(SdkApp.class.getName(), "openai", llm.baseUrl(), "100", "sync");
  }

  private static void assertRefusedFast(ChildJvm.Result r, long startedNanos, String message) {
    assertThat(Duration.ofNanos(System.nanoTime() - startedNanos)).isLessThan(Duration.ofSeconds(30));
    assertThat(r.output()).contains(message);
    assertThat(r.lines()).allSatisfy(line -> assertThat(line).hasSizeLessThan(1_000));
  }

  @Test
  void inTheStoreFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("user_cost.json"), "{\"alice\": {\"current_cost\": " + HUGE + "}}");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      long started = System.nanoTime();
      ChildJvm.Result r = oneCall(new ChildJvm().agentArgs("store=local,store.path=" + file), llm);
      assertRefusedFast(r, started, file + ": user 'alice': current_cost is out of range: 1E+100000000");
    }
    assertThat(Files.readString(file)).contains(HUGE);
  }

  @Test
  void inTheBudgetServersData() throws Exception {
    try (FakeLlmServer llm = FakeLlmServer.start(); FakeBudgetServer budgets = FakeBudgetServer.start()) {
      budgets.putDict("team", "{\"alice\": {\"current_cost\": " + HUGE + "}}");
      long started = System.nanoTime();
      ChildJvm.Result r = oneCall(new ChildJvm()
          .agentArgs("store=hosted,project=team,api_base=" + budgets.baseUrl()), llm);
      assertRefusedFast(r, started,
          budgets.baseUrl() + "/get_budget data: user 'alice': current_cost is out of range: 1E+100000000");
    }
  }

  @Test
  void inThePriceTable(@TempDir Path dir) throws Exception {
    Path table = Files.writeString(dir.resolve("prices.json"), "{\"gpt-4o-mini\": {\"input_cost_per_token\": "
        + HUGE + ", \"output_cost_per_token\": 0.000001}}", StandardCharsets.UTF_8);
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      long started = System.nanoTime();
      ChildJvm.Result r = oneCall(new ChildJvm().agentArgs("store=memory").jvmArg("-Dllmbudget.prices=" + table), llm);
      assertRefusedFast(r, started, table + ":1:42: model 'gpt-4o-mini', field 'input_cost_per_token':"
          + " a price per token must be below $10^20 with at most 1,000 decimal places, got 1E+100000000");
    }
  }
}
