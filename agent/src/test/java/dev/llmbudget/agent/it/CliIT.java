package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's CLI as operators run it: {@code java -jar llm-budget-agent.jar COMMAND} in its own
 * process, against a real store file, and, for the last test, while an application with the agent
 * keeps calling on that file.
 */
class CliIT {

  /** A store as LiteLLM and the agent write it: a global budget, three users with limits, one without. */
  static final String FLEET = "{\n"
      + " \"$global\": {\"total_budget\": 50, \"current_cost\": 23.4, \"model_cost\": {\"gpt-4o\": 15.1,"
      + " \"gpt-4o-mini\": 2.3, \"claude-sonnet-4-5\": 6.0}, \"duration\": \"monthly\", \"created_at\": 1793491200,"
      + " \"last_updated_at\": 1793491200},\n"
      + " \"alice\": {\"total_budget\": 10, \"current_cost\": 9.1, \"model_cost\": {\"gpt-4o\": 8.0, \"gpt-4o-mini\": 1.1},"
      + " \"duration\": \"monthly\", \"created_at\": 1793491200, \"last_updated_at\": 1793491200},\n"
      + " \"bob\": {\"total_budget\": 20, \"current_cost\": 4.0, \"model_cost\": {\"claude-sonnet-4-5\": 4.0},"
      + " \"duration\": \"monthly\", \"created_at\": 1793491200, \"last_updated_at\": 1793491200},\n"
      + " \"carol\": {\"total_budget\": 5, \"current_cost\": 5.0, \"model_cost\": {\"gpt-4o\": 5.0},"
      + " \"duration\": \"monthly\", \"created_at\": 1793491200, \"last_updated_at\": 1793491200},\n"
      + " \"batch-job\": {\"current_cost\": 5.3, \"model_cost\": {\"gpt-4o-mini\": 1.2, \"claude-sonnet-4-5\": 2.0,"
      + " \"gpt-4o\": 2.1}, \"created_at\": 1793491200, \"last_updated_at\": 1793491200}\n"
      + "}\n";

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  record Cli(int code, String out, String err) {}

  /** Runs {@code java -jar <agent jar> args...} in {@link #dir} and waits for it. */
  Cli cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:off", "-XX:TieredStopAtLevel=1", "-jar", ChildJvm.AGENT_JAR.toString()));
    cmd.addAll(Arrays.asList(args));
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

  Path fleet() throws IOException {
    return Files.writeString(dir.resolve("user_cost.json"), FLEET);
  }

  @Test
  void reportShowsTheGlobalBudgetFirstThenUsersByShareUsed() throws Exception {
    fleet();

    Cli r = cli("report");

    assertThat(r.code).isZero();
    List<String> lines = r.out.lines().toList();
    List<String> rows = lines.subList(2, lines.size() - 1).stream().map(l -> l.split("\\s+")[0]).toList();
    assertThat(rows).containsExactly("(global)", "carol", "alice", "bob", "batch-job");
    // the local file does not record running JVMs' reservations: said, not shown as $0
    assertThat(lines.get(lines.size() - 1)).startsWith("reserved n/a: this store does not record");
    assertThat(r.out).containsPattern("alice\\s+\\$9\\.10\\s+\\$10\\.00\\s+91\\.00%\\s+n/a\\s");
    assertThat(r.out).contains("$23.40  $50.00   46.80%").contains("100.00%").contains("91.00%")
        .contains("gpt-4o $8.00, gpt-4o-mini $1.10").contains("monthly");
  }

  @Test
  void reportAsJsonAndCsvCarriesExactAmounts() throws Exception {
    fleet();

    JsonNode json = JSON.readTree(cli("report", "--json").out);
    Cli csv = cli("report", "--csv");

    assertThat(json.get("global").get("budget").decimalValue()).isEqualByComparingTo("50");
    assertThat(json.get("global").get("spent").decimalValue()).isEqualByComparingTo("23.4");
    assertThat(json.get("users").get(0).get("user").asText()).isEqualTo("carol");
    assertThat(json.get("users").get(1).get("models").get("gpt-4o-mini").decimalValue()).isEqualByComparingTo("1.1");
    assertThat(json.get("users").get(3).get("budget").isNull()).isTrue();
    assertThat(csv.code).isZero();
    assertThat(csv.out.lines().toList()).first().isEqualTo(
        "user,spent_usd,budget_usd,percent_used,reserved_usd,duration,next_reset,models");
    // the local file does not record running JVMs' reservations: unknown, not $0
    assertThat(csv.out).contains("\nalice,9.10,10.00,91.00,,monthly,2026-12-01T00:00:00Z,gpt-4o=8.00;gpt-4o-mini=1.10\n")
        .contains("\nbatch-job,5.30,,,,,,");
    assertThat(json.get("global").get("reserved").isNull()).isTrue();
  }

  @Test
  void setBudgetSetGlobalShowUsersAndResetChangeTheFile() throws Exception {
    fleet();

    assertThat(cli("set-budget", "dave", "2.50", "--duration", "weekly").code).isZero();
    assertThat(cli("set-budget", "alice", "30").code).isZero();
    assertThat(cli("set-global", "75", "--duration", "daily").code).isZero();
    Cli users = cli("users");
    Cli alice = cli("show", "alice");
    JsonNode aliceJson = JSON.readTree(cli("show", "alice", "--json").out);

    assertThat(users.out.lines().toList()).containsExactly("alice", "batch-job", "bob", "carol", "dave");
    assertThat(alice.out).contains("budget:       $30.00").contains("spent:        $9.10").contains("resets:       monthly")
        .contains("gpt-4o  $8.00");
    assertThat(aliceJson.get("budget").decimalValue()).isEqualByComparingTo("30");
    JsonNode file = JSON.readTree(dir.resolve("user_cost.json").toFile());
    assertThat(file.get("dave").get("total_budget").decimalValue()).isEqualByComparingTo("2.5");
    assertThat(file.get("dave").get("duration").asText()).isEqualTo("weekly");
    assertThat(file.get("alice").get("current_cost").decimalValue()).isEqualByComparingTo("9.1");
    assertThat(file.get("$global").get("total_budget").decimalValue()).isEqualByComparingTo("75");
    assertThat(file.get("$global").get("duration").asText()).isEqualTo("daily");

    Cli reset = cli("reset", "alice");
    assertThat(reset.code).isZero();
    file = JSON.readTree(dir.resolve("user_cost.json").toFile());
    assertThat(file.get("alice").get("current_cost").decimalValue()).isZero();
    assertThat(file.get("bob").get("current_cost").decimalValue()).isEqualByComparingTo("4");

    assertThat(cli("reset", "--all").code).isZero();
    file = JSON.readTree(dir.resolve("user_cost.json").toFile());
    for (String key : List.of("$global", "alice", "bob", "carol", "batch-job", "dave")) {
      assertThat(file.get(key).get("current_cost").decimalValue()).as(key).isZero();
    }
  }

  @Test
  void theStoreOptionsAndPropertiesNameTheFile() throws Exception {
    Path elsewhere = Files.createDirectories(dir.resolve("var/lib"));
    Files.writeString(elsewhere.resolve("costs.json"), FLEET);

    Cli byOption = cli("users", "--path", "var/lib/costs.json");
    Cli byProperty = cli("users");

    assertThat(byOption.code).isZero();
    assertThat(byOption.out).contains("alice");
    assertThat(byProperty.code).as("the default user_cost.json is not in the working directory").isEqualTo(2);
    assertThat(byProperty.err).contains("no store file").contains("user_cost.json");
    Cli viaSystemProperty = cliWithJvmArgs(List.of("-Dllmbudget.store.path=var/lib/costs.json"), "users");
    assertThat(viaSystemProperty.code).isZero();
    assertThat(viaSystemProperty.out).contains("carol");
  }

  Cli cliWithJvmArgs(List<String> jvmArgs, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", ChildJvm.AGENT_JAR.toString()));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
    return new Cli(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void usageErrorsExitOneAndNameTheProblem() throws Exception {
    fleet();

    Cli none = cli();
    Cli unknown = cli("spend");
    Cli option = cli("report", "--jsn");
    Cli missing = cli("set-budget", "alice");
    Cli amount = cli("set-budget", "alice", "five");
    Cli negative = cli("set-global", "-5");
    Cli duration = cli("set-budget", "alice", "5", "--duration", "fortnightly");
    Cli nobody = cli("show", "zed");
    Cli memory = cli("report", "--store", "memory");

    assertThat(List.of(none, unknown, option, missing, amount, negative, duration, nobody, memory))
        .allSatisfy(r -> assertThat(r.code).isEqualTo(1));
    assertThat(none.err).contains("usage: java -jar llm-budget-agent.jar COMMAND");
    assertThat(unknown.err).contains("unknown command 'spend'").contains("report");
    assertThat(option.err).contains("unknown option --jsn").contains("--json");
    assertThat(missing.err).contains("takes 2 arguments").contains("set-budget USER AMOUNT");
    assertThat(amount.err).contains("'five' is not a dollar amount");
    assertThat(negative.err).contains("-5");
    assertThat(duration.err).contains("fortnightly");
    assertThat(nobody.err).contains("no user 'zed'");
    assertThat(memory.err).contains("memory store");
    assertThat(Files.readString(dir.resolve("user_cost.json"))).isEqualTo(FLEET);
  }

  @Test
  void anUnreachableStoreExitsTwo() throws Exception {
    Cli noFile = cli("report", "--path", "nowhere/user_cost.json");
    Cli corrupt;
    Files.writeString(dir.resolve("broken.json"), "{\"alice\": {\"current_cost\": ");
    corrupt = cli("report", "--path", "broken.json");
    Cli deadServer;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = s.getLocalPort();
      s.close();
      deadServer = cli("report", "--store", "hosted", "--api-base", "http://127.0.0.1:" + port);
    }

    assertThat(noFile.code).isEqualTo(2);
    assertThat(noFile.err).contains("no store file").contains("nowhere");
    assertThat(corrupt.code).isEqualTo(2);
    assertThat(corrupt.err).contains("broken.json");
    assertThat(deadServer.code).isEqualTo(2);
    assertThat(deadServer.err).contains("store unreachable").contains("127.0.0.1");
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    Cli general = cli("--help");
    assertThat(general.code).isZero();
    for (String command : List.of("report", "users", "show", "set-budget", "set-global", "reset")) {
      assertThat(general.out).contains("  " + command);
      Cli help = cli(command, "--help");
      assertThat(help.code).as(command).isZero();
      assertThat(help.out).as(command).startsWith("usage: java -jar llm-budget-agent.jar " + command)
          .contains("--store").contains("Exit codes");
    }
  }

  @Test
  void theHtmlReportDrawsOneBarPerUserInAHeadlessBrowser() throws Exception {
    fleet();
    Path html = dir.resolve("report.html");

    Cli r = cli("report", "--html", html.toString());

    assertThat(r.code).isZero();
    String page = Files.readString(html);
    assertThat(page).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=").doesNotContain("http")
        .contains("<svg");
    String chromium = chromium();
    String dom = run(List.of(chromium, "--dump-dom", html.toUri().toString()), chromiumFlags());
    List<String> bars = matches(dom, "<g [^>]*class=\"user-bar [a-z]+\" data-user=\"([^\"]+)\"");
    assertThat(bars).containsExactly("carol", "alice", "bob", "batch-job");
    assertThat(matches(dom, "<g [^>]*class=\"global-bar [a-z]+\" data-user=\"([^\"]+)\"")).hasSize(1);
    assertThat(matches(dom, "<g [^>]*class=\"model-bar\" data-model=\"([^\"]+)\""))
        .containsExactly("gpt-4o", "claude-sonnet-4-5", "gpt-4o-mini");
    assertThat(dom).contains("class=\"user-bar over\" data-user=\"carol\"").contains("class=\"user-bar warn\" data-user=\"alice\"");

    Path png = Path.of("target", "cli-report.png").toAbsolutePath();
    Files.deleteIfExists(png);
    run(List.of(chromium, "--hide-scrollbars", "--window-size=1000,760", "--screenshot=" + png, html.toUri().toString()),
        chromiumFlags());
    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  @Test
  void aUserIdIsTextInTheHtmlReportNeverMarkup() throws Exception {
    String evil = "<script>alert(1)</script>\\\"&'";
    assertThat(cli("set-budget", evil, "1").code).isZero();
    Path html = dir.resolve("report.html");

    assertThat(cli("report", "--html", html.toString()).code).isZero();

    String page = Files.readString(html);
    assertThat(page).doesNotContain("<script").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .contains("data-user=\"&lt;script&gt;alert(1)&lt;/script&gt;\\&quot;&amp;&#39;\"");
  }

  private List<String> chromiumFlags() throws IOException {
    return List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
  }

  /** Chromium on the PATH; absent, the test is skipped on a developer's machine but fails in CI. */
  private static String chromium() {
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(d, name))) {
          return Path.of(d, name).toString();
        }
      }
    }
    String message = "no chromium on the PATH: the HTML report's rendering is not checked "
        + "(Debian: apt-get install -y chromium)";
    if (System.getenv("CI") != null) {
      fail(message + "; CI must install it");
    }
    Assumptions.abort(message);
    return null;
  }

  /** Runs a browser command, its flags after the program, and returns its stdout. */
  private String run(List<String> command, List<String> flags) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(command.get(0));
    cmd.addAll(flags);
    cmd.addAll(command.subList(1, command.size()));
    Path out = Files.createTempFile(dir, "chromium", ".out");
    Path err = Files.createTempFile(dir, "chromium", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("chromium did not finish in 90 s: " + cmd + "\n" + Files.readString(err));
    }
    if (p.exitValue() != 0) {
      fail("chromium failed (exit " + p.exitValue() + "): " + cmd + "\n" + Files.readString(err));
    }
    return Files.readString(out);
  }

  private static List<String> matches(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /**
   * Issue 13: a running application sees a budget the CLI set within one flush interval of the local
   * store. The app keeps calling as alice with a generous default budget; the CLI gives her less than
   * she has spent; her next calls are refused, no later than the interval (plus the time the app's
   * own call and the flush take) after the CLI returned.
   */
  @Test
  void aRunningAppIsBlockedWithinOneFlushIntervalAfterSetBudget() throws Exception {
    Path file = dir.resolve("user_cost.json");
    Path stop = dir.resolve("stop");
    Path log = dir.resolve("app.out");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      List<String> cmd = new ChildJvm().systemProperty("llmbudget.store.path", file.toString())
          .systemProperty("llmbudget.store.flush_interval", "1s")
          .systemProperty("llmbudget.user.max_budget", "100").systemProperty("llmbudget.quiet", "true")
          .command(LoopApp.class.getName(), llm.openAiBaseUrl(), "alice", stop.toString());
      Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        waitFor(() -> Files.exists(file) && Files.readString(file).contains("\"alice\"")
            && Files.readString(file).contains("gpt-4o-mini") && count(log, "OK") >= 5, 60_000, log);
        assertThat(count(log, "BLOCKED")).isZero();

        Cli set = cli("set-budget", "alice", "0.000001");
        long changed = System.currentTimeMillis();
        assertThat(set.code).isZero();

        waitFor(() -> count(log, "BLOCKED") >= 3, 15_000, log);
        long firstBlocked = Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith("BLOCKED"))
            .mapToLong(l -> Long.parseLong(l.split(" ")[1])).min().orElseThrow();
        assertThat(firstBlocked - changed).as("ms from the CLI's change to the first refused call")
            .isLessThanOrEqualTo(1_000 + 1_500);
        List<String> after = Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL "))
            .filter(l -> Long.parseLong(l.split(" ")[1]) > firstBlocked).toList();
        assertThat(after).allMatch(l -> l.endsWith("BLOCKED"));
      } finally {
        Files.writeString(stop, "");
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
      }
      System.out.println("---- app\n" + Files.readString(log));
      JsonNode after = JSON.readTree(file.toFile());
      assertThat(after.get("alice").get("total_budget").decimalValue()).isEqualByComparingTo("0.000001");
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check, long millis, Path log) throws Exception {
    long end = System.currentTimeMillis() + millis;
    while (!check.ok()) {
      if (System.currentTimeMillis() > end) {
        fail("gave up after " + millis + " ms; the app printed:\n" + (Files.exists(log) ? Files.readString(log) : ""));
      }
      Thread.sleep(50);
    }
  }

  private static long count(Path log, String result) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith(" " + result)).count();
  }
}
