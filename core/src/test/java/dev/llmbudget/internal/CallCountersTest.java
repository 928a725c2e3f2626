package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The counts JMX shows: a call is metered once however often it is committed; refusals and estimates count. */
class CallCountersTest {

  @Test
  void callsAreCountedByWhatBecameOfThem() {
    MemoryStore store = new MemoryStore("counters", ZoneOffset.UTC);
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1"), null, Clock.systemUTC().instant());
    BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN,
        Clock.systemUTC(), null, null);
    long metered = CallCounters.meteredCount();
    long blocked = CallCounters.blockedCount();
    long estimated = CallCounters.estimatedCount();

    Reservation r = engine.reserve(null, new BigDecimal("0.01"));
    r.commit(Usage.of("gpt-4o", 10, 10));
    r.commit(Usage.of("gpt-4o", 10, 10));
    Reservation streamed = engine.reserve(null, new BigDecimal("0.01"));
    streamed.commit(new Usage("gpt-4o", 10, 10, 0, 0, 0, 0, true));
    engine.reserve(null, new BigDecimal("0.01")).release();
    assertThatThrownBy(() -> engine.reserve(null, new BigDecimal("2"))).isInstanceOf(BudgetExceededError.class);

    assertThat(CallCounters.meteredCount() - metered).isEqualTo(2);
    assertThat(CallCounters.estimatedCount() - estimated).isEqualTo(1);
    assertThat(CallCounters.blockedCount() - blocked).isEqualTo(1);
  }
}
