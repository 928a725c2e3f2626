package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A budget change (limit and period length together) is seen by a concurrent call wholly before or
 * wholly after, never half: not a new limit with the old period's end, and never a reset computed
 * from the new period length on the old period's end, which loses the spend of a period that did
 * not end under either terms. Both fail when the terms are published apart from the state.
 */
class BudgetChangeAtomicityTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final BigDecimal TEN = new BigDecimal("10");
  static final BigDecimal TWENTY = new BigDecimal("20");

  @Test
  void aSnapshotDuringBudgetChangesShowsTheLimitWithItsOwnPeriod() throws Exception {
    try (BudgetStore store = new MemoryStore("atomic", ZoneOffset.UTC)) {
      Instant now = T0.plusSeconds(3600);
      store.putBudget("alice", TEN, BudgetDuration.DAILY, T0);
      BudgetSnapshot daily = store.snapshot("alice", now).orElseThrow();
      store.putBudget("alice", TWENTY, BudgetDuration.MONTHLY, T0);
      BudgetSnapshot monthly = store.snapshot("alice", now).orElseThrow();
      assertThat(daily.nextReset()).isNotEqualTo(monthly.nextReset());

      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<String> torn = new ConcurrentLinkedQueue<>();
      AtomicInteger reads = new AtomicInteger();
      Thread reader = new Thread(() -> {
        while (!stop.get() && torn.size() < 5) {
          BudgetSnapshot s = store.snapshot("alice", now).orElseThrow();
          reads.incrementAndGet();
          BudgetSnapshot want = s.totalBudget().compareTo(TEN) == 0 ? daily : monthly;
          if (!s.duration().equals(want.duration()) || !s.nextReset().equals(want.nextReset())) {
            torn.add("limit " + s.totalBudget() + " " + s.duration() + " next reset " + s.nextReset());
          }
        }
      });
      reader.start();
      long end = System.nanoTime() + 2_000_000_000L;
      for (int i = 0; System.nanoTime() < end && torn.size() < 5; i++) {
        if (i % 2 == 0) {
          store.putBudget("alice", TEN, BudgetDuration.DAILY, T0);
        } else {
          store.putBudget("alice", TWENTY, BudgetDuration.MONTHLY, T0);
        }
      }
      stop.set(true);
      reader.join();
      assertThat(reads.get()).isPositive();
      assertThat(torn).as("snapshots that mixed two budgets' terms").isEmpty();
    }
  }

  @Test
  void aReserveRacingAChangeOfPeriodLengthNeverLosesTheSpendOfAPeriodThatDidNotEnd() throws Exception {
    int trials = 5_000;
    Instant chargedAt = T0.plusSeconds(3600);
    Instant now = T0.plusSeconds(26 * 3600); // the daily period of the charge is over, the monthly one is not
    BigDecimal eight = new BigDecimal("8");
    try (BudgetStore store = new MemoryStore("atomic", ZoneOffset.UTC)) {
      for (int i = 0; i < trials; i++) {
        store.putBudget("u" + i, TEN, BudgetDuration.DAILY, T0);
        store.charge(new String[] {"u" + i}, Picodollars.of(eight), null, chargedAt);
      }
      AtomicInteger turn = new AtomicInteger(-1);
      AtomicInteger done = new AtomicInteger(-1);
      Thread caller = new Thread(() -> {
        for (int i = 0; i < trials; i++) {
          while (turn.get() < i) {
            Thread.onSpinWait();
          }
          spin(i % 64); // lands the reserve at a different point of the change in each trial
          store.reserve(store.newReservationId(), new String[] {"u" + i}, Picodollars.of(BigDecimal.ONE), now,
              now.plusSeconds(600));
          done.set(i);
        }
      });
      caller.start();
      for (int i = 0; i < trials; i++) {
        turn.set(i);
        store.putBudget("u" + i, TEN, BudgetDuration.MONTHLY, T0);
        while (done.get() < i && caller.isAlive()) {
          Thread.onSpinWait();
        }
      }
      caller.join();
      List<String> lost = new ArrayList<>();
      for (int i = 0; i < trials; i++) {
        BudgetSnapshot s = store.snapshot("u" + i, now).orElseThrow();
        assertThat(s.duration()).isEqualTo(BudgetDuration.MONTHLY);
        if (!s.periodStart().isAfter(chargedAt) && s.currentCost().compareTo(eight) != 0) {
          lost.add("u" + i + ": period from " + s.periodStart() + " shows $" + s.currentCost());
        }
      }
      assertThat(lost).as("budgets whose period holds the $8 charge but not its spend").isEmpty();
    }
  }

  private static volatile long sink;

  private static void spin(int n) {
    long x = 0;
    for (int i = 0; i < n * 8; i++) {
      x += i * 31L;
    }
    sink = x;
  }
}
