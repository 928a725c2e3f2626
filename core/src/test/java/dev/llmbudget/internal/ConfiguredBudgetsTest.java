package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 13 item 2: per-user budgets from llmbudget.user.budgets and llmbudget.budgets.file. */
class ConfiguredBudgetsTest {

  static final String FILE = "{\n"
      + "  \"users\": {\"alice\": {\"max_budget\": 5, \"duration\": \"monthly\"}, \"bob\": 20.25, \"carol\": {\"max_budget\": 7}},\n"
      + "  \"groups\": {\"support\": {\"max_budget\": 2, \"duration\": \"daily\", \"members\": [\"carol\", \"dave\", \"erin\"]}}\n"
      + "}\n";

  @TempDir
  Path dir;

  private final MemoryStore store = new MemoryStore("configured-budgets-test", ZoneOffset.UTC);
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);

  private static BudgetConfig config(String... keyValues) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(keyValues[i], keyValues[i + 1]);
    }
    return BudgetConfig.of(m);
  }

  private BudgetSnapshot budget(String user) {
    return store.snapshot(user, clock.instant()).orElseThrow(() -> new AssertionError("no budget for " + user));
  }

  @Test
  void inlineBudgetsBeatTheDefaultUserBudget() {
    BudgetConfig c = config("llmbudget.user.budgets", "alice:5, bob:0.000001", "llmbudget.user.max_budget", "100",
        "llmbudget.user.budget_duration", "weekly");
    ConfiguredBudgets.start(store, c, clock);
    BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN, clock,
        c.userMaxBudget(), c.userBudgetDuration());

    engine.keysFor("alice");
    engine.keysFor("zed");

    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("5");
    assertThat(budget("alice").duration()).isEqualTo(BudgetDuration.WEEKLY);
    assertThat(budget("zed").totalBudget()).isEqualByComparingTo("100");
    assertThatThrownBy(() -> engine.reserve("bob", new BigDecimal("0.00001")))
        .isInstanceOfSatisfying(BudgetExceededError.class, e -> assertThat(e.getMessage()).contains("bob"));
  }

  @Test
  void theFileGivesUsersAndGroupMembersTheirBudgetsAndTheInlineKeyWins() throws Exception {
    Path file = Files.writeString(dir.resolve("budgets.json"), FILE);
    BudgetConfig c = config("llmbudget.budgets.file", file.toString(), "llmbudget.user.budgets", "dave:9");

    ConfiguredBudgets.start(store, c, clock);

    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("5");
    assertThat(budget("alice").duration()).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(budget("bob").totalBudget()).isEqualByComparingTo("20.25");
    assertThat(budget("bob").duration()).isNull();
    assertThat(budget("carol").totalBudget()).as("a user's own entry beats their group's").isEqualByComparingTo("7");
    assertThat(budget("dave").totalBudget()).as("llmbudget.user.budgets beats the file").isEqualByComparingTo("9");
    assertThat(budget("erin").totalBudget()).isEqualByComparingTo("2");
    assertThat(budget("erin").duration()).isEqualTo(BudgetDuration.DAILY);
  }

  @Test
  void applyingKeepsSpendAndTouchesOnlyChangedBudgets() throws Exception {
    store.putBudget("alice", new BigDecimal("1"), null, clock.instant());
    store.charge(new String[] {"alice"}, dev.llmbudget.store.Picodollars.of(new BigDecimal("0.75")), "gpt-4o", clock.instant());

    int first = ConfiguredBudgets.apply(store, Map.of("alice", new ConfiguredBudgets.Terms(new BigDecimal("3"), null)), clock);
    int again = ConfiguredBudgets.apply(store, Map.of("alice", new ConfiguredBudgets.Terms(new BigDecimal("3.00"), null)), clock);

    assertThat(first).isEqualTo(1);
    assertThat(again).isZero();
    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("3");
    assertThat(budget("alice").currentCost()).isEqualByComparingTo("0.75");
  }

  @Test
  void aChangedFileIsReadAgainAndABrokenOneChangesNothing() throws Exception {
    Path file = Files.writeString(dir.resolve("budgets.json"), "{\"users\": {\"alice\": 5}}");
    BudgetConfig c = config("llmbudget.budgets.file", file.toString(), "llmbudget.store.flush_interval", "100ms");
    ConfiguredBudgets.start(store, c, clock);
    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("5");

    Files.writeString(file, "{\"users\": {\"alice\": 1.5, \"bob\": 2}}");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 2_000));
    awaitBudget("bob", "2");
    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("1.5");

    Files.writeString(file, "{\"users\": {\"alice\": ");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 4_000));
    Thread.sleep(500);
    assertThat(budget("alice").totalBudget()).isEqualByComparingTo("1.5");

    Files.writeString(file, "{\"users\": {\"alice\": 4}}");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 6_000));
    awaitBudget("alice", "4");
  }

  private void awaitBudget(String user, String amount) throws InterruptedException {
    long end = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < end) {
      var s = store.snapshot(user, clock.instant());
      if (s.isPresent() && s.get().totalBudget() != null && s.get().totalBudget().compareTo(new BigDecimal(amount)) == 0) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(user + " never got a budget of " + amount + ": " + store.snapshot(user, clock.instant()));
  }

  @Test
  void badConfigurationIsRefusedWithAMessageThatNamesIt() throws Exception {
    assertThatThrownBy(() -> config("llmbudget.user.budgets", "alice=5"))
        .hasMessageContaining("llmbudget.user.budgets").hasMessageContaining("user:amount");
    assertThatThrownBy(() -> config("llmbudget.user.budgets", "alice:lots"))
        .hasMessageContaining("llmbudget.user.budgets").hasMessageContaining("'lots' is not a dollar amount");
    assertThatThrownBy(() -> config("llmbudget.user.budgets", "alice:-1"))
        .hasMessageContaining("alice").hasMessageContaining("negative");

    Path missing = dir.resolve("nope.json");
    assertThatThrownBy(() -> ConfiguredBudgets.validate(config("llmbudget.budgets.file", missing.toString())))
        .hasMessageContaining("llmbudget.budgets.file").hasMessageContaining("nope.json").hasMessageContaining("no such file");
    assertThat(bad("{\"users\": {\"alice\": {\"budget\": 5}}}")).contains("user \"alice\"").contains("unknown field \"budget\"");
    assertThat(bad("{\"users\": {\"alice\": \"5\"}}")).contains("user \"alice\"");
    assertThat(bad("{\"users\": {\"alice\": {\"max_budget\": 5, \"duration\": \"fortnightly\"}}}")).contains("fortnightly");
    assertThat(bad("{\"groups\": {\"ops\": {\"max_budget\": 5}}}")).contains("group \"ops\"").contains("members");
    assertThat(bad("{\"groups\": {\"a\": {\"max_budget\": 5, \"members\": [\"x\"]}, \"b\": {\"max_budget\": 6, \"members\": [\"x\"]}}}"))
        .contains("\"x\" is in two groups");
    assertThat(bad("{\"user\": {}}")).contains("unknown field \"user\"");
    assertThat(bad("{\"users\": {\"alice\": -2}}")).contains("between 0");
    assertThat(bad("[1, 2]")).contains("must be a JSON object");
    assertThat(bad("{\"users\": ")).contains("not valid JSON");
    // an exponent past an int: the parser's NumberFormatException arrives as the file's error
    assertThat(bad("{\"users\": {\"alice\": 1e99999999999}}")).contains("not valid JSON").contains("1e99999999999");
  }

  private String bad(String json) throws Exception {
    Path file = Files.writeString(Files.createTempFile(dir, "budgets", ".json"), json);
    try {
      ConfiguredBudgets.validate(config("llmbudget.budgets.file", file.toString()));
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains("llmbudget.budgets.file").contains(file.getFileName().toString());
      return e.getMessage();
    }
    throw new AssertionError("accepted " + json);
  }
}
