package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetThresholdEvent;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine tells the alert watcher which budgets a call charged: a threshold crossed by a
 * committed call or by a charge without a reservation is heard by a listener within a look of the
 * watcher (every 100 ms here, the shortest it looks). The slower {@code BudgetThresholdTest}
 * covers what is not heard.
 */
class BudgetEngineAlertsTest {

  private final Clock clock = Clock.systemUTC();
  private final MemoryStore store = new MemoryStore("engine-alerts-" + System.nanoTime(), ZoneOffset.UTC);
  private final BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN,
      clock, null, null, OutputReserve.MODEL_MAX, 4096, 16);
  private final List<BudgetThresholdEvent> heard = new CopyOnWriteArrayList<>();

  private void listen() {
    BudgetConfig config = BudgetConfig.of(Map.of("llmbudget.store.flush_interval", "100ms",
        "llmbudget.alert.thresholds", "0.8"));
    BudgetAlerts.subscribe(store, config, clock, heard::add);
  }

  @AfterEach
  void stopWatchers() {
    BudgetAlerts.stopAll();
  }

  @Test
  void aCommittedCallThatCrossesAThresholdIsHeard() throws Exception {
    store.putBudget("alice", new BigDecimal("1.00"), null, clock.instant());
    listen();

    engine.reserve("alice", new BigDecimal("0.90")).commit(new BigDecimal("0.85"), "gpt-4o");

    await(() -> !heard.isEmpty());
    assertThat(heard).singleElement().satisfies(e -> {
      assertThat(e.budget()).isEqualTo("alice");
      assertThat(e.threshold()).isEqualByComparingTo("0.8");
      assertThat(e.currentCost()).isEqualByComparingTo("0.85");
    });
  }

  @Test
  void aChargeWithoutAReservationThatCrossesAThresholdIsHeard() throws Exception {
    store.putBudget("bob", new BigDecimal("0.01"), null, clock.instant());
    listen();

    BigDecimal cost = engine.charge("bob", Usage.of("gpt-4o", 10_000, 1_000)); // $0.035 of $0.01

    await(() -> !heard.isEmpty());
    assertThat(heard).singleElement().satisfies(e -> {
      assertThat(e.budget()).isEqualTo("bob");
      assertThat(e.currentCost()).isEqualByComparingTo(cost);
    });
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("heard nothing within 5 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
