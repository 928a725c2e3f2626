package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeriodicFlusherTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void aFastFlushKeepsTheInterval() {
    assertThat(PeriodicFlusher.waitAfter(SECOND, 0)).isEqualTo(SECOND);
    assertThat(PeriodicFlusher.waitAfter(SECOND, SECOND / 10)).isEqualTo(SECOND);
  }

  /** A store so large that a flush takes 300 ms is flushed every 3 s: busy 300 ms of every 3.0 s. */
  @Test
  void aSlowFlushStretchesTheWaitSoFlushingTakesATenthOfACoreAtMost() {
    long took = 300 * 1_000_000L;
    long wait = PeriodicFlusher.waitAfter(SECOND, took);
    assertThat(wait).isEqualTo(9 * took);
    assertThat((double) took / (took + wait)).isLessThanOrEqualTo(0.1);
  }

  @Test
  void anAbsurdlyLongFlushDoesNotOverflowTheWait() {
    assertThat(PeriodicFlusher.waitAfter(SECOND, Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE);
  }
}
