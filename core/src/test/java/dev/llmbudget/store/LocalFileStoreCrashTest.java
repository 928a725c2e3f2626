package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A JVM killed with SIGKILL while charging loses at most the last flush interval and never tears the file. */
class LocalFileStoreCrashTest {

  /** Room for the flush thread to be scheduled and to write, beyond the interval itself. */
  private static final long SCHEDULING_SLACK_MILLIS = 500;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void killMinusNineLosesAtMostTheLastFlushInterval() throws Exception {
    Path file = dir.resolve("user_cost.json");
    long amount = 1_000_000;
    long batch;
    List<long[]> progress = new ArrayList<>();
    try (ChildJvm child = new ChildJvm("crash", file.toString(), Long.toString(amount))) {
      String first = child.nextLine(10_000);
      assertThat(first).as("the child reports its batch size").startsWith("batch ");
      batch = Long.parseLong(first.substring("batch ".length()));
      for (String line; (line = child.nextLine(5_000)) != null; ) {
        String[] parts = line.split(" ");
        progress.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
        if (Long.parseLong(parts[1]) >= 1_500) {
          break;
        }
      }
      child.process.destroyForcibly();
      assertThat(child.process.waitFor(5, TimeUnit.SECONDS)).isTrue();
      for (String line; (line = child.nextLine(1_000)) != null; ) {
        String[] parts = line.split(" ");
        if (parts.length == 2) {
          progress.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
        }
      }
    }
    long[] last = progress.get(progress.size() - 1);
    long mostCharged = last[0] + batch;
    long window = StoreChild.CRASH_FLUSH_INTERVAL.toMillis() + gapMillis(progress) + SCHEDULING_SLACK_MILLIS;
    long surelyFlushed = progress.stream().filter(p -> p[1] <= last[1] - window).mapToLong(p -> p[0]).max().orElse(0);

    long loaded;
    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, java.time.Duration.ofHours(1))) {
      BudgetSnapshot s = store.snapshot(StoreChild.KEY, Instant.now())
          .orElseThrow(() -> new AssertionError("no budget in " + read(file)));
      long byModel = Picodollars.of(s.modelCost().get("crash-model"));
      assertThat(byModel).as("the model is booked just after the spend, so it may trail it a little")
          .isPositive().isLessThanOrEqualTo(Picodollars.of(s.currentCost()));
      long pico = Picodollars.of(s.currentCost());
      assertThat(pico % amount).as("a whole number of charges").isZero();
      loaded = pico / amount;
    }

    assertThat(surelyFlushed).as("the child ran long enough to flush").isPositive();
    assertThat(loaded)
        .as("charges in the file after kill -9; last report %d at %d ms, loss window %d ms", last[0], last[1], window)
        .isBetween(surelyFlushed, mostCharged);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("reopening removes a temp file the killed JVM may have left")
          .containsExactlyInAnyOrder("user_cost.json", ".user_cost.json.lock");
    }
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void aNormalExitWithoutCloseFlushesEverythingFromTheShutdownHook() throws Exception {
    Path file = dir.resolve("user_cost.json");
    try (ChildJvm child = new ChildJvm("exit", file.toString(), "1000", "3000000")) {
      assertThat(child.process.waitFor(15, TimeUnit.SECONDS)).isTrue();
      assertThat(child.process.exitValue()).isZero();
    }
    try (LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, java.time.Duration.ofHours(1))) {
      BudgetSnapshot s = store.snapshot(StoreChild.KEY, Instant.now()).orElseThrow();
      assertThat(Picodollars.of(s.currentCost())).isEqualTo(1000 * 3_000_000L);
      assertThat(s.totalBudget()).isNull();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /** The longest time between two progress lines. */
  private static long gapMillis(List<long[]> progress) {
    long gap = 0;
    for (int i = 1; i < progress.size(); i++) {
      gap = Math.max(gap, progress.get(i)[1] - progress.get(i - 1)[1]);
    }
    return gap;
  }
}
