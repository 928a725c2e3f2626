package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 3: {@code llmbudget.metrics.port} serves {@code /metrics} in the Prometheus text
 * format from an app with no metrics stack, the agent's HTTP server living in the isolated tier.
 */
class MetricsEndpointIT {

  @Test
  void prometheusScrapesTheGlobalBudgetAndCallCounts(@TempDir Path dir) throws Exception {
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
    BigDecimal limit = perCall.multiply(new BigDecimal("2.5"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path stop = dir.resolve("stop");
    Path log = dir.resolve("app.out");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      List<String> cmd = new ChildJvm().agentArgs("store=memory,max_budget=" + limit.toPlainString())
          .systemProperty("llmbudget.metrics.port", Integer.toString(port))
          .systemProperty("llmbudget.metrics.host", "127.0.0.1")
          .command(LoopApp.class.getName(), llm.openAiBaseUrl(), "alice", stop.toString());
      Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(log, "BLOCKED") < 2) {
          if (System.currentTimeMillis() > deadline || !app.isAlive()) {
            fail("the app never ran out of budget:\n" + Files.readString(log));
          }
          Thread.sleep(50);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
        List<String> lines = r.body().lines().toList();
        assertThat(value(lines, "llm_budget_global_cost_usd")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(2)));
        assertThat(value(lines, "llm_budget_global_max_budget_usd")).isEqualByComparingTo(limit);
        assertThat(value(lines, "llm_budget_global_remaining_usd")).isEqualByComparingTo(perCall.multiply(new BigDecimal("0.5")));
        assertThat(value(lines, "llm_budget_calls_metered_total")).isEqualByComparingTo("2");
        assertThat(value(lines, "llm_budget_calls_blocked_total")).isGreaterThanOrEqualTo(new BigDecimal("2"));
        assertThat(value(lines, "llm_budget_calls_unmetered_total")).isZero();
        assertThat(value(lines, "llm_budget_classes_not_instrumented_total")).isZero();
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("llm_budget_cost_usd{model=\"gpt-4o-mini"));
        assertThat(lines).contains("# TYPE llm_budget_calls_blocked_total counter");
        assertThat(Files.readString(log)).contains("Prometheus metrics on http://127.0.0.1:" + port + "/metrics");
      } finally {
        Files.writeString(stop, "");
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
        System.out.println("---- app\n" + Files.readString(log));
      }
    }
  }

  private static BigDecimal value(List<String> lines, String name) {
    return lines.stream().filter(l -> l.startsWith(name + " ")).map(l -> new BigDecimal(l.substring(name.length() + 1)))
        .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + lines));
  }

  private static long count(Path log, String result) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith(" " + result)).count();
  }
}
