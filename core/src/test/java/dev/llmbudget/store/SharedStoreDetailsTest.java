package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Details of the stores that share their budgets (a file other JVMs write, a budget server): two
 * writers converge on one creation time, a hand edit of the spend alone is taken, an idle store
 * notices another writer and never posts for nothing, leftovers of crashed writers are cleaned up,
 * and errors quote what they found.
 */
class SharedStoreDetailsTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  @TempDir
  Path dir;

  Path file() {
    return dir.resolve("user_cost.json");
  }

  LocalFileStore quiet() {
    return new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofHours(1), Clock.fixed(T0, ZoneOffset.UTC));
  }

  JsonNode onFile() throws Exception {
    return UserCostJson.MAPPER.readTree(file().toFile());
  }

  @Test
  void twoWritersThatCreatedTheSameEntryKeepTheEarlierCreationWhoeverWritesFirst() throws Exception {
    try (LocalFileStore late = quiet(); LocalFileStore early = quiet()) {
      late.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0.plusSeconds(5));
      early.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);

      late.flush(); // the file says T0+5
      early.flush(); // the earlier creation stands
      assertThat(onFile().at("/alice/created_at").asLong()).isEqualTo(T0.getEpochSecond());
      late.flush(); // and the later writer adopts it
      assertThat(late.snapshot("alice", T0.plusSeconds(5)).orElseThrow().createdAt()).isEqualTo(T0);
      assertThat(onFile().at("/alice/created_at").asLong()).isEqualTo(T0.getEpochSecond());
      assertThat(onFile().at("/alice/current_cost").decimalValue()).isEqualByComparingTo("2");
    }
  }

  /**
   * The same convergence when the earlier creation lies outside the ~584 years a long of epoch
   * nanoseconds spans (a hand-written or imported file): such a budget keeps its instant in terms of
   * its own, which the merge must replace too.
   */
  @Test
  void theEarlierCreationIsAdoptedEvenWhenItIsCenturiesAgo() throws Exception {
    Instant farBack = Instant.parse("1500-01-01T00:00:00Z");
    try (LocalFileStore late = quiet(); LocalFileStore early = quiet()) {
      late.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      early.putBudget("alice", new BigDecimal("10"), null, farBack);

      late.flush();
      early.flush();
      late.flush();

      BudgetSnapshot alice = late.snapshot("alice", T0).orElseThrow();
      assertThat(alice.createdAt()).isEqualTo(farBack);
      assertThat(alice.totalBudget()).isEqualByComparingTo("10");
      assertThat(alice.currentCost()).isEqualByComparingTo("1");
      assertThat(onFile().at("/alice/created_at").asLong()).isEqualTo(farBack.getEpochSecond());
    }
  }

  /** Another writer that changes a budget's period alone (the same limit) is adopted too. */
  @Test
  void anotherWritersChangeOfThePeriodAloneIsAdopted() throws Exception {
    try (LocalFileStore store = quiet()) {
      store.putBudget("alice", new BigDecimal("10"), dev.llmbudget.BudgetDuration.MONTHLY, T0);
      store.flush();
      try (LocalFileStore other = quiet()) {
        other.putBudget("alice", new BigDecimal("10"), dev.llmbudget.BudgetDuration.DAILY, T0);
      }

      store.flush();

      BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
      assertThat(alice.duration()).isEqualTo(dev.llmbudget.BudgetDuration.DAILY);
      assertThat(alice.nextReset()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    }
  }

  @Test
  void aHandEditOfTheSpendAloneIsTakenAsAnotherWritersSpend() throws Exception {
    try (LocalFileStore store = quiet()) {
      store.putBudget("alice", new BigDecimal("10"), null, T0);
      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      store.flush();

      ObjectNode root = (ObjectNode) onFile();
      ((ObjectNode) root.get("alice")).put("current_cost", new BigDecimal("3")); // model_cost untouched
      Files.write(file(), UserCostJson.MAPPER.writeValueAsBytes(root));
      store.flush();

      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("3");
    }
  }

  @Test
  void aHandEditOfTheModelBreakdownAloneIsTakenAndTheTotalStays() throws Exception {
    try (LocalFileStore store = quiet()) {
      store.putBudget("alice", new BigDecimal("10"), null, T0);
      store.charge(new String[] {"alice"}, 2 * DOLLAR, "gpt-4o", T0);
      store.flush();

      ObjectNode root = (ObjectNode) onFile();
      ObjectNode models = (ObjectNode) root.get("alice").get("model_cost");
      models.put("gpt-4o", new BigDecimal("1.5"));
      models.put("claude-3", new BigDecimal("0.5")); // current_cost untouched: the same $2
      Files.write(file(), UserCostJson.MAPPER.writeValueAsBytes(root));
      store.flush();

      BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
      assertThat(alice.currentCost()).isEqualByComparingTo("2");
      assertThat(alice.modelCost()).containsOnlyKeys("gpt-4o", "claude-3");
      assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("1.5");
      assertThat(alice.modelCost().get("claude-3")).isEqualByComparingTo("0.5");
    }
  }

  /** A flush that would write what the file already holds leaves it alone: no new file, no fsync. */
  @Test
  void aFlushWithNothingNewLeavesTheFileAsItIs() throws Exception {
    try (LocalFileStore store = quiet()) {
      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      store.flush();
      Object written = Files.readAttributes(file(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();

      store.flush();

      assertThat(written).isNotNull();
      assertThat(Files.readAttributes(file(), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
          .as("the same file, not one renamed over it").isEqualTo(written);
    }
  }

  /**
   * Two JVMs that created the same daily budget before either synced: the other's spend belongs to a
   * period that ended exactly at the instant this JVM merges, so it is not merged, and this JVM's
   * charge of the new day stays. (Taken as current, it moved the period back and the next read's
   * reset dropped this JVM's charge.)
   */
  @Test
  void anotherWritersSpendOfAPeriodThatEndedExactlyAtTheMergeIsLeftAndOursStays() throws Exception {
    Instant day1 = Instant.parse("2026-03-10T00:00:00Z");
    Instant day2 = Instant.parse("2026-03-11T00:00:00Z");
    try (LocalFileStore ours = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofHours(1),
        Clock.fixed(day2, ZoneOffset.UTC))) {
      try (LocalFileStore theirs = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofHours(1),
          Clock.fixed(day1, ZoneOffset.UTC))) {
        theirs.putBudget("alice", new BigDecimal("10"), dev.llmbudget.BudgetDuration.DAILY, day1);
        theirs.charge(new String[] {"alice"}, 3 * DOLLAR, "gpt-4o", day1.plusSeconds(60));
      }
      ours.putBudget("alice", new BigDecimal("10"), dev.llmbudget.BudgetDuration.DAILY, day1);
      ours.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", day2);

      ours.flush();

      BudgetSnapshot alice = ours.snapshot("alice", day2).orElseThrow();
      assertThat(alice.periodStart()).isEqualTo(day2);
      assertThat(alice.currentCost()).isEqualByComparingTo("1");
    }
  }

  @Test
  void anIdleStoreSeesAnotherWritersSpendWithinItsFlushInterval() throws Exception {
    try (LocalFileStore first = quiet()) { // the file exists before the idle store opens it
      first.charge(new String[] {"carol"}, DOLLAR, "gpt-4o", T0);
    }
    try (LocalFileStore idle = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofMillis(20), Clock.fixed(T0, ZoneOffset.UTC));
        LocalFileStore other = quiet()) {
      other.charge(new String[] {"bob"}, 2 * DOLLAR, "gpt-4o", T0);
      other.flush();

      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (idle.snapshot("bob", T0).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(idle.snapshot("bob", T0)).map(BudgetSnapshot::currentCost).hasValueSatisfying(
          c -> assertThat(c).isEqualByComparingTo("2"));
    }
  }

  @Test
  void leftoversOfACrashedWriterAreDeletedAtOpenAndNothingElse() throws Exception {
    Path leftover = dir.resolve("user_cost.json.k3j2h1.tmp");
    Path notes = dir.resolve("notes.tmp");
    Path backup = dir.resolve("user_cost.json.bak");
    for (Path p : new Path[] {leftover, notes, backup}) {
      Files.writeString(p, "{}");
    }

    quiet().close();

    assertThat(leftover).doesNotExist();
    assertThat(notes).exists();
    assertThat(backup).exists();
  }

  @Test
  void aFileThatIsNoUserDictSaysWhatItFound() throws Exception {
    Files.writeString(file(), "   ", StandardCharsets.UTF_8);
    assertThatThrownBy(this::quiet).isInstanceOf(BudgetStoreException.class)
        .hasMessageEndingWith("expected a JSON object of user -> budget, found nothing");
    Files.writeString(file(), "[1]", StandardCharsets.UTF_8);
    assertThatThrownBy(this::quiet).hasMessageEndingWith("expected a JSON object of user -> budget, found array");
    Files.writeString(file(), "42", StandardCharsets.UTF_8);
    assertThatThrownBy(this::quiet).hasMessageEndingWith("found number");
  }

  /**
   * JVMs sharing a file announce a threshold crossing once; the claim is forgotten a day after its
   * period ends (counted from the claim when the crossing was noticed after the end), and a line of
   * the claims file that is not a claim is skipped, not fatal.
   */
  @Test
  void alertClaimsAreForgottenExactlyADayAfterTheirPeriodAndLinesThatAreNoClaimsAreDropped() throws Exception {
    EvictionTest.HandClock clock = new EvictionTest.HandClock();
    clock.now = T0;
    long day = Duration.ofDays(1).toMillis();
    Instant end = T0.plusSeconds(3600);
    Path claims = dir.resolve(".user_cost.json.alerts");
    try (LocalFileStore a = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofHours(1), clock);
        LocalFileStore b = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofHours(1), clock)) {
      assertThat(a.claimAlert("alice", "0.8", T0, end)).isTrue();
      assertThat(b.claimAlert("alice", "0.8", T0, end)).as("the other JVM's claim is seen").isFalse();
      assertThat(b.claimAlert("bob", "1", T0, null)).as("a budget without a period").isTrue();
      assertThat(Files.readAllLines(claims)).contains("alice\t" + T0.toEpochMilli() + "\t0.8\t" + (end.toEpochMilli() + day));
      Files.writeString(claims, "no tab here\nalice\t1\t0.8\tnot-a-number\n", java.nio.file.StandardOpenOption.APPEND);

      clock.now = end.plusMillis(day); // the last instant the claim is kept
      assertThat(a.claimAlert("alice", "0.8", T0, end)).isFalse();
      assertThat(a.claimAlert("carol", "0.8", T0, end)).as("noticed after its period: kept a day from now").isTrue();
      assertThat(Files.readString(claims)).doesNotContain("no tab here").doesNotContain("not-a-number");

      clock.now = end.plusMillis(day + 1);
      assertThat(b.claimAlert("alice", "0.8", T0, end)).as("forgotten: claimed anew").isTrue();
      assertThat(b.claimAlert("bob", "1", T0, null)).as("never forgotten").isFalse();
      assertThat(a.claimAlert("carol", "0.8", T0, end)).isFalse();
      clock.now = end.plusMillis(2 * day + 1);
      assertThat(a.claimAlert("carol", "0.8", T0, end)).isTrue();
    }
  }

  // ---------------------------------------------------------------- the budget server

  HostedStore hosted(HostedStoreTest.BudgetServer server, Duration flushInterval) {
    return new HostedStore(server.base(), "proj", ZoneOffset.UTC, Duration.ofSeconds(10), flushInterval,
        Clock.fixed(T0, ZoneOffset.UTC));
  }

  @Test
  void anIdleHostedStorePostsNothingAndAClosedOneStopsPosting() throws Exception {
    HostedStoreTest.BudgetServer server = new HostedStoreTest.BudgetServer();
    try {
      HostedStore store = hosted(server, Duration.ofMillis(20));
      Thread.sleep(300);
      assertThat(server.setCalls.get()).isZero();

      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (server.setCalls.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.setCalls.get()).isEqualTo(1);

      store.close();
      int afterClose = server.setCalls.get();
      store.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      Thread.sleep(300);
      assertThat(server.setCalls.get()).isEqualTo(afterClose);
    } finally {
      server.stop();
    }
  }

  @Test
  void anAnswerThatIsNotJsonIsQuotedUpToTwoHundredCharacters() throws Exception {
    HostedStoreTest.BudgetServer server = new HostedStoreTest.BudgetServer();
    try {
      String exact = "x".repeat(200);
      server.getReply = ex -> HostedStoreTest.BudgetServer.reply(ex, 200, exact);
      assertThatThrownBy(() -> hosted(server, Duration.ofHours(1)))
          .isInstanceOf(BudgetStoreException.class)
          .hasMessageEndingWith("answered something that is not JSON: " + exact);

      server.getReply = ex -> HostedStoreTest.BudgetServer.reply(ex, 200, exact + "yz");
      assertThatThrownBy(() -> hosted(server, Duration.ofHours(1)))
          .hasMessageEndingWith("answered something that is not JSON: " + exact + "...");
    } finally {
      server.stop();
    }
  }

  @Test
  void aBaseUrlWithTrailingSlashesIsNamedWithoutThem() throws Exception {
    HostedStoreTest.BudgetServer server = new HostedStoreTest.BudgetServer();
    try (HostedStore store = new HostedStore(URI.create(server.base() + "//"), "proj", ZoneOffset.UTC,
        Duration.ofSeconds(10), Duration.ofHours(1))) {
      assertThat(store.describe()).isEqualTo("budget server " + server.base() + " project 'proj'");
    } finally {
      server.stop();
    }
  }
}
