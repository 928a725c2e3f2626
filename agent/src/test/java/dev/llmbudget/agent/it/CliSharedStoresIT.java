package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Usage;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.RedisServer;
import dev.llmbudget.testkit.TestPostgres;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 1 on the fleet stores: every CLI command against a real redis-server and a real
 * PostgreSQL (started by the test), the budgets written by a store as a running agent writes them.
 * PostgreSQL keeps a ledger, so its report and {@code show} carry spend per day.
 */
class CliSharedStoresIT {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  record Cli(int code, String out, String err) {}

  @Test
  void everyCommandOnRedis() throws Exception {
    String url = RedisServer.externalUrl();
    RedisServer redis = url == null ? RedisServer.start() : null;
    try {
      String redisUrl = url == null ? redis.url() : url;
      String project = "cli-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
      try (BudgetStore store = new RedisStoreProvider().open(project, redisUrl, BudgetConfig.of(Map.of()))) {
        everyCommand(store, false, "--store", "redis", "--redis-url", redisUrl, "--project", project);
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  void everyCommandOnPostgres() throws Exception {
    try (TestPostgres pg = TestPostgres.start()) {
      String project = "cli-" + System.nanoTime();
      try (BudgetStore store = new PostgresStoreProvider().open(project, pg.url(), BudgetConfig.of(Map.of()))) {
        everyCommand(store, true, "--store", "postgres", "--postgres-url", pg.url(), "--project", project);
      }
    }
  }

  private void everyCommand(BudgetStore store, boolean ledger, String... storeArgs) throws Exception {
    Instant now = Instant.now();
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("50"), BudgetDuration.MONTHLY, now);
    store.putBudget("alice", new BigDecimal("10"), BudgetDuration.MONTHLY, now);
    store.putBudget("bob", new BigDecimal("20"), BudgetDuration.MONTHLY, now);
    charge(store, "alice", "gpt-4o", "8.00", now);
    charge(store, "alice", "gpt-4o-mini", "1.10", now);
    charge(store, "bob", "gpt-4o-mini", "4.00", now);
    // a call in flight on another JVM: the shared stores know what it holds
    assertThat(store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY, "bob"},
        Picodollars.of(new BigDecimal("0.25")), now, now.plusSeconds(600)).isOk()).isTrue();

    Cli report = cli(storeArgs, "report");
    assertThat(report.code).as(report.err).isZero();
    assertThat(report.out.lines().skip(2).map(l -> l.split("\\s+")[0]).toList()).startsWith("(global)", "alice", "bob");
    assertThat(report.out).containsPattern("alice\\s+\\$9\\.10\\s+\\$10\\.00\\s+91\\.00%\\s+\\$0\\.00\\s")
        .containsPattern("bob\\s+\\$4\\.00\\s+\\$20\\.00\\s+20\\.00%\\s+\\$0\\.25\\s").doesNotContain("n/a");

    JsonNode json = JSON.readTree(cli(storeArgs, "report", "--json").out);
    assertThat(json.get("global").get("spent").decimalValue()).isEqualByComparingTo("13.10");
    assertThat(json.get("global").get("reserved").decimalValue()).isEqualByComparingTo("0.25");
    String today = LocalDate.ofInstant(now, ZoneOffset.UTC).toString();
    if (ledger) {
      assertThat(json.get("spend_per_day")).hasSize(1);
      assertThat(json.get("spend_per_day").get(0).get("day").asText()).isEqualTo(today);
      assertThat(json.get("spend_per_day").get(0).get("spent").decimalValue()).isEqualByComparingTo("13.10");
      assertThat(json.get("spend_per_day").get(0).get("calls").asLong()).isEqualTo(3);
    } else {
      assertThat(json.has("spend_per_day")).isFalse();
    }

    Path html = dir.resolve("report.html");
    assertThat(cli(storeArgs, "report", "--html", html.toString()).code).isZero();
    String page = Files.readString(html);
    assertThat(count(page, "<g transform=\"translate\\(0,\\d+\\)\" class=\"user-bar")).isEqualTo(2);
    assertThat(count(page, "class=\"day-bar\" data-day=\"" + today + "\"")).isEqualTo(ledger ? 1 : 0);
    assertThat(page.contains("Spend per day")).isEqualTo(ledger);

    Cli csv = cli(storeArgs, "report", "--csv");
    assertThat(csv.out).contains("\nbob,4.00,20.00,20.00,0.25,monthly,");

    assertThat(cli(storeArgs, "users").out.lines().toList()).containsExactly("alice", "bob");

    Cli show = cli(storeArgs, "show", "alice");
    assertThat(show.out).contains("spent:        $9.10").contains("gpt-4o  $8.00").contains("reserved:     $0.00");
    if (ledger) {
      assertThat(show.out).contains("spend per day (last 30 days):\n  " + today + "  $9.10  (2 calls)");
    } else {
      assertThat(show.out).doesNotContain("spend per day");
    }

    assertThat(cli(storeArgs, "set-budget", "alice", "30").code).isZero();
    assertThat(store.snapshot("alice", Instant.now()).orElseThrow().totalBudget()).isEqualByComparingTo("30");
    assertThat(store.snapshot("alice", Instant.now()).orElseThrow().currentCost()).isEqualByComparingTo("9.10");
    assertThat(cli(storeArgs, "set-budget", "carol", "2.50", "--duration", "weekly").code).isZero();
    assertThat(store.snapshot("carol", Instant.now()).orElseThrow().duration()).isEqualTo(BudgetDuration.WEEKLY);
    assertThat(cli(storeArgs, "set-global", "75").code).isZero();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Instant.now()).orElseThrow().totalBudget())
        .isEqualByComparingTo("75");

    assertThat(cli(storeArgs, "reset", "alice").code).isZero();
    assertThat(store.snapshot("alice", Instant.now()).orElseThrow().currentCost()).isZero();
    assertThat(store.snapshot("bob", Instant.now()).orElseThrow().currentCost()).isEqualByComparingTo("4.00");
    assertThat(cli(storeArgs, "reset", "--all").code).isZero();
    assertThat(store.snapshot("bob", Instant.now()).orElseThrow().currentCost()).isZero();
    assertThat(store.snapshot("bob", Instant.now()).orElseThrow().reserved()).isEqualByComparingTo("0.25");
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Instant.now()).orElseThrow().currentCost()).isZero();

    Cli nobody = cli(storeArgs, "show", "zed");
    assertThat(nobody.code).isEqualTo(1);
    assertThat(nobody.err).contains("no user 'zed'");
  }

  private static void charge(BudgetStore store, String user, String model, String dollars, Instant now) {
    store.charge(new String[] {BudgetStore.GLOBAL_KEY, user}, Picodollars.of(new BigDecimal(dollars)), model, now,
        Usage.of(model, 100, 10));
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  Cli cli(String[] storeArgs, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:off", "-XX:TieredStopAtLevel=1", "-jar", ChildJvm.AGENT_JAR.toString()));
    cmd.addAll(Arrays.asList(args));
    cmd.addAll(Arrays.asList(storeArgs));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the CLI did not finish in 60 s: " + cmd);
    }
    Cli r = new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
    System.out.println("---- cli " + String.join(" ", args) + " -> " + r.code + "\n" + r.out + r.err);
    return r;
  }
}
