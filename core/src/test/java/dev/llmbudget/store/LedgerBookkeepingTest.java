package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.internal.LogCapture;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ledger rules that the store contract does not pin on its own: a change of duration re-times the
 * period, a single change is enough for the background flush to write it, lease tombstones are
 * forgotten on time without an explicit scan, the expiry log line, and a lower figure written into
 * the shared file by hand.
 */
class LedgerBookkeepingTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z"); // a Tuesday
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);
  static final String GLOBAL = BudgetStore.GLOBAL_KEY;

  @TempDir
  Path dir;

  static BigDecimal usd(String s) {
    return new BigDecimal(s);
  }

  static String[] keys(String... k) {
    return k;
  }

  @Test
  void changingADurationMovesTheNextResetAndKeepsTheSpend() {
    MemoryStore store = new MemoryStore("m", ZoneOffset.UTC);
    store.putBudget("alice", usd("10"), BudgetDuration.DAILY, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    assertThat(store.snapshot("alice", T0).orElseThrow().nextReset()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));

    store.putBudget("alice", usd("10"), BudgetDuration.WEEKLY, T0);

    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.nextReset()).isEqualTo(Instant.parse("2026-03-16T00:00:00Z"));
    assertThat(alice.duration()).isEqualTo(BudgetDuration.WEEKLY);
    assertThat(alice.currentCost()).isEqualByComparingTo("1");
    // the day is over, the week is not: the dollar is still spent
    assertThat(store.snapshot("alice", Instant.parse("2026-03-12T09:00:00Z")).orElseThrow().currentCost())
        .isEqualByComparingTo("1");
  }

  @Test
  void aBudgetWithoutALimitButWithADurationStartsAFreshPeriodWhenItsPeriodEnds() {
    MemoryStore store = new MemoryStore("m", ZoneOffset.UTC);
    store.putBudget("alice", null, BudgetDuration.DAILY, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);

    BudgetSnapshot today = store.snapshot("alice", T0).orElseThrow();
    assertThat(today.totalBudget()).isNull();
    assertThat(today.duration()).isEqualTo(BudgetDuration.DAILY);
    assertThat(today.nextReset()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    assertThat(today.currentCost()).isEqualByComparingTo("1");

    BudgetSnapshot tomorrow = store.snapshot("alice", Instant.parse("2026-03-11T09:00:00Z")).orElseThrow();
    assertThat(tomorrow.currentCost()).isZero();
    assertThat(tomorrow.modelCost()).isEmpty();
    assertThat(tomorrow.periodStart()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
  }

  /**
   * A ledger shares one terms object per distinct limit and period and one string per model name,
   * up to 10,000 of each: past the cap, a budget still keeps its own limit and a model its own name.
   */
  @Test
  void budgetsAndModelsBeyondTheTenThousandALedgerSharesKeepTheirLimitsAndNames() {
    MemoryStore store = new MemoryStore("m", ZoneOffset.UTC);
    for (int i = 1; i <= 10_001; i++) {
      store.putBudget("user-" + i, BigDecimal.valueOf(i), null, T0);
    }
    for (int i : new int[] {10_000, 10_001}) {
      String[] user = keys("user-" + i);
      assertThat(store.snapshot(user[0], T0).orElseThrow().totalBudget()).isEqualByComparingTo(BigDecimal.valueOf(i));
      assertThat(store.reserve(store.newReservationId(), user, (i + 1) * DOLLAR, T0, T0.plusSeconds(60)).isOk())
          .isFalse();
      assertThat(store.reserve(store.newReservationId(), user, i * DOLLAR, T0, T0.plusSeconds(60)).isOk()).isTrue();
    }

    for (int m = 0; m <= 10_000; m++) {
      store.charge(keys("bob"), DOLLAR / 1000, "model-" + m, T0);
    }
    BudgetSnapshot bob = store.snapshot("bob", T0).orElseThrow();
    assertThat(bob.currentCost()).isEqualByComparingTo("10.001");
    assertThat(bob.modelCost()).hasSize(10_001);
    assertThat(bob.modelCost().get("model-10000")).isEqualByComparingTo("0.001");
  }

  /** Two limits whose hashes collide (1 and 2^32 picodollars) are still two limits, not one shared. */
  @Test
  void limitsWithTheSameHashAreNotTakenForOneAnother() {
    MemoryStore store = new MemoryStore("m", ZoneOffset.UTC);
    store.putBudget("tiny", new BigDecimal("0.000000000001"), null, T0);
    store.putBudget("twin", new BigDecimal("0.004294967296"), null, T0);

    assertThat(store.snapshot("tiny", T0).orElseThrow().totalBudget()).isEqualByComparingTo("0.000000000001");
    assertThat(store.snapshot("twin", T0).orElseThrow().totalBudget()).isEqualByComparingTo("0.004294967296");
  }

  // ---------------------------------------------------------------- the background flush

  LocalFileStore openFlushingOften(Path file) {
    return new LocalFileStore(file, ZoneOffset.UTC, Duration.ofMillis(20), Clock.fixed(T0, ZoneOffset.UTC));
  }

  /** Waits up to 10 s for the file to show what {@code shown} asks: the flush thread writes it, nobody else. */
  void awaitFile(Path file, Predicate<JsonNode> shown) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      if (Files.exists(file)) {
        try {
          last = UserCostJson.MAPPER.readTree(file.toFile());
          if (shown.test(last)) {
            return;
          }
        } catch (java.io.IOException racedWithARename) {
          // read again
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the flush thread did not write the change; the file is " + last);
  }

  @Test
  void aNewBudgetAloneIsWrittenByTheFlushThread() throws Exception {
    Path file = dir.resolve("put.json");
    try (LocalFileStore store = openFlushingOften(file)) {
      store.putBudget("alice", usd("5"), null, T0);
      awaitFile(file, f -> f.at("/alice/total_budget").decimalValue().compareTo(usd("5")) == 0);

      store.putBudget("alice", usd("7"), null, T0); // a change of limit alone
      awaitFile(file, f -> f.at("/alice/total_budget").decimalValue().compareTo(usd("7")) == 0);
    }
  }

  @Test
  void aDefaultBudgetAloneIsWrittenByTheFlushThread() throws Exception {
    Path file = dir.resolve("default.json");
    try (LocalFileStore store = openFlushingOften(file)) {
      assertThat(store.putBudgetIfAbsent("bob", usd("3"), null, T0)).isTrue();
      assertThat(store.putBudgetIfAbsent("bob", usd("4"), null, T0)).isFalse();
      awaitFile(file, f -> f.at("/bob/total_budget").decimalValue().compareTo(usd("3")) == 0);
    }
  }

  @Test
  void aManualResetAloneIsWrittenByTheFlushThread() throws Exception {
    Path file = dir.resolve("reset.json");
    Files.writeString(file, "{\"alice\": {\"total_budget\": 10, \"current_cost\": 3, \"model_cost\": {\"gpt-4o\": 3},"
        + " \"created_at\": " + T0.getEpochSecond() + ", \"last_updated_at\": " + T0.getEpochSecond() + "}}",
        StandardCharsets.UTF_8);
    try (LocalFileStore store = openFlushingOften(file)) {
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("3");
      store.resetCost("alice", T0.plusSeconds(60));
      awaitFile(file, f -> f.at("/alice/current_cost").decimalValue().signum() == 0
          && f.at("/alice/last_updated_at").asLong() == T0.plusSeconds(60).getEpochSecond());
    }
  }

  // ---------------------------------------------------------------- leases

  MemoryStore withGlobalBudget() {
    MemoryStore store = new MemoryStore("m", ZoneOffset.UTC);
    store.putBudget(GLOBAL, usd("10"), null, T0);
    return store;
  }

  long reserve(MemoryStore store, String dollars, Duration lease) {
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys(GLOBAL), Picodollars.of(usd(dollars)), T0, T0.plus(lease)).isOk()).isTrue();
    return id;
  }

  @Test
  void anExpiredReservationIsForgottenOneLeaseLaterWithoutAnExplicitScan() {
    MemoryStore store = withGlobalBudget();
    long id = reserve(store, "0.5", Duration.ofSeconds(1));

    assertThat(store.snapshot(GLOBAL, T0.plusSeconds(1)).orElseThrow().reserved()).isZero(); // released
    store.snapshot(GLOBAL, T0.plusSeconds(2)); // one lease later: forgotten

    assertThat(store.settle(id, DOLLAR / 10, "gpt-4o", T0.plusSeconds(2))).isFalse();
    assertThat(store.snapshot(GLOBAL, T0.plusSeconds(2)).orElseThrow().currentCost()).isZero();
  }

  @Test
  void anExpiredReservationIsForgottenAtExactlyOneLeaseAfterItsExpiry() {
    MemoryStore store = withGlobalBudget();
    long id = reserve(store, "0.5", Duration.ofSeconds(1));
    assertThat(store.expireLeases(T0.plusSeconds(1))).isEqualTo(1);

    assertThat(store.expireLeases(T0.plusSeconds(2))).isZero();

    assertThat(store.settle(id, DOLLAR / 10, "gpt-4o", T0.plusSeconds(2))).isFalse();
  }

  @Test
  void aScanBetweenExpiryAndForgettingKeepsTheForgettingDue() {
    MemoryStore store = withGlobalBudget();
    long a = reserve(store, "0.5", Duration.ofSeconds(1));
    reserve(store, "0.25", Duration.ofSeconds(5));
    assertThat(store.expireLeases(T0.plusSeconds(1))).isEqualTo(1);
    assertThat(store.expireLeases(T0.plusMillis(1500))).isZero();

    store.snapshot(GLOBAL, T0.plusSeconds(2)); // a's tombstone is due; b's lease is not

    assertThat(store.settle(a, DOLLAR / 10, "gpt-4o", T0.plusSeconds(2))).isFalse();
    assertThat(store.snapshot(GLOBAL, T0.plusSeconds(2)).orElseThrow().reserved()).isEqualByComparingTo("0.25");
  }

  @Test
  void expiredLeasesAreLoggedOnceAScanWithTheirCountLeaseAndAnExample() {
    MemoryStore store = withGlobalBudget();
    reserve(store, "0.5", Duration.ofMinutes(10));
    reserve(store, "0.5", Duration.ofMinutes(10));
    try (LogCapture log = new LogCapture()) {
      assertThat(store.expireLeases(T0.plus(Duration.ofMinutes(10)))).isEqualTo(2);

      assertThat(log.messages()).filteredOn(m -> m.contains("not settled within its lease")).singleElement()
          .isEqualTo("llm-budget: released 2 reservations not settled within its lease of 10m "
              + "(llmbudget.reservation_ttl), e.g. $0.5 for the global budget; a call that completes later is still "
              + "charged what it used");
    }
    reserve(store, "0.25", Duration.ofSeconds(30));
    try (LogCapture log = new LogCapture()) {
      assertThat(store.expireLeases(T0.plus(Duration.ofMinutes(20)))).isEqualTo(1);

      assertThat(log.messages()).filteredOn(m -> m.contains("not settled within its lease")).singleElement()
          .asString().startsWith("llm-budget: released 1 reservation not settled within its lease of 30s ")
          .contains("e.g. $0.25 for the global budget");
    }
  }

  // ---------------------------------------------------------------- the shared file

  @Test
  void aLowerSpendWrittenIntoTheFileByHandIsTakenAsIs() throws Exception {
    Path file = dir.resolve("user_cost.json");
    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), Clock.fixed(T0, ZoneOffset.UTC))) {
      store.putBudget("alice", usd("10"), null, T0);
      store.charge(keys("alice"), 3 * DOLLAR, "gpt-4o", T0);
      store.flush();

      // an operator refunds two dollars in the file while the JVM runs
      ObjectNode root = (ObjectNode) UserCostJson.MAPPER.readTree(file.toFile());
      ((ObjectNode) root.get("alice")).put("current_cost", BigDecimal.ONE);
      ((ObjectNode) root.get("alice").get("model_cost")).put("gpt-4o", BigDecimal.ONE);
      Files.write(file, UserCostJson.MAPPER.writeValueAsBytes(root));
      store.charge(keys("alice"), DOLLAR / 2, "gpt-4o", T0);
      store.flush();

      BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
      assertThat(alice.currentCost()).isEqualByComparingTo("1.5");
      assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("1.5");
    }
  }

  // ---------------------------------------------------------------- numbers in the file

  void writeAlice(Path file, String costJson) throws Exception {
    Files.writeString(file, "{\"alice\": {\"total_budget\": 10, \"current_cost\": " + costJson + "}}",
        StandardCharsets.UTF_8);
  }

  @Test
  void aCostOfTwentyDigitsIsRefusedAsBeyondTheLargestAmountAndOneOfTwentyOneAsOutOfRange() throws Exception {
    Path file = dir.resolve("big.json");
    writeAlice(file, "12345678901234567890");
    assertThatThrownBy(() -> new LocalFileStore(file))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("user 'alice': current_cost: amount $12345678901234567890 is beyond the largest supported amount");

    writeAlice(file, "123456789012345678901");
    assertThatThrownBy(() -> new LocalFileStore(file))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageEndingWith("user 'alice': current_cost is out of range: 123456789012345678901");

    writeAlice(file, "1234567890123456789012345678901234567890"); // 40 characters: shown whole
    assertThatThrownBy(() -> new LocalFileStore(file))
        .hasMessageEndingWith("current_cost is out of range: 1234567890123456789012345678901234567890");

    writeAlice(file, "12345678901234567890123456789012345678901"); // 41: cut at 40
    assertThatThrownBy(() -> new LocalFileStore(file))
        .hasMessageEndingWith("current_cost is out of range: 1234567890123456789012345678901234567890...");
  }

  @Test
  void aCostWithAThousandDecimalPlacesIsReadRoundedUpAndOneMoreIsRefused() throws Exception {
    Path file = dir.resolve("fine.json");
    writeAlice(file, "1E-1000"); // written out, longer than Jackson reads
    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), Clock.fixed(T0, ZoneOffset.UTC))) {
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("0.000000000001");
    }

    writeAlice(file, "1E-1001");
    assertThatThrownBy(() -> new LocalFileStore(file))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("user 'alice': current_cost is out of range: 1E-1001");
  }
}
