package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The public answers of {@link BudgetDuration} that the ledger's own tests do not reach. */
class BudgetDurationGridTest {

  static final ZoneId UTC = ZoneOffset.UTC;

  static Instant at(String s) {
    return Instant.parse(s);
  }

  @Test
  void aTwoMonthSpanStartedOnThe31stComesBackToThe31stAfterAShortMonth() {
    BudgetDuration twoMonths = BudgetDuration.parse("2mo");
    Instant anchor = at("2026-01-31T00:00:00Z");

    // Jan 31 -> Mar 31 -> May 31 -> Jul 31 -> Sep 30 -> Nov 30 -> Jan 31, never Jan 30
    assertThat(twoMonths.nextReset(at("2026-03-31T00:00:00Z"), anchor, UTC)).isEqualTo(at("2026-05-31T00:00:00Z"));
    assertThat(twoMonths.nextReset(at("2026-09-30T00:00:00Z"), anchor, UTC)).isEqualTo(at("2026-11-30T00:00:00Z"));
    assertThat(twoMonths.nextReset(at("2026-11-30T00:00:00Z"), anchor, UTC)).isEqualTo(at("2027-01-31T00:00:00Z"));
    assertThat(twoMonths.currentPeriodStart(anchor, at("2027-01-15T12:00:00Z"), anchor, UTC))
        .isEqualTo(at("2026-11-30T00:00:00Z"));
  }

  @Test
  void aTwoYearSpanStartedOnALeapDayStepsOnItsOwnGrid() {
    BudgetDuration twoYears = BudgetDuration.parse("2y");
    Instant anchor = at("2024-02-29T00:00:00Z");

    assertThat(twoYears.nextReset(at("2026-02-28T00:00:00Z"), anchor, UTC)).isEqualTo(at("2028-02-29T00:00:00Z"));
  }

  @Test
  void rollingSpansWithoutAnAnchorRollFromThePeriodStart() {
    Instant start = at("2026-01-31T08:00:00Z");

    assertThat(BudgetDuration.parse("1mo").nextReset(start, UTC)).isEqualTo(at("2026-02-28T08:00:00Z"));
    assertThat(BudgetDuration.parse("1y").nextReset(start, UTC)).isEqualTo(at("2027-01-31T08:00:00Z"));
    assertThat(BudgetDuration.parse("2w").nextReset(start, UTC)).isEqualTo(at("2026-02-14T08:00:00Z"));
    assertThat(BudgetDuration.parse("12h").currentPeriodStart(start, at("2026-02-01T09:00:00Z"), UTC))
        .isEqualTo(at("2026-02-01T08:00:00Z"));
  }

  @Test
  void calendarDurationsSnapToTheirGridAndRollingOnesDoNot() {
    Instant tuesday = at("2026-03-10T10:00:00Z");

    assertThat(BudgetDuration.WEEKLY.periodStart(tuesday, UTC)).isEqualTo(at("2026-03-09T00:00:00Z"));
    assertThat(BudgetDuration.YEARLY.periodStart(tuesday, UTC)).isEqualTo(at("2026-01-01T00:00:00Z"));
    assertThat(BudgetDuration.parse("7d").periodStart(tuesday, UTC)).isEqualTo(tuesday);
    assertThat(BudgetDuration.MONTHLY.currentPeriodStart(at("2026-01-01T00:00:00Z"), tuesday, UTC))
        .isEqualTo(at("2026-03-01T00:00:00Z"));
    assertThat(BudgetDuration.YEARLY.nextReset(tuesday, UTC)).isEqualTo(at("2027-01-01T00:00:00Z"));
    assertThat(BudgetDuration.DAILY.isCalendar()).isTrue();
    assertThat(BudgetDuration.parse("1d").isCalendar()).isFalse();
  }

  @Test
  void eachNameAndSpanParsesToItselfAndEqualSpansAreOneKey() {
    assertThat(BudgetDuration.parse("Yearly")).isSameAs(BudgetDuration.YEARLY);
    assertThat(BudgetDuration.parse(" monthly ")).isSameAs(BudgetDuration.MONTHLY);
    assertThat(BudgetDuration.parse("7d")).isEqualTo(BudgetDuration.parse("7 d")).isNotEqualTo(BudgetDuration.WEEKLY);
    assertThat(BudgetDuration.DAILY).isNotEqualTo(BudgetDuration.WEEKLY).isNotEqualTo("daily");
    assertThat(new HashSet<>(List.of(BudgetDuration.parse("30s"), BudgetDuration.parse("30S")))).hasSize(1);
    assertThat(BudgetDuration.parse("30s").hashCode()).isEqualTo("30s".hashCode());
  }

  @Test
  void storedDaysMustBeAWholePositiveNumberAndZeroSaysSo() {
    assertThat(BudgetDuration.fromStored(new BigDecimal("365"))).isSameAs(BudgetDuration.YEARLY);
    assertThat(BudgetDuration.fromStored(3)).isEqualTo(BudgetDuration.parse("3d"));
    assertThatThrownBy(() -> BudgetDuration.fromStored(BigDecimal.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration must be a whole positive number of days, was 0");
    assertThatThrownBy(() -> BudgetDuration.fromStored(new BigDecimal("1.5")))
        .hasMessage("duration must be a whole positive number of days, was 1.5");
  }
}
