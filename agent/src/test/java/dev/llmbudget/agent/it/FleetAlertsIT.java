package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.RedisServer;
import dev.llmbudget.testkit.TestPostgres;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4, across a fleet: two JVMs with the agent on one shared store (Redis, PostgreSQL)
 * both charge the global budget past two thresholds; the webhook gets exactly one POST per
 * threshold, whichever JVM noticed the crossing first (the store deduplicates).
 */
class FleetAlertsIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void twoJvmsOnOneRedisPostOneAlertPerThreshold() throws Exception {
    String url = RedisServer.externalUrl();
    RedisServer redis = url == null ? RedisServer.start() : null;
    try {
      runFleet(Map.of("llmbudget.store", "redis", "llmbudget.redis.url", url == null ? redis.url() : url,
          "llmbudget.project", "alerts-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  void twoJvmsOnOnePostgresPostOneAlertPerThreshold() throws Exception {
    try (TestPostgres pg = TestPostgres.start()) {
      runFleet(Map.of("llmbudget.store", "postgres", "llmbudget.postgres.url", pg.url(),
          "llmbudget.postgres.schema", "alerts_" + System.nanoTime()));
    }
  }

  private void runFleet(Map<String, String> store) throws Exception {
    List<JsonNode> posts = new CopyOnWriteArrayList<>();
    HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hook.createContext("/hook", ex -> {
      posts.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    hook.start();
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
    Path stop = dir.resolve("stop");
    List<Process> apps = new ArrayList<>();
    List<Path> logs = List.of(dir.resolve("a.out"), dir.resolve("b.out"));
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      for (Path log : logs) {
        ChildJvm jvm = new ChildJvm()
            .agentArgs("quiet=true,max_budget=" + perCall.multiply(BigDecimal.valueOf(20)).toPlainString()
                + ",alert.thresholds=0.25,0.5")
            .systemProperty("llmbudget.alert.webhook", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook");
        store.forEach(jvm::systemProperty);
        apps.add(new ProcessBuilder(jvm.command(LoopApp.class.getName(), llm.openAiBaseUrl(), "alice", stop.toString()))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start());
      }
      long deadline = System.currentTimeMillis() + 90_000;
      // each JVM calls every 50 ms: both charge after each crossing (ten calls and more), so both see it
      while (count(logs.get(0), "BLOCKED") < 2
          || count(logs.get(1), "BLOCKED") < 2 || posts.size() < 2) {
        if (System.currentTimeMillis() > deadline || apps.stream().anyMatch(p -> !p.isAlive())) {
          fail("gave up waiting (posts " + posts + "); the apps printed:\n" + Files.readString(logs.get(0))
              + "\n----\n" + Files.readString(logs.get(1)));
        }
        Thread.sleep(50);
      }
      Thread.sleep(2_500); // several looks of both alert threads: nothing more may come

      assertThat(posts).as(posts.toString()).hasSize(2);
      assertThat(posts).extracting(p -> p.get("budget").asText()).containsOnly("global");
      assertThat(posts).extracting(p -> p.get("threshold").decimalValue().stripTrailingZeros().toPlainString())
          .containsExactlyInAnyOrder("0.25", "0.5");
      // both JVMs charged, and the WARN line was written once per threshold across the two
      assertThat(count(logs.get(0), "OK")).isPositive();
      assertThat(count(logs.get(1), "OK")).isPositive();
      long warned = 0;
      for (Path log : logs) {
        warned += Files.readAllLines(log).stream().filter(l -> l.contains("the global budget has used")).count();
      }
      assertThat(warned).isEqualTo(2);
    } finally {
      Files.writeString(stop, "");
      for (Process p : apps) {
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      for (Path log : logs) {
        System.out.println("---- " + log.getFileName() + "\n" + (Files.exists(log) ? Files.readString(log) : ""));
      }
      hook.stop(0);
    }
  }

  private static long count(Path log, String result) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith(" " + result)).count();
  }
}
