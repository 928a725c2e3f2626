package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmbudget.BudgetDuration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HostedStoreTest extends BudgetStoreContract {

  /** A LiteLLM-style budget server on loopback; {@code answer} overrides its replies for failure tests. */
  static final class BudgetServer {
    final Map<String, JsonNode> dicts = new ConcurrentHashMap<>();
    final AtomicInteger setCalls = new AtomicInteger();
    volatile Reply getReply;
    volatile Reply setReply;
    final AtomicInteger failingSets = new AtomicInteger();
    final HttpServer http;
    final ExecutorService pool = Executors.newCachedThreadPool();

    interface Reply {
      void send(HttpExchange ex) throws Exception;
    }

    BudgetServer() throws IOException {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      http.setExecutor(pool);
      http.createContext("/get_budget", ex -> handle(ex, getReply, this::get));
      http.createContext("/set_budget", ex -> handle(ex, setReply, this::set));
      http.start();
    }

    URI base() {
      return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    private void handle(HttpExchange ex, Reply override, Reply normal) throws IOException {
      try (ex) {
        (override != null ? override : normal).send(ex);
      } catch (Exception e) {
        throw new IOException(e);
      }
    }

    private void get(HttpExchange ex) throws Exception {
      JsonNode req = UserCostJson.MAPPER.readTree(ex.getRequestBody());
      JsonNode dict = dicts.get(req.get("project_name").textValue());
      reply(ex, 200, dict == null ? "{\"status\": \"error\", \"message\": \"no budget\"}"
          : "{\"status\": \"success\", \"data\": " + dict + "}");
    }

    private void set(HttpExchange ex) throws Exception {
      if (failingSets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        fail(ex);
        return;
      }
      JsonNode req = UserCostJson.MAPPER.readTree(ex.getRequestBody());
      dicts.put(req.get("project_name").textValue(), req.get("user_dict"));
      setCalls.incrementAndGet();
      reply(ex, 200, "{\"status\": \"success\"}");
    }

    static void fail(HttpExchange ex) throws IOException {
      reply(ex, 500, "internal error");
    }

    static void reply(HttpExchange ex, int status, String body) throws IOException {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status, b.length);
      ex.getResponseBody().write(b);
    }

    void stop() {
      http.stop(0);
      pool.shutdownNow();
    }
  }

  BudgetServer server;

  HostedStore open(Duration flushInterval) {
    return open(flushInterval, Duration.ofSeconds(10));
  }

  HostedStore open(Duration flushInterval, Duration timeout) {
    return new HostedStore(server.base(), "proj", ZoneOffset.UTC, timeout, flushInterval, Clock.fixed(T0, ZoneOffset.UTC));
  }

  @Override
  BudgetStore openStore() throws IOException {
    server = new BudgetServer();
    return open(Duration.ofHours(1));
  }

  @AfterEach
  void stopServer() {
    try {
      if (store != null) {
        server.getReply = null;
        server.setReply = null;
        server.failingSets.set(0);
        store.close();
        store = null;
      }
    } finally {
      server.stop();
    }
  }

  @Test
  void stateRoundTripsThroughTheServerInTheLiteLlmShape() {
    store.putBudget("alice", usd("10"), BudgetDuration.DAILY, T0);
    store.charge(keys("alice", BudgetStore.GLOBAL_KEY), Picodollars.of(usd("0.0000125")), "gpt-4o", T0);
    List<BudgetSnapshot> before = snapshots(store);
    store.close();

    JsonNode alice = server.dicts.get("proj").get("alice");
    assertThat(alice.get("total_budget").decimalValue()).isEqualByComparingTo("10");
    assertThat(alice.get("current_cost").decimalValue()).isEqualByComparingTo("0.0000125");
    assertThat(alice.get("duration").textValue()).isEqualTo("daily");

    store = open(Duration.ofHours(1));
    assertThat(snapshots(store)).isEqualTo(before);
  }

  /** An application that never closes its hosted store still gets its charges to the server at exit, and a closed one posts nothing more then. */
  @Test
  void theExitHookPushesAnUnclosedStoresChargesAndLeavesAClosedOneAlone() {
    store.charge(keys("alice", BudgetStore.GLOBAL_KEY), Picodollars.of(usd("0.25")), "gpt-4o", T0);
    assertThat(server.dicts).as("hourly: nothing pushed yet").doesNotContainKey("proj");

    ExitFlush.flushAll();

    assertThat(server.dicts.get("proj").get("alice").get("current_cost").decimalValue()).isEqualByComparingTo("0.25");
    store.close();
    store = null;
    int sets = server.setCalls.get();
    ExitFlush.flushAll();
    assertThat(server.setCalls.get()).as("a closed store is not flushed at exit").isEqualTo(sets);
  }

  @Test
  void loadsWhatLiteLlmStoredOnTheServer() throws Exception {
    store.close();
    server.dicts.put("proj", UserCostJson.MAPPER.readTree("{\"krrish\": {\"total_budget\": 2.5,"
        + " \"current_cost\": 1.25e-3, \"model_cost\": {\"gpt-4\": 1.25e-3}, \"duration\": 1,"
        + " \"created_at\": 1773136800.25, \"last_updated_at\": 1773136800.25}}"));

    store = open(Duration.ofHours(1));

    BudgetSnapshot krrish = store.snapshot("krrish", T0).orElseThrow();
    assertThat(krrish.totalBudget()).isEqualByComparingTo("2.5");
    assertThat(krrish.currentCost()).isEqualByComparingTo("0.00125");
    assertThat(krrish.duration()).isEqualTo(BudgetDuration.DAILY);
  }

  @Test
  void openingFailsWhenTheServerIsDown() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    URI down = URI.create("http://127.0.0.1:" + closedPort);

    assertThatThrownBy(() -> new HostedStore(down, "proj", ZoneOffset.UTC, Duration.ofSeconds(5), Duration.ofHours(1)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(down + "/get_budget")
        .hasMessageContaining("cannot connect");
  }

  @Test
  void openingFailsWhenTheServerIsSlow() {
    server.getReply = ex -> {
      Thread.sleep(3_000);
      BudgetServer.reply(ex, 200, "{}");
    };

    assertThatThrownBy(() -> open(Duration.ofHours(1), Duration.ofMillis(500)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/get_budget")
        .hasMessageContaining("did not answer within 500 ms");
  }

  @Test
  void openingFailsOnAServerError() {
    server.getReply = BudgetServer::fail;

    assertThatThrownBy(() -> open(Duration.ofHours(1)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/get_budget")
        .hasMessageContaining("HTTP 500");
  }

  @Test
  void openingFailsOnGarbage() {
    String url = server.base() + "/get_budget";
    Map<String, String> garbage = Map.of(
        "<html>oops</html>", "not JSON",
        "[1, 2]", "not an object",
        "{\"status\": \"success\"}", "without a 'data' object",
        "{\"status\": \"success\", \"data\": [1]}", "without a 'data' object",
        "{\"status\": \"success\", \"data\": {\"alice\": {\"total_budget\": \"lots\"}}}", "user 'alice': total_budget");
    garbage.forEach((body, detail) -> {
      server.getReply = ex -> BudgetServer.reply(ex, 200, body);
      assertThatThrownBy(() -> open(Duration.ofHours(1)))
          .as(body)
          .isInstanceOf(BudgetStoreException.class)
          .hasMessageContaining(url)
          .hasMessageContaining(detail);
    });
  }

  @Test
  void budgetServerDataWithAHugeExponentIsRejectedFastWithAShortMessage() throws Exception {
    server.getReply = ex -> BudgetServer.reply(ex, 200,
        "{\"status\": \"success\", \"data\": {\"alice\": {\"current_cost\": 1e100000000}}}");

    Throwable thrown = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> org.assertj.core.api.Assertions.catchThrowable(() -> open(Duration.ofHours(1))));

    assertThat(thrown).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/get_budget data: user 'alice': current_cost is out of range: 1E+100000000");
    assertThat(thrown.getMessage()).hasSizeLessThan(200);
  }

  /** A number whose exponent overflows an int: the parser throws NumberFormatException, which must arrive typed. */
  @Test
  void budgetServerDataWithANumberNoBigDecimalCanHoldIsRefusedAsNotJson() throws Exception {
    server.getReply = ex -> BudgetServer.reply(ex, 200,
        "{\"status\": \"success\", \"data\": {\"alice\": {\"current_cost\": 1e99999999999}}}");

    assertThatThrownBy(() -> open(Duration.ofHours(1)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("answered something that is not JSON")
        .hasMessageContaining("1e99999999999");
  }

  /** Issue 8 item 7: the JDK's timeout stops at the headers; the deadline here covers the body too. */
  @Test
  void aServerThatDripsItsAnswerIsCutOffAtTheTimeout() {
    server.getReply = ex -> {
      ex.sendResponseHeaders(200, 0);
      for (int i = 0; i < 600; i++) {
        ex.getResponseBody().write(' ');
        ex.getResponseBody().flush();
        Thread.sleep(100);
      }
    };
    long started = System.nanoTime();

    assertThatThrownBy(() -> open(Duration.ofHours(1), Duration.ofMillis(1500)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/get_budget")
        .hasMessageContaining("did not answer within 1500 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void anAnswerOverTheSizeCapIsRefused() {
    server.getReply = ex -> {
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[1 << 20];
      java.util.Arrays.fill(chunk, (byte) ' ');
      for (int i = 0; i <= HostedStore.MAX_ANSWER_BYTES >> 20; i++) {
        ex.getResponseBody().write(chunk);
      }
    };

    assertThatThrownBy(() -> open(Duration.ofHours(1)))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/get_budget")
        .hasMessageContaining("larger than the limit of " + HostedStore.MAX_ANSWER_BYTES + " bytes");
  }

  @Test
  void aFailedFlushDropsNothingAndTheNextFlushSendsEveryCharge() {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    server.failingSets.set(1);

    assertThatThrownBy(store::flush)
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(server.base() + "/set_budget")
        .hasMessageContaining("HTTP 500");
    store.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0);
    store.flush();

    assertThat(server.dicts.get("proj").get("alice").get("current_cost").decimalValue()).isEqualByComparingTo("3");
    assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("3");
  }

  @Test
  void theBackgroundFlusherRetriesAfterFailures() throws Exception {
    store.close();
    store = open(Duration.ofMillis(20));
    server.failingSets.set(3);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline && !server.dicts.get("proj").has("alice")) {
      Thread.sleep(10);
    }
    assertThat(server.failingSets.get()).isZero();
    assertThat(server.dicts.get("proj").get("alice").get("current_cost").decimalValue()).isEqualByComparingTo("1");
  }

  @Test
  void twoInstancesOfOneProjectAddUpTheirCharges() {
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    try (HostedStore other = open(Duration.ofHours(1))) {
      other.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0);
      store.charge(keys("alice"), 3 * DOLLAR, "claude-3", T0);
      other.flush();
      store.flush();
    }

    JsonNode alice = server.dicts.get("proj").get("alice");
    assertThat(alice.get("current_cost").decimalValue()).isEqualByComparingTo("5");
    assertThat(alice.get("model_cost").get("gpt-4o").decimalValue()).isEqualByComparingTo("2");
    assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("5");
  }

  private static List<BudgetSnapshot> snapshots(BudgetStore s) {
    return s.keys().stream().sorted().map(k -> s.snapshot(k, T0).orElseThrow()).toList();
  }
}
