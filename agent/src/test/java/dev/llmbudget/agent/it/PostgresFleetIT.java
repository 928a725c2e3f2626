package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.TestPostgres;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs with the agent on {@code llmbudget.store=postgres}, real openai-java against the loopback
 * fake, one real PostgreSQL: the budget holds across the fleet, the ledger accounts for every
 * settled call, and neither {@code kill -9} of a JVM nor a server restart counts anything twice.
 */
class PostgresFleetIT {

  /** Input is free and output costs $0.000001 a token, so a call reserves exactly what it is charged. */
  static final String PRICES = "{\"gpt-4o-mini\": {\"input_cost_per_token\": 0,"
      + " \"output_cost_per_token\": 0.000001, \"litellm_provider\": \"openai\", \"mode\": \"chat\"}}";
  static final long MAX_TOKENS = 50;
  static final long CALL_PICO = MAX_TOKENS * 1_000_000L;

  static TestPostgres pg;
  static FakeLlmServer llm;
  @TempDir
  static Path dir;
  static Path prices;
  String schema;

  @BeforeAll
  static void start() throws IOException {
    pg = TestPostgres.start();
    llm = FakeLlmServer.start().usage(20, MAX_TOKENS);
    prices = Files.writeString(dir.resolve("prices.json"), PRICES);
  }

  @AfterAll
  static void stop() {
    llm.close();
    pg.close();
  }

  @BeforeEach
  void fresh() {
    llm.resetCounts();
    schema = "fleet_" + System.nanoTime();
  }

  ChildJvm child(String... extra) {
    ChildJvm c = new ChildJvm()
        .systemProperty("llmbudget.store", "postgres")
        .systemProperty("llmbudget.postgres.url", pg.url())
        .systemProperty("llmbudget.postgres.schema", schema)
        .systemProperty("llmbudget.prices", prices.toString())
        .timeout(java.time.Duration.ofMinutes(4));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      c.systemProperty(extra[i], extra[i + 1]);
    }
    return c;
  }

  Process launch(ChildJvm c, Path out, String user, int threads, int attempts, long pauseMs) throws IOException {
    List<String> cmd = c.command(PostgresFleetApp.class.getName(), llm.baseUrl(), user, String.valueOf(threads),
        String.valueOf(attempts), String.valueOf(MAX_TOKENS), String.valueOf(pauseMs));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
  }

  static List<String> finish(Process p, Path out) throws Exception {
    assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("child finished").isTrue();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    System.out.println("---- child\n" + String.join("\n", lines));
    assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
    return lines;
  }

  /**
   * What the children logged about the store's connections: a pool that timed out, a saturated pool,
   * an outage and its end; named in the assertions, so a failure says which of them happened.
   */
  static String storeLog(List<List<String>> children) {
    StringBuilder sb = new StringBuilder("the children's store log:");
    for (int i = 0; i < children.size(); i++) {
      for (String l : children.get(i)) {
        if (l.contains("Connection is not available") || l.contains("saturated") || l.contains("unreachable")
            || l.contains("answers again") || l.contains("offline")) {
          sb.append("\n  [jvm ").append(i).append("] ").append(l);
        }
      }
    }
    return sb.toString();
  }

  static int count(List<String> lines, String line) {
    return (int) lines.stream().filter(line::equals).count();
  }

  static long total(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix + " ")).mapToLong(l -> Long.parseLong(l.substring(prefix.length() + 1))).sum();
  }

  long query(String sql, Object... args) throws SQLException {
    try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(sql.replace("$s", schema))) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void fourJvmsOfEightThreadsSendExactlyTheCallsTheUserBudgetPays() throws Exception {
    int k = 40;
    BigDecimal budget = BigDecimal.valueOf(k * CALL_PICO).movePointLeft(12);
    List<Process> procs = new ArrayList<>();
    List<Path> outs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path out = dir.resolve("fleet-" + i + ".out");
      outs.add(out);
      procs.add(launch(child("llmbudget.user.max_budget", budget.toPlainString()), out, "alice", 8, 4, 0));
    }
    long ok = 0;
    long refused = 0;
    List<List<String>> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      List<String> lines = finish(procs.get(i), outs.get(i));
      children.add(lines);
      ok += total(lines, "OK");
      refused += total(lines, "REFUSED");
      assertThat(lines).noneMatch(l -> l.contains("SLF4J"));
    }
    String log = storeLog(children);

    assertThat(llm.totalRequests()).as(log).isEqualTo(k);
    assertThat(ok).as(log).isEqualTo(k);
    assertThat(refused).as(log).isEqualTo(4 * 8 * 4 - k);
    assertThat(children).as("no JVM took a busy pool for an outage; " + log)
        .noneMatch(lines -> lines.stream().anyMatch(l -> l.contains("is unreachable")));
    assertThat(query("SELECT spent_pico FROM $s.budget WHERE key = 'alice'")).isEqualTo(k * CALL_PICO);
    assertThat(query("SELECT reserved_pico FROM $s.budget WHERE key = 'alice'")).isZero();
    assertThat(query("SELECT count(*) FROM $s.charge WHERE user_key = 'alice'")).isEqualTo(k);
    assertThat(query("SELECT sum(cost_pico) FROM $s.charge WHERE user_key = 'alice'")).isEqualTo(k * CALL_PICO);
    assertThat(query("SELECT sum(cost_pico) FROM $s.charge")).isEqualTo(query("SELECT spent_pico FROM $s.budget WHERE key = '$global'"));
    assertThat(query("SELECT count(*) FROM $s.charge WHERE output_tokens = ? AND input_tokens = 20"
        + " AND model = 'gpt-4o-mini' AND estimated = false", MAX_TOKENS)).isEqualTo(k);
    assertThat(query("SELECT count(DISTINCT reservation) FROM $s.charge")).isEqualTo(k);
    assertThat(query("SELECT count(*) FROM $s.charge WHERE sdk = 'openai-java'")).as("the ledger names the SDK").isEqualTo(k);
  }

  @Test
  void aPoolKeptBusyByAHeldRowLockSpendsNoOfflineAllowance() throws Exception {
    // four threads, three rounds of one call each, 2 s apart; the budget pays for six calls. Before the
    // second round a session of the test takes hana's row lock, as a stuck transaction of another JVM
    // would: the child's one pooled connection queues on it and its other calls wait past the pool's 1 s
    int k = 6;
    BigDecimal budget = BigDecimal.valueOf(k * CALL_PICO).movePointLeft(12);
    Path out = dir.resolve("saturated.out");
    try (Connection holder = pg.connect()) {
      holder.setAutoCommit(false);
      Process p = launch(child("llmbudget.user.max_budget", budget.toPlainString(), "llmbudget.postgres.pool_size", "1",
          "llmbudget.api_timeout", "1s"), out, "hana", 4, 3, 2_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (charged("hana") < 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      try (java.sql.Statement st = holder.createStatement()) {
        st.execute("SELECT 1 FROM " + schema + ".budget WHERE key = 'hana' FOR UPDATE");
      }
      while (!Files.readString(out).contains("saturated") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(200);
      holder.rollback();
      List<String> lines = finish(p, out);
      String log = storeLog(List.of(lines));

      assertThat(log).as("the child waited on its busy pool").contains("the pool is saturated, not the server down");
      assertThat(lines).as(log).noneMatch(l -> l.contains("is unreachable"));
      assertThat(llm.totalRequests()).as(log).isEqualTo(k);
      assertThat(total(lines, "OK")).as(log).isEqualTo(k);
      assertThat(total(lines, "REFUSED")).as(log).isEqualTo(4 * 3 - k);
      assertThat(query("SELECT spent_pico + reserved_pico FROM $s.budget WHERE key = 'hana'")).isEqualTo(k * CALL_PICO);
    }
  }

  /** Ledger rows of {@code user}; 0 before the child has created the tables. */
  long charged(String user) {
    try {
      return query("SELECT count(*) FROM $s.charge WHERE user_key = ?", user);
    } catch (SQLException e) {
      return 0;
    }
  }

  @Test
  void afterKillMinus9EverySettledCallIsInTheLedgerAndTheDeadJvmsReservationsExpire() throws Exception {
    Path out = dir.resolve("killed.out");
    String[] budgets = {"llmbudget.reservation_ttl", "3s", "llmbudget.max_budget", "1000", "llmbudget.user.max_budget", "1000"};
    Process p = launch(child(budgets), out, "bob", 8, 100_000, 5);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (llm.totalRequests() < 100 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    int done = count(Files.readAllLines(out, StandardCharsets.UTF_8), "DONE");
    long rows = query("SELECT count(*) FROM $s.charge WHERE user_key = 'bob'");

    assertThat(done).isGreaterThanOrEqualTo(100 - 8);
    assertThat(rows).isGreaterThanOrEqualTo(done).isLessThanOrEqualTo(llm.totalRequests());
    assertThat(query("SELECT sum(cost_pico) FROM $s.charge WHERE user_key = 'bob'"))
        .isEqualTo(query("SELECT spent_pico FROM $s.budget WHERE key = 'bob'"));

    // the dead JVM's leases run out; the next JVM's first call cleans them up
    Thread.sleep(3_500);
    Path next = dir.resolve("next.out");
    assertThat(query("SELECT reserved_pico FROM $s.budget WHERE key = 'bob'")).as("held by the dead JVM").isPositive();
    List<String> lines = finish(launch(child(budgets), next, "bob", 1, 1, 0), next);
    assertThat(total(lines, "OK")).isEqualTo(1);
    assertThat(query("SELECT reserved_pico FROM $s.budget WHERE key = 'bob'")).isZero();
    assertThat(query("SELECT reserved_pico FROM $s.budget WHERE key = '$global'")).isZero();
    assertThat(query("SELECT count(*) FROM $s.reservation WHERE NOT expired")).isZero();
  }

  @Test
  void aServerRestartMidRunCountsNothingTwiceAndCallsResume() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(pg.embedded(), "an external server (LLMBUDGET_IT_POSTGRES_URL) is not restarted by tests");
    Path out = dir.resolve("restart.out");
    Process p = launch(child("llmbudget.reservation_ttl", "3s", "llmbudget.api_timeout", "1s"), out, "carol", 4, 400, 10);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (llm.totalRequests() < 40 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    pg.stop();
    Thread.sleep(2_000);
    pg.restart();
    long rowsAtRestart = query("SELECT count(*) FROM $s.charge WHERE user_key = 'carol'");
    List<String> lines = finish(p, out);
    long rows = query("SELECT count(*) FROM $s.charge WHERE user_key = 'carol'");

    assertThat(rows).as("calls are metered again after the restart").isGreaterThan(rowsAtRestart);
    assertThat(rows).isLessThanOrEqualTo(llm.totalRequests());
    assertThat(query("SELECT count(DISTINCT reservation) FROM $s.charge WHERE user_key = 'carol'")).isEqualTo(rows);
    assertThat(query("SELECT sum(cost_pico) FROM $s.charge WHERE user_key = 'carol'"))
        .isEqualTo(query("SELECT spent_pico FROM $s.budget WHERE key = 'carol'"))
        .isEqualTo(rows * CALL_PICO);
    assertThat(total(lines, "OK") + total(lines, "FAILED") + total(lines, "REFUSED")).isEqualTo(4 * 400);
  }

  @Test
  void withNoOfflineAllowanceCallsAreRefusedDuringARestartThenResumeEachChargedOnce() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(pg.embedded(), "an external server (LLMBUDGET_IT_POSTGRES_URL) is not restarted by tests");
    Path out = dir.resolve("restart-blocked.out");
    Process p = launch(child("llmbudget.reservation_ttl", "3s", "llmbudget.api_timeout", "1s",
        "llmbudget.store.offline_allowance", "0", "llmbudget.on_error", "block"), out, "frank", 4, 300, 10);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (llm.totalRequests() < 40 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    pg.stop();
    Thread.sleep(3_000);
    pg.restart();
    List<String> lines = finish(p, out);
    long rows = query("SELECT count(*) FROM $s.charge WHERE user_key = 'frank'");

    assertThat(total(lines, "REFUSED")).as("refused while the server was down").isPositive();
    assertThat(total(lines, "OK")).as("resumed after the restart").isGreaterThan(40);
    assertThat(rows).as("every answered call charged once").isEqualTo(total(lines, "OK")).isEqualTo(llm.totalRequests());
    assertThat(query("SELECT spent_pico FROM $s.budget WHERE key = 'frank'")).isEqualTo(rows * CALL_PICO);
    assertThat(query("SELECT count(DISTINCT reservation) FROM $s.charge WHERE user_key = 'frank'")).isEqualTo(rows);
  }

  @Test
  void theLedgerNamesTheSdkThatMadeTheCall() throws Exception {
    // anthropic-java through the same seam as openai-java: the request's class tells them apart
    ChildJvm.Result r = new ChildJvm()
        .systemProperty("llmbudget.store", "postgres")
        .systemProperty("llmbudget.postgres.url", pg.url())
        .systemProperty("llmbudget.postgres.schema", schema)
        .systemProperty("llmbudget.max_budget", "1000")
        .timeout(java.time.Duration.ofMinutes(2))
        .run(SdkApp.class.getName(), "anthropic", llm.baseUrl(), "100", "sync@gwen");
    assertThat(r.exitCode()).as(r.output()).isZero();

    assertThat(query("SELECT count(*) FROM $s.charge WHERE user_key = 'gwen'")).as(r.output()).isEqualTo(1);
    assertThat(query("SELECT count(*) FROM $s.charge WHERE user_key = 'gwen' AND sdk = 'anthropic-java'"))
        .as("the ledger names the SDK").isEqualTo(1);
  }

  @Test
  void aCallAnsweredWhileTheServerIsDownIsChargedOnceWhenItIsBack() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(pg.embedded(), "an external server (LLMBUDGET_IT_POSTGRES_URL) is not stopped by tests");
    Path out = dir.resolve("down-at-settle.out");
    llm.answerDelay(3_000);
    try {
      // one call, then the JVM stays up 20 s: its settle meets a stopped server, the retry a running one
      Process p = launch(child("llmbudget.api_timeout", "1s", "llmbudget.max_budget", "1000"), out, "erin", 1, 1, 20_000);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (llm.totalRequests() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(query("SELECT count(*) FROM $s.reservation")).as("the call's reservation").isEqualTo(1);
      pg.stop();
      Thread.sleep(6_000); // the answer came and its settle failed
      pg.restart();
      List<String> lines = finish(p, out);

      assertThat(total(lines, "OK")).isEqualTo(1);
      assertThat(query("SELECT count(*) FROM $s.charge WHERE user_key = 'erin'")).as("charged once").isEqualTo(1);
      assertThat(query("SELECT count(*) FROM $s.charge WHERE user_key = 'erin' AND sdk = 'openai-java'")).isEqualTo(1);
      assertThat(query("SELECT spent_pico FROM $s.budget WHERE key = 'erin'")).isEqualTo(CALL_PICO);
      assertThat(query("SELECT spent_pico FROM $s.budget WHERE key = '$global'")).isEqualTo(CALL_PICO);
      assertThat(query("SELECT reserved_pico FROM $s.budget WHERE key = '$global'")).isZero();
    } finally {
      llm.answerDelay(0);
    }
  }

  @Test
  void anAppsOwnBudgetManagerOnPostgresWorksWithTheAgentAttached() throws Exception {
    ChildJvm c = new ChildJvm().systemProperty("llmbudget.store", "memory")
        .systemProperty("llmbudget.postgres.schema", schema);

    ChildJvm.Result r = c.run(PostgresManagerApp.class.getName(), pg.url(), "dora");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.value("COST ")).isEqualTo("0.25");
    assertThat(r.value("MODELS ")).isEqualTo("[gpt-4o]");
    assertThat(r.value("LOADER ")).isEqualTo("bootstrap");
    assertThat(r.output()).doesNotContain("SLF4J");
    assertThat(query("SELECT cost_pico FROM $s.charge WHERE project = 'library' AND user_key = 'dora'"))
        .isEqualTo(250_000_000_000L);
    assertThat(query("SELECT count(*) FROM $s.charge WHERE project = 'library' AND sdk IS NULL"))
        .as("a library call names no SDK").isEqualTo(1);
  }
}
