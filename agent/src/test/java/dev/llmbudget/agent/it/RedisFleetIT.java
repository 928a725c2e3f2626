package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.RedisServer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fleet of JVMs with the agent attached on one Redis: real openai-java calls against the loopback
 * fake LLM, one user whose budget is worth exactly K calls, and a JVM killed while it holds
 * reservations. The user's budget is read back from Redis by a store of the test's own.
 */
class RedisFleetIT {

  static final long MAX_TOKENS = 16;
  static FakeLlmServer llm;
  static RedisServer redis;
  static String url;
  /** Input tokens that make the fake's usage cost exactly what the agent reserves for the call. */
  static long input;
  /** What one call costs. */
  static BigDecimal perCall;

  @BeforeAll
  static void start() throws Exception {
    llm = FakeLlmServer.start();
    url = RedisServer.externalUrl();
    if (url == null) {
      redis = RedisServer.start();
      url = redis.url();
    }
    // The agent reserves the prompt's tokens and max_tokens of output. A fake whose usage costs
    // exactly that makes "a budget worth K calls" admit exactly K, whatever the interleaving.
    ChildJvm.Result r = new ChildJvm().agentArgs(args("calibrate", "0.000000000001"))
        .run(FleetApp.class.getName(), "calibrate", llm.baseUrl(), Long.toString(MAX_TOKENS), "1", "alice");
    BigDecimal reservation = new BigDecimal(r.value("RESERVATION "));
    for (long i = 0; i < 1000 && perCall == null; i++) {
      if (price(OpenAiCalls.MODEL, i, MAX_TOKENS).compareTo(reservation) == 0) {
        input = i;
        perCall = reservation;
      }
    }
    assertThat(perCall).as("no usage costs exactly the reservation " + reservation).isNotNull();
  }

  @AfterAll
  static void stop() throws Exception {
    llm.close();
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void resetFake() {
    llm.resetCounts();
    llm.usage(input, MAX_TOKENS).cache(0, 0).reasoning(0).failNext(0).delay(Duration.ZERO);
  }

  static String args(String project, String userLimit) {
    return "store=redis,redis.url=" + url + ",project=" + project + ",user.max_budget=" + userLimit;
  }

  static BudgetSnapshot budget(String project, String key) {
    try (BudgetStore s = new RedisStoreProvider().open(project, url, BudgetConfig.of(Map.of()))) {
      return s.snapshot(key, Instant.now()).orElseThrow();
    }
  }

  @Test
  void fourJvmsOfEightThreadsLetOutExactlyTheCallsTheBudgetIsWorth() throws Exception {
    for (int k : new int[] {1, 20}) { // one call for 32 threads, and more calls than one JVM's threads
      llm.resetCounts();
      String project = "fleet-" + k + "-" + ProcessHandle.current().pid();
      String limit = perCall.multiply(BigDecimal.valueOf(k)).toPlainString();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<ChildJvm.Result>> jvms = new ArrayList<>();
      try {
        for (int j = 0; j < 4; j++) {
          jvms.add(pool.submit(() -> new ChildJvm().agentArgs(args(project, limit))
              .run(FleetApp.class.getName(), "run", llm.baseUrl(), Long.toString(MAX_TOKENS), "8", "alice")));
        }
        int ok = 0;
        for (Future<ChildJvm.Result> f : jvms) {
          ChildJvm.Result r = f.get(5, TimeUnit.MINUTES);
          assertThat(r.exitCode()).as(r.output()).isZero();
          String line = r.value("FLEET ");
          assertThat(line).as(r.output()).endsWith("errors=[]");
          assertThat(r.output()).doesNotContain("SLF4J").doesNotContain("NoClassDefFoundError");
          ok += Integer.parseInt(line.replaceAll(".*ok=(\\d+).*", "$1"));
        }
        BudgetSnapshot alice = budget(project, "alice");
        assertThat(ok).as("K=" + k).isEqualTo(k);
        assertThat(llm.requests("/v1/chat/completions")).as("K=" + k).isEqualTo(k);
        assertThat(alice.currentCost()).as("K=" + k).isEqualByComparingTo(limit);
        assertThat(alice.reserved()).isZero();
        assertThat(alice.modelCost()).containsOnlyKeys(OpenAiCalls.MODEL);
        assertThat(budget(project, BudgetStore.GLOBAL_KEY).currentCost()).isEqualByComparingTo(limit);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aJvmKilledWhileItHoldsReservationsFreesThemWhenTheirLeaseEndsAndItsSettledChargesStay() throws Exception {
    String project = "crash-" + ProcessHandle.current().pid();
    String limit = perCall.multiply(BigDecimal.valueOf(3)).toPlainString();
    String crashArgs = args(project, limit) + ",reservation_ttl=3s";
    // one call that completes and is settled
    ChildJvm.Result first = new ChildJvm().agentArgs(crashArgs)
        .run(FleetApp.class.getName(), "hold", llm.baseUrl(), Long.toString(MAX_TOKENS), "1", "alice");
    assertThat(first.value("FLEET ")).isEqualTo("ok=1 errors=[]");

    // two calls that the slow fake holds in flight until the JVM is killed
    llm.delay(Duration.ofSeconds(60));
    Path out = Files.createTempFile("crash", ".out");
    Process victim = new ProcessBuilder(new ChildJvm().agentArgs(crashArgs)
        .command(FleetApp.class.getName(), "hold", llm.baseUrl(), Long.toString(MAX_TOKENS), "2", "alice"))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (llm.requests("/v1/chat/completions") < 3 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(llm.requests("/v1/chat/completions")).as(Files.readString(out)).isEqualTo(3);
      BudgetSnapshot held = budget(project, "alice");
      assertThat(held.reserved()).isPositive();
      assertThat(held.currentCost()).isEqualByComparingTo(perCall);
      victim.destroyForcibly(); // SIGKILL: no shutdown hook, no settle
      victim.waitFor(10, TimeUnit.SECONDS);
    } finally {
      victim.destroyForcibly();
      Files.deleteIfExists(out);
    }
    llm.delay(Duration.ZERO);

    Thread.sleep(3_500); // the lease
    BudgetSnapshot freed = budget(project, "alice");
    assertThat(freed.reserved()).isZero();
    assertThat(freed.currentCost()).isEqualByComparingTo(perCall);

    ChildJvm.Result after = new ChildJvm().agentArgs(crashArgs)
        .run(FleetApp.class.getName(), "run", llm.baseUrl(), Long.toString(MAX_TOKENS), "2", "alice");
    assertThat(after.value("FLEET ")).isEqualTo("ok=2 errors=[]");
    assertThat(budget(project, "alice").currentCost()).isEqualByComparingTo(limit);
  }

  @Test
  void redisStoppedMidRunCallsGoOnWithinTheAllowanceAndTheJournalIsReplayedOnceWhenItIsBack() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(redis != null, "stops and starts the redis-server it started");
    String project = "outage-" + ProcessHandle.current().pid();
    // room for two offline calls (each reserves a little more than it costs), not three
    String allowance = perCall.multiply(new BigDecimal("2.5")).toPlainString();
    String outageArgs = args(project, perCall.multiply(BigDecimal.TEN).toPlainString())
        + ",store.offline_allowance=" + allowance + ",redis.timeout=500ms";
    Path dir = Files.createTempDirectory("outage");
    Path out = dir.resolve("child.out");
    Process child = new ProcessBuilder(new ChildJvm().agentArgs(outageArgs)
        .command(FleetApp.class.getName(), "outage", llm.baseUrl(), Long.toString(MAX_TOKENS), "1", "alice", dir.toString()))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      awaitFile(dir.resolve("ready1"), child, out);
      redis.stop();
      Files.createFile(dir.resolve("go1"));
      awaitFile(dir.resolve("ready2"), child, out);
      redis.restart(true);
      Thread.sleep(1_200); // the JVM tries Redis again at most once a second
      Files.createFile(dir.resolve("go2"));
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String output = Files.readString(out);
      System.out.println("---- outage child\n" + output);
      assertThat(output).contains("CALL1 OK", "CALL2 OK", "CALL3 OK", "CALL5 OK");
      // past the allowance the store fails and llmbudget.on_error decides: refused, or let through
      // unmetered; either way it reaches the host as nothing but a budget error or success
      assertThat(output).containsPattern("CALL4 (OK|BLOCKED)");
      BudgetSnapshot alice = budget(project, "alice");
      // calls 1, 2, 3 and 5 are charged once each; call 4 was never metered
      assertThat(alice.currentCost()).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(4)));
      assertThat(budget(project, BudgetStore.GLOBAL_KEY).currentCost()).isEqualByComparingTo(alice.currentCost());
      assertThat(alice.reserved()).isZero();
    } finally {
      child.destroyForcibly();
    }
  }

  private static void awaitFile(Path file, Process child, Path out) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!Files.exists(file)) {
      if (!child.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the child never wrote " + file + ":\n" + Files.readString(out));
      }
      Thread.sleep(20);
    }
  }
}
