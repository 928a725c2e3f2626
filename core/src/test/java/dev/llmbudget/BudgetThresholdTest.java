package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.internal.BudgetAlerts;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 13: library users hear of threshold crossings with {@code budgets.onThreshold(event -> ...)}. */
class BudgetThresholdTest {

  @AfterEach
  void stopWatchers() {
    BudgetAlerts.stopAll();
  }

  @Test
  void aListenerHearsEachThresholdOnceWithTheBudgetsFigures() throws Exception {
    BudgetManager budgets = new BudgetManager("thresholds-" + UUID.randomUUID(), "memory", null);
    budgets.createBudget(new BigDecimal("1.00"), "alice", "monthly", Instant.now());
    List<BudgetThresholdEvent> heard = new CopyOnWriteArrayList<>();
    budgets.onThreshold(e -> {
      throw new IllegalStateException("a broken listener must not silence the others");
    });
    budgets.onThreshold(heard::add);

    budgets.reserve("alice", new BigDecimal("0.50")).commit(new BigDecimal("0.50"), "gpt-4o");
    Thread.sleep(1_500); // more than a flush interval: nothing crossed yet
    assertThat(heard).isEmpty();

    budgets.reserve("alice", new BigDecimal("0.35")).commit(new BigDecimal("0.35"), "gpt-4o");
    await(() -> heard.size() == 1);
    BudgetThresholdEvent e = heard.get(0);
    assertThat(e.budget()).isEqualTo("alice");
    assertThat(e.global()).isFalse();
    assertThat(e.threshold()).isEqualByComparingTo("0.8");
    assertThat(e.currentCost()).isEqualByComparingTo("0.85");
    assertThat(e.maxBudget()).isEqualByComparingTo("1.00");
    assertThat(e.periodEnd()).isEqualTo(budgets.snapshot("alice").nextReset()).isNotNull();
    assertThat(e.text()).contains("the budget of user 'alice' has used 85%").contains("crossing 80%");
    assertThat(e.announced()).isTrue();

    budgets.reserve("alice", new BigDecimal("0.05")).commit(new BigDecimal("0.05"), "gpt-4o");
    budgets.reserve("alice", new BigDecimal("0.10")).commit(new BigDecimal("0.10"), "gpt-4o");
    await(() -> heard.size() == 2);
    assertThat(heard.get(1).threshold()).isEqualByComparingTo("1.0");
    Thread.sleep(1_500);
    assertThat(heard).hasSize(2);
  }

  @Test
  void aResetStartsANewPeriodWhoseCrossingsAreHeardAgain() throws Exception {
    BudgetManager budgets = new BudgetManager("thresholds-" + UUID.randomUUID(), "memory", null);
    budgets.createBudget(new BigDecimal("1.00"), "bob", "daily", Instant.now());
    List<BudgetThresholdEvent> heard = new CopyOnWriteArrayList<>();
    budgets.onThreshold(heard::add);

    budgets.reserve("bob", new BigDecimal("0.90")).commit(new BigDecimal("0.90"), "gpt-4o");
    await(() -> heard.size() == 1);
    Thread.sleep(5); // a new period start
    budgets.resetCost("bob");
    budgets.reserve("bob", new BigDecimal("0.90")).commit(new BigDecimal("0.90"), "gpt-4o");
    await(() -> heard.size() == 2);
    assertThat(heard).extracting(BudgetThresholdEvent::threshold).allSatisfy(t -> assertThat(t).isEqualByComparingTo("0.8"));
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.currentTimeMillis()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
