package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What keeps a live budget under 200 bytes: budgets with the same limit and period share one terms
 * object however they came to be (created, changed, loaded from a file, unpacked after eviction),
 * while each keeps its own creation instant, the far ones included.
 */
class LedgerTermsSharingTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  @Test
  void budgetsWithTheSameLimitAndPeriodShareOneTermsObjectWhereverTheyCameFrom() {
    Ledger ledger = new Ledger(ZoneOffset.UTC, true);
    ledger.putBudget("created", 5 * DOLLAR, BudgetDuration.MONTHLY, T0, T0);
    ledger.putBudget("changed", 7 * DOLLAR, BudgetDuration.DAILY, T0.plusSeconds(1), T0);
    ledger.putBudget("changed", 5 * DOLLAR, BudgetDuration.MONTHLY, T0.plusSeconds(1), T0);
    ledger.restoreIfAbsent("loaded", new StoredBudget(5 * DOLLAR, BudgetDuration.MONTHLY, T0.plusSeconds(2), T0,
        DOLLAR, Map.of()));
    ledger.putBudget("evicted", 5 * DOLLAR, BudgetDuration.MONTHLY, T0.plusSeconds(3), T0);
    ledger.putBudget("other", 6 * DOLLAR, BudgetDuration.MONTHLY, T0, T0);
    assertThat(ledger.evictIdle() + ledger.evictIdle()).isEqualTo(5);
    assertThat(ledger.evictedCount()).isEqualTo(5);

    Ledger.Terms shared = ledger.entry("created").state.terms;
    for (String key : new String[] {"changed", "loaded", "evicted"}) {
      assertThat(ledger.entry(key).state.terms).as(key).isSameAs(shared);
    }
    assertThat(ledger.entry("other").state.terms).isNotSameAs(shared);
    assertThat(ledger.entry("other").state.terms.limit()).isEqualTo(6 * DOLLAR);

    // each keeps its own creation instant and figures
    assertThat(ledger.snapshot("changed", T0).orElseThrow().createdAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(ledger.snapshot("loaded", T0).orElseThrow().createdAt()).isEqualTo(T0.plusSeconds(2));
    assertThat(ledger.snapshot("loaded", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
    assertThat(ledger.snapshot("evicted", T0).orElseThrow().createdAt()).isEqualTo(T0.plusSeconds(3));
  }

  @Test
  void aBudgetCreatedOutsideTheNanosecondRangeKeepsItsInstantThroughAChangeOfTerms() {
    Ledger ledger = new Ledger(ZoneOffset.UTC, false);
    Instant far = Instant.parse("2300-01-01T00:00:00.123456789Z");
    ledger.putBudget("far", 5 * DOLLAR, null, far, far);
    ledger.putBudget("far", 9 * DOLLAR, null, T0, T0);
    BudgetSnapshot s = ledger.snapshot("far", far).orElseThrow();
    assertThat(s.createdAt()).isEqualTo(far);
    assertThat(s.totalBudget()).isEqualByComparingTo("9");
  }
}
