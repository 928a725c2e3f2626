package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 4: crossing a threshold of a budget logs one WARN line and POSTs one JSON message
 * to the webhook; a webhook that is down does not hold the calls up.
 */
class AlertsIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void eachThresholdCrossingIsPostedOnceToTheWebhook() throws Exception {
    List<JsonNode> posts = new CopyOnWriteArrayList<>();
    HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hook.createContext("/hook", ex -> {
      posts.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    hook.start();
    try {
      String url = "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook";
      BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
      Path log = runUntilBlocked(url, perCall.multiply(new BigDecimal("3.5")), () -> posts.size() >= 2);
      Thread.sleep(1_500); // several looks of the alert thread: nothing more may come

      assertThat(posts).as(posts.toString()).hasSize(2);
      assertThat(posts.get(0).get("budget").asText()).isEqualTo("global");
      assertThat(posts.get(0).get("threshold").decimalValue()).isEqualByComparingTo("0.5");
      BigDecimal max = perCall.multiply(new BigDecimal("3.5"));
      assertThat(posts.get(0).get("max_budget").decimalValue()).isEqualByComparingTo(max);
      // the spend when the crossing was noticed: at or above the threshold, at most the three calls made
      assertThat(posts.get(0).get("current_cost").decimalValue()).isBetween(max.multiply(new BigDecimal("0.5")),
          perCall.multiply(BigDecimal.valueOf(3)));
      assertThat(posts.get(0).has("period_end")).isTrue();
      assertThat(posts.get(0).get("text").asText()).contains("the global budget has used").contains("crossing 50%");
      assertThat(posts.get(1).get("threshold").decimalValue()).isEqualByComparingTo("0.8");
      assertThat(posts.get(1).get("current_cost").decimalValue()).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(3)));
      assertThat(posts.get(1).get("text").asText()).contains("crossing 80%");
      assertThat(Files.readAllLines(log).stream().filter(l -> l.contains("has used"))).hasSize(2);
    } finally {
      hook.stop(0);
    }
  }

  @Test
  void aWebhookThatIsDownDoesNotHoldTheCallsUp() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);

    Path log = dir.resolve("app.out");
    runUntilBlocked("http://127.0.0.1:" + port + "/hook", perCall.multiply(new BigDecimal("3.5")),
        () -> Files.readString(log).contains("could not deliver an alert"));

    List<Long> calls = Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL "))
        .map(l -> Long.parseLong(l.split(" ")[1])).toList();
    assertThat(Files.readString(log)).contains("crossing 50%").contains("after 4 attempts");
    // While the webhook was retried (1 + 2 + 4 s of back-off), the app went on calling every 50 ms.
    long widestGap = 0;
    for (int i = 5; i < calls.size(); i++) {
      widestGap = Math.max(widestGap, calls.get(i) - calls.get(i - 1));
    }
    assertThat(calls.get(calls.size() - 1) - calls.get(4)).isGreaterThan(5_000);
    assertThat(widestGap).isLessThan(500);
  }

  @Test
  void aLibraryListenerHearsEachCrossingWithTheAgentAttached() throws Exception {
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
    BigDecimal max = perCall.multiply(new BigDecimal("3.5"));
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      dev.llmbudget.testkit.ChildJvm.Result r = new ChildJvm()
          .agentArgs("store=memory,quiet=true,max_budget=" + max.toPlainString() + ",alert.thresholds=0.5,0.8")
          .run(ThresholdListenerApp.class.getName(), llm.openAiBaseUrl(), "5");

      assertThat(r.exitCode()).as(r.output()).isZero();
      List<String> events = r.lines().stream().filter(l -> l.startsWith("EVENT ")).toList();
      assertThat(events).hasSize(2);
      String limit = max.stripTrailingZeros().toPlainString();
      assertThat(events.get(0)).startsWith("EVENT global 0.5 ").endsWith(" " + limit + " true");
      assertThat(events.get(1)).isEqualTo("EVENT global 0.8 "
          + perCall.multiply(BigDecimal.valueOf(3)).stripTrailingZeros().toPlainString() + " " + limit + " true");
    }
  }

  @Test
  void aWebhookThatAnswersSlowlyDoesNotHoldTheCallsUp() throws Exception {
    java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
    HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hook.createContext("/hook", ex -> {
      received.incrementAndGet();
      try {
        Thread.sleep(8_000); // past the webhook's 5 s deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    hook.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "slow-hook");
      t.setDaemon(true);
      return t;
    }));
    hook.start();
    try {
      BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
      Path log = runUntilBlocked("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook",
          perCall.multiply(new BigDecimal("3.5")), () -> received.get() >= 2);

      List<Long> calls = Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL "))
          .map(l -> Long.parseLong(l.split(" ")[1])).toList();
      // The second attempt comes after the first timed out (5 s) and a 1 s back-off: the app called on meanwhile.
      long widestGap = 0;
      for (int i = 5; i < calls.size(); i++) {
        widestGap = Math.max(widestGap, calls.get(i) - calls.get(i - 1));
      }
      assertThat(calls.get(calls.size() - 1) - calls.get(4)).isGreaterThan(5_000);
      assertThat(widestGap).isLessThan(500);
    } finally {
      hook.stop(0);
    }
  }

  interface Condition {
    boolean met() throws Exception;
  }

  private Path runUntilBlocked(String webhook, BigDecimal limit, Condition also) throws Exception {
    Path stop = dir.resolve("stop");
    Path log = dir.resolve("app.out");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      List<String> cmd = new ChildJvm()
          .agentArgs("store=memory,quiet=true,max_budget=" + limit.toPlainString() + ",alert.thresholds=0.5,0.8")
          .systemProperty("llmbudget.alert.webhook", webhook)
          .command(LoopApp.class.getName(), llm.openAiBaseUrl(), "alice", stop.toString());
      Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(log, "BLOCKED") < 3 || !also.met()) {
          if (System.currentTimeMillis() > deadline || !app.isAlive()) {
            fail("gave up waiting (webhook condition met: " + also.met() + "); the app printed:\n" + Files.readString(log));
          }
          Thread.sleep(50);
        }
      } finally {
        Files.writeString(stop, "");
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
        System.out.println("---- app\n" + Files.readString(log));
      }
      return log;
    }
  }

  private static long count(Path log, String result) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith(" " + result)).count();
  }
}
