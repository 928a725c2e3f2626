package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.internal.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flush thread of a real {@link LocalFileStore} whose directory cannot be created (a file sits
 * where it should be): what it logs while it fails, how it backs off, and that it says so once the
 * file is written again.
 */
class PeriodicFlusherTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");

  @TempDir
  Path dir;

  static void awaitLine(LogCapture log, Predicate<String> line) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (log.messages().stream().anyMatch(line)) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no such log line; the log is " + log.messages());
  }

  static List<String> failures(LogCapture log) {
    return log.messages().stream().filter(m -> m.contains("llm-budget: flushing ")).toList();
  }

  @Test
  void failedFlushesBackOffDoublingAndTheRecoveryIsLoggedWithTheirCount() throws Exception {
    Path blocker = dir.resolve("budgets");
    Files.writeString(blocker, "not a directory");
    Path file = blocker.resolve("user_cost.json");
    try (LogCapture log = new LogCapture();
        LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofMillis(50), Clock.fixed(T0, ZoneOffset.UTC))) {
      store.charge(new String[] {"alice"}, 1_000_000, "gpt-4o", T0);

      awaitLine(log, m -> m.contains("(attempt 3)"));
      List<String> failed = failures(log);
      assertThat(failed.get(0)).isEqualTo("llm-budget: flushing local file " + file
          + " failed (attempt 1); keeping the spend in memory and retrying in 100 ms");
      assertThat(failed.get(1)).endsWith("failed (attempt 2); keeping the spend in memory and retrying in 200 ms");
      assertThat(failed.get(2)).endsWith("failed (attempt 3); keeping the spend in memory and retrying in 400 ms");

      Files.delete(blocker);
      awaitLine(log, m -> m.contains("is durable again"));
      assertThat(log.messages()).filteredOn(m -> m.contains("is durable again")).singleElement().asString()
          .matches("llm-budget: local file " + java.util.regex.Pattern.quote(file.toString())
              + " is durable again after [3-9] failed flushes");
      assertThat(Files.readString(file)).contains("\"alice\"");

      // later flushes succeed quietly: the recovery is announced once
      store.charge(new String[] {"alice"}, 2_000_000, "gpt-4o", T0);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!Files.readString(file).contains("0.000003") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(Files.readString(file)).contains("0.000003");
      assertThat(log.messages()).filteredOn(m -> m.contains("is durable again")).hasSize(1);
    }
  }

  @Test
  void aFlushIntervalMustBePositive() {
    assertThatThrownBy(() -> new LocalFileStore(dir.resolve("a.json"), ZoneOffset.UTC, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flush interval must be positive, was PT0S");
    assertThatThrownBy(() -> new LocalFileStore(dir.resolve("a.json"), ZoneOffset.UTC, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }


  /** A store that asks for 400 ms after each flush is flushed every 400 ms, not every 20 ms. */
  @Test
  void aStoreThatAsksForALongerWaitIsFlushedLessOften() throws Exception {
    List<Long> flushes = new CopyOnWriteArrayList<>();
    PeriodicFlusher flusher = new PeriodicFlusher("test", Duration.ofMillis(20), () -> true, () -> {
      flushes.add(System.nanoTime());
      return Duration.ofMillis(400).toNanos();
    });
    Thread.sleep(1_000);
    flusher.stop();

    assertThat(flushes).hasSizeBetween(1, 3);
    for (int i = 1; i < flushes.size(); i++) {
      assertThat(flushes.get(i) - flushes.get(i - 1)).isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
    }
  }

  @Test
  void aStoreThatAsksForNothingKeepsTheInterval() throws Exception {
    List<Long> flushes = new CopyOnWriteArrayList<>();
    PeriodicFlusher flusher = new PeriodicFlusher("test", Duration.ofMillis(20), () -> true, () -> {
      flushes.add(System.nanoTime());
      return 0L;
    });
    Thread.sleep(1_000);
    flusher.stop();

    assertThat(flushes.size()).isGreaterThan(5);
  }
  /**
   * {@code close()} of a store returns only once a flush in progress has finished, so the file is
   * complete when the caller goes on (e.g. exits, or opens it again).
   */
  @Test
  void stopWaitsForAFlushInProgressToFinish() throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicBoolean flushed = new AtomicBoolean();
    PeriodicFlusher flusher = new PeriodicFlusher("test", Duration.ofMillis(5), () -> true, () -> {
      inFlush.countDown();
      try {
        finish.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flushed.set(true);
      return 0L;
    });
    inFlush.await();
    AtomicBoolean flushedWhenStopReturned = new AtomicBoolean();
    Thread stopper = new Thread(() -> {
      flusher.stop();
      flushedWhenStopReturned.set(flushed.get());
    });
    stopper.start();
    awaitBlockedOrDone(stopper);
    finish.countDown();
    stopper.join();

    assertThat(flushedWhenStopReturned).isTrue();
  }

  /** A caller interrupted while {@code stop()} waits for the flush keeps its interrupt, as Java code expects. */
  @Test
  void aCallerInterruptedWhileStopWaitsKeepsItsInterrupt() throws Exception {
    CountDownLatch inFlush = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    PeriodicFlusher flusher = new PeriodicFlusher("test", Duration.ofMillis(5), () -> true, () -> {
      inFlush.countDown();
      try {
        finish.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0L;
    });
    inFlush.await();
    AtomicBoolean interruptedAfterStop = new AtomicBoolean();
    Thread stopper = new Thread(() -> {
      flusher.stop();
      interruptedAfterStop.set(Thread.currentThread().isInterrupted());
    });
    stopper.start();
    awaitBlockedOrDone(stopper);
    stopper.interrupt();
    stopper.join();
    finish.countDown();

    assertThat(interruptedAfterStop).isTrue();
  }

  /** After one failed flush the recovery is logged once, with the count; later good flushes say nothing. */
  @Test
  void onlyTheFirstGoodFlushAfterAFailureIsLogged() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch fourth = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    try (LogCapture log = new LogCapture()) {
      PeriodicFlusher flusher = new PeriodicFlusher("test store", Duration.ofMillis(5), () -> true, () -> {
        int call = calls.incrementAndGet();
        if (call == 1) {
          throw new IllegalStateException("disk full");
        }
        if (call == 4) {
          fourth.countDown(); // the flush thread logged what followed calls 1 to 3 before it got here
          try {
            never.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return 0L;
      });
      fourth.await();
      List<String> recoveries = log.messages().stream().filter(m -> m.contains("durable again")).toList();
      never.countDown();
      flusher.stop();

      assertThat(recoveries).containsExactly("llm-budget: test store is durable again after 1 failed flushes");
    }
  }

  /** Waits, without sleeping, until {@code t} waits (in {@code join}) or has ended. */
  private static void awaitBlockedOrDone(Thread t) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TERMINATED) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the stopping thread neither waits nor ends: " + t.getState());
      }
      Thread.onSpinWait();
    }
  }
}
