package dev.llmbudget.it.micrometer;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
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
 * Issue 13, Micrometer: a Spring Boot app with Actuator and micrometer-registry-prometheus, run as
 * its fat jar with the agent, lists the agent's meters at {@code /actuator/prometheus} with the
 * exact tokens and cost of the calls it made, with no code and no configuration for it.
 */
class ActuatorPrometheusIT {

  @Test
  void actuatorPrometheusListsTokensCostBlockedCallsAndTheRemainingBudget(@TempDir Path dir) throws Exception {
    BigDecimal perCall = price("gpt-4o-mini", 20, 10);
    BigDecimal limit = perCall.multiply(new BigDecimal("3.5"));
    Path log = dir.resolve("app.out");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
          "-javaagent:" + Path.of(System.getProperty("llmbudget.it.agentJar")).toAbsolutePath(),
          "-Dllmbudget.store=memory", "-Dllmbudget.quiet=true", "-Dllmbudget.max_budget=" + limit.toPlainString(),
          "-Dspring.ai.openai.base-url=" + llm.baseUrl(),
          "-jar", Path.of(System.getProperty("llmbudget.it.appJar")).toAbsolutePath().toString(), "5");
      Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        int port = awaitReady(app, log);
        List<String> out = Files.readAllLines(log);
        long ok = out.stream().filter("CALL OK"::equals).count();
        long refused = out.stream().filter(l -> l.equals("CALL REFUSED dev.llmbudget.BudgetExceededError")).count();
        assertThat(ok + refused).as(String.join("\n", out)).isEqualTo(5);
        assertThat(ok).isEqualTo(3);

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> lines = r.body().lines().toList();
        String tags = "gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o-mini\"";
        // Spring AI exports gen_ai.client.token.usage itself, with tag keys of its own; Prometheus takes
        // one set of keys per name, so the agent's counts go by a name of their own and Spring AI's stay.
        assertThat(value(lines, "llm_budget_token_usage_total{" + tags + ",gen_ai_token_type=\"input\"}"))
            .isEqualByComparingTo("60");
        assertThat(value(lines, "llm_budget_token_usage_total{" + tags + ",gen_ai_token_type=\"output\"}"))
            .isEqualByComparingTo("30");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("gen_ai_client_token_usage_total{")
            .contains("gen_ai_system=\"openai\"").contains("gen_ai_token_type=\"input\""));
        assertThat(value(lines, "llm_budget_cost_usd_total{" + tags + "}"))
            .isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(3)));
        assertThat(value(lines, "llm_budget_calls_blocked_total")).isEqualByComparingTo("2");
        assertThat(value(lines, "llm_budget_calls_metered_total")).isEqualByComparingTo("3");
        assertThat(value(lines, "llm_budget_global_remaining_usd")).isEqualByComparingTo(perCall.multiply(new BigDecimal("0.5")));
        assertThat(r.body()).doesNotContain("user=");
      } finally {
        app.destroy();
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
        System.out.println("---- app\n" + Files.readString(log));
      }
    }
  }

  private static int awaitReady(Process app, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline && app.isAlive()) {
      if (Files.exists(log)) {
        for (String l : Files.readAllLines(log)) {
          if (l.startsWith("READY ")) {
            return Integer.parseInt(l.substring("READY ".length()).trim());
          }
        }
      }
      Thread.sleep(100);
    }
    fail("the app never got ready:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    return -1;
  }

  /** The value of the sample line that starts with {@code series} followed by a space. */
  private static BigDecimal value(List<String> lines, String series) {
    return lines.stream().filter(l -> l.startsWith(series + " ")).map(l -> new BigDecimal(l.substring(series.length() + 1).trim()))
        .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in:\n" + String.join("\n", lines)));
  }
}
