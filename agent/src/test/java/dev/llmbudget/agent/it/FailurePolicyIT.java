package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llmbudget.on_error with the agent attached: a broken store or price table refuses every call
 * under block (the default once a budget is configured), lets them through counted under allow,
 * and changes nothing for a JVM without any budget.
 */
class FailurePolicyIT {

  /** One trailing comma: the file a hand edit leaves behind. */
  private static final String CORRUPT = "{\"alice\": {\"total_budget\": 1, \"current_cost\": 0.5},}";
  private static final int CALLS = 20;

  static FakeLlmServer server;

  @TempDir
  Path dir;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.resetCounts();
    server.usage(20, 10).cache(0, 0).reasoning(0).failNext(0);
  }

  private Path corruptFile(String name) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, CORRUPT);
    return file;
  }

  private ChildJvm.Result twentyCalls(String agentArgs) throws Exception {
    String[] args = new String[CALLS + 3];
    args[0] = "openai";
    args[1] = server.baseUrl();
    args[2] = "100";
    for (int i = 0; i < CALLS; i++) {
      args[3 + i] = i % 2 == 0 ? "sync" : "async";
    }
    return new ChildJvm().agentArgs(agentArgs).jvmArg("-Dit.unmetered=true").run(SdkApp.class.getName(), args);
  }

  private static List<String> outcomes(ChildJvm.Result r) {
    return r.lines().stream().filter(l -> l.startsWith("STEP ")).map(l -> l.substring(l.indexOf(' ', 5) + 1))
        .collect(Collectors.toList());
  }

  @Test
  void aCorruptStoreFileRefusesEveryCallUnderBlockNamingTheFile() throws Exception {
    Path file = corruptFile("user_cost.json");

    ChildJvm.Result r = twentyCalls("max_budget=0.0001,store.path=" + file);

    List<String> outcomes = outcomes(r);
    assertThat(outcomes).as(r.output()).hasSize(CALLS).allSatisfy(o -> assertThat(o)
        .startsWith("BLOCKED BudgetUnavailableError llm-budget: budget store local file " + file + " is unavailable: ")
        .contains("not valid JSON")
        .endsWith("the call is refused (llmbudget.on_error=block)"));
    assertThat(server.totalRequests()).isZero();
    assertThat(r.value("UNMETERED ")).isEqualTo("0");
    assertThat(Files.readString(file)).isEqualTo(CORRUPT);
  }

  @Test
  void aCorruptStoreFileLetsCallsThroughCountedUnderAllow() throws Exception {
    Path file = corruptFile("user_cost.json");

    ChildJvm.Result r = twentyCalls("max_budget=0.0001,on_error=allow,store.path=" + file);

    assertThat(outcomes(r)).as(r.output()).hasSize(CALLS).containsOnly("OK");
    assertThat(server.totalRequests()).isEqualTo(CALLS);
    assertThat(r.value("UNMETERED ")).isEqualTo(String.valueOf(CALLS));
    assertThat(r.output()).contains("llm-budget: could not meter an LLM call: budget store local file " + file
        + " is unavailable").contains("(llmbudget.on_error=allow), 1 unmetered so far");
    assertThat(Files.readString(file)).isEqualTo(CORRUPT);
  }

  @Test
  void aBadPriceTableRefusesUnderBlockAndIsCountedUnderAllow() throws Exception {
    Path prices = dir.resolve("prices.json");
    Files.writeString(prices, "{\"gpt-4o-mini\": {\"input_cost_per_token\": 1.5e-07,},}");

    ChildJvm.Result blocked = twentyCalls("store=memory,max_budget=10,prices=" + prices);

    assertThat(outcomes(blocked)).as(blocked.output()).hasSize(CALLS).allSatisfy(o -> assertThat(o)
        .startsWith("BLOCKED BudgetUnavailableError llm-budget: price table " + prices + " (llmbudget.prices) is unavailable: ")
        .endsWith("(llmbudget.on_error=block)"));
    assertThat(server.totalRequests()).isZero();

    ChildJvm.Result allowed = twentyCalls("store=memory,max_budget=10,on_error=allow,prices=" + prices);

    assertThat(outcomes(allowed)).as(allowed.output()).hasSize(CALLS).containsOnly("OK");
    assertThat(server.totalRequests()).isEqualTo(CALLS);
    assertThat(allowed.value("UNMETERED ")).isEqualTo(String.valueOf(CALLS));
  }

  @Test
  void aBudgetServerThatIsDownRefusesEveryCallUnderBlockNamingTheServer() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    String api = "http://127.0.0.1:" + port;

    ChildJvm.Result r = twentyCalls("store=hosted,api_base=" + api + ",api_timeout=1s,max_budget=1");

    assertThat(outcomes(r)).as(r.output()).hasSize(CALLS).allSatisfy(o -> assertThat(o)
        .startsWith("BLOCKED BudgetUnavailableError llm-budget: budget store budget server " + api
            + " project 'default' is unavailable: ")
        .endsWith("(llmbudget.on_error=block)"));
    assertThat(server.totalRequests()).isZero();
  }

  @Test
  void withoutAnyBudgetACorruptFileChangesNothing() throws Exception {
    Path file = corruptFile("user_cost.json");

    ChildJvm.Result r = twentyCalls("store.path=" + file);

    assertThat(outcomes(r)).as(r.output()).hasSize(CALLS).containsOnly("OK");
    assertThat(server.totalRequests()).isEqualTo(CALLS);
    assertThat(r.output()).doesNotContain("refused").doesNotContain("unmetered so far");
    assertThat(Files.readString(file)).isEqualTo(CORRUPT);
  }
}
