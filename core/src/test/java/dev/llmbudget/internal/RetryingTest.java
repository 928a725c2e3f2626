package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.store.BudgetStoreException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryingTest {

  private final TestClock clock = new TestClock();
  private final AtomicInteger attempts = new AtomicInteger();

  @Test
  void aFailedOpenIsRetriedOnlyAfterABackOffThatDoubles() {
    BudgetStoreException broken = new BudgetStoreException("local file /x/user_cost.json: not valid JSON");
    Retrying<String> store = new Retrying<>(() -> {
      attempts.incrementAndGet();
      if (attempts.get() < 4) {
        throw broken;
      }
      return "open";
    }, clock);

    assertThatThrownBy(store::get).isSameAs(broken);
    // Within the back-off every caller fails fast with the last cause, without trying again.
    for (int i = 0; i < 100; i++) {
      assertThatThrownBy(store::get).isSameAs(broken);
    }
    clock.advanceMillis(999);
    assertThatThrownBy(store::get).isSameAs(broken);
    assertThat(attempts).hasValue(1);

    clock.advanceMillis(1);
    assertThatThrownBy(store::get).isSameAs(broken);
    assertThat(attempts).hasValue(2);
    clock.advanceMillis(1_999);
    assertThatThrownBy(store::get).isSameAs(broken);
    assertThat(attempts).hasValue(2);
    clock.advanceMillis(1);
    assertThatThrownBy(store::get).isSameAs(broken);
    assertThat(attempts).hasValue(3);
    assertThat(store.lastFailure()).isSameAs(broken);

    clock.advanceMillis(4_000);
    assertThat(store.get()).isEqualTo("open");
    assertThat(store.get()).isEqualTo("open");
    assertThat(attempts).hasValue(4);
    assertThat(store.lastFailure()).isNull();
  }

  @Test
  void theBackOffStopsGrowingAtAMinute() {
    Retrying<String> store = new Retrying<>(() -> {
      attempts.incrementAndGet();
      throw new BudgetStoreException("down");
    }, clock);
    assertThatThrownBy(store::get).hasMessage("down");
    for (int i = 0; i < 10; i++) {
      clock.advanceMillis(Retrying.MAX_DELAY_MILLIS);
      assertThatThrownBy(store::get).hasMessage("down");
    }
    assertThat(attempts).hasValue(11);
  }

  @Test
  void whileOneThreadRetriesTheOthersFailFastWithTheLastCause() throws Exception {
    BudgetStoreException first = new BudgetStoreException("budget server down");
    CountDownLatch retrying = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    Retrying<String> store = new Retrying<>(() -> {
      if (attempts.incrementAndGet() == 1) {
        throw first;
      }
      retrying.countDown();
      try {
        finish.await(30, TimeUnit.SECONDS); // a 10 s connect timeout, say
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "open";
    }, clock);
    assertThatThrownBy(store::get).isSameAs(first);
    clock.advanceMillis(Retrying.FIRST_DELAY_MILLIS);

    CompletableFuture<String> retry = CompletableFuture.supplyAsync(store::get);
    assertThat(retrying.await(10, TimeUnit.SECONDS)).isTrue();
    long start = System.nanoTime();
    assertThatThrownBy(store::get).isSameAs(first);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);

    finish.countDown();
    assertThat(retry.get(10, TimeUnit.SECONDS)).isEqualTo("open");
    assertThat(store.get()).isEqualTo("open");
    assertThat(attempts).hasValue(2);
  }
}
