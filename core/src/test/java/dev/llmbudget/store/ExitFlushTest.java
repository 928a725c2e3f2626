package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.internal.LogCapture;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the exit hook ({@link ExitFlush#flushAll}, the work the hook thread runs at JVM exit) leaves
 * in real files: the spend of stores the application never closed, nothing from stores it closed.
 * The hook itself, in a JVM that really exits, is what {@code LocalFileStoreCrashTest} and
 * {@code LocalFileStoreMultiJvmTest} see.
 */
class ExitFlushTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
  static final long DOLLAR = 1_000_000_000_000L;

  @TempDir
  Path dir;

  static BigDecimal spentOnDisk(Path file) {
    try (LocalFileStore reader = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), CLOCK)) {
      return reader.snapshot("alice", T0).orElseThrow().currentCost();
    }
  }

  @Test
  void aStoreTheApplicationNeverClosedIsWrittenAtExit() {
    Path file = dir.resolve("user_cost.json");
    LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), CLOCK);
    try {
      store.charge(new String[] {"alice"}, 2 * DOLLAR, "gpt-4o", T0);
      assertThat(file).as("an hourly flush has not run yet").doesNotExist();

      ExitFlush.flushAll();

      assertThat(spentOnDisk(file)).isEqualByComparingTo("2");
    } finally {
      store.close();
    }
  }

  /** An operator who deletes the file of a closed store (a reset by hand) does not see it come back at exit. */
  @Test
  void aStoreClosedBeforeExitIsNotWrittenAgainAtExit() throws Exception {
    Path file = dir.resolve("user_cost.json");
    LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), CLOCK);
    store.charge(new String[] {"alice"}, 2 * DOLLAR, "gpt-4o", T0);
    store.close();
    assertThat(spentOnDisk(file)).isEqualByComparingTo("2");
    Files.delete(file);

    ExitFlush.flushAll();

    assertThat(file).doesNotExist();
  }

  /** One store that cannot be written at exit is named in a warning; the others are still written. */
  @Test
  void aStoreThatCannotBeWrittenAtExitIsNamedAndTheOthersAreStillWritten() throws Exception {
    Path blocker = dir.resolve("blocked");
    Files.writeString(blocker, "not a directory");
    Path blockedFile = blocker.resolve("user_cost.json");
    Path file = dir.resolve("user_cost.json");
    LocalFileStore blocked = new LocalFileStore(blockedFile, ZoneOffset.UTC, Duration.ofHours(1), CLOCK);
    LocalFileStore fine = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), CLOCK);
    try (LogCapture log = new LogCapture()) {
      blocked.charge(new String[] {"alice"}, DOLLAR, "gpt-4o", T0);
      fine.charge(new String[] {"alice"}, 3 * DOLLAR, "gpt-4o", T0);

      ExitFlush.flushAll();

      assertThat(log.messages()).contains("llm-budget: could not flush local file " + blockedFile + " at exit");
      assertThat(spentOnDisk(file)).isEqualByComparingTo("3");
    } finally {
      Files.delete(blocker); // so that the blocked store's close can write
      blocked.close();
      fine.close();
    }
  }
}
