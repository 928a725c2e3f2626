package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PeriodicFlusherTest {

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
}
