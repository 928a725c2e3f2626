package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two real JVMs charging one file at the same time lose none of each other's charges. */
class LocalFileStoreMultiJvmTest {

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void theFileEndsWithTheSumOfBothJvmsCharges() throws Exception {
    Path file = dir.resolve("user_cost.json");
    int childCharges = 2_000;
    int ourCharges = 3_000;
    long amount = 7_000_000;
    try (ChildJvm child = new ChildJvm("charge", file.toString(), Integer.toString(childCharges), Long.toString(amount))) {
      assertThat(child.nextLine(10_000)).isEqualTo("started");
      try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofMillis(10))) {
        store.putBudgetIfAbsent(StoreChild.KEY, new BigDecimal("1000000"), null, Instant.now());
        String[] keys = {StoreChild.KEY};
        for (int i = 0; i < ourCharges; i++) {
          store.charge(keys, amount, "parent", Instant.now());
          LockSupport.parkNanos(100_000);
        }
      }
      assertThat(child.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(child.process.exitValue()).isZero();
    }

    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1))) {
      BudgetSnapshot s = store.snapshot(StoreChild.KEY, Instant.now()).orElseThrow();
      assertThat(Picodollars.of(s.currentCost())).isEqualTo((childCharges + ourCharges) * amount);
      assertThat(Picodollars.of(s.modelCost().get("child"))).isEqualTo(childCharges * amount);
      assertThat(Picodollars.of(s.modelCost().get("parent"))).isEqualTo(ourCharges * amount);
    }
  }
}
