package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BudgetDurationTest {
  private static final ZoneId UTC = ZoneOffset.UTC;

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void dailyResetsAtNextMidnight() {
    assertThat(BudgetDuration.DAILY.nextReset(at("2026-03-14T15:30:00Z"), UTC)).isEqualTo(at("2026-03-15T00:00:00Z"));
  }

  @Test
  void weeklyResetsOnMonday() {
    // 2026-03-14 is a Saturday: its week started on Monday 2026-03-09.
    assertThat(BudgetDuration.WEEKLY.periodStart(at("2026-03-14T15:30:00Z"), UTC)).isEqualTo(at("2026-03-09T00:00:00Z"));
    assertThat(BudgetDuration.WEEKLY.nextReset(at("2026-03-14T15:30:00Z"), UTC)).isEqualTo(at("2026-03-16T00:00:00Z"));
  }

  @Test
  void monthlyResetsOnTheFirstIncludingMonthEnds() {
    assertThat(BudgetDuration.MONTHLY.nextReset(at("2026-01-31T23:59:59Z"), UTC)).isEqualTo(at("2026-02-01T00:00:00Z"));
    assertThat(BudgetDuration.MONTHLY.nextReset(at("2026-12-31T12:00:00Z"), UTC)).isEqualTo(at("2027-01-01T00:00:00Z"));
  }

  @Test
  void leapDayBelongsToFebruaryAndLeapYear() {
    assertThat(BudgetDuration.MONTHLY.periodStart(at("2028-02-29T10:00:00Z"), UTC)).isEqualTo(at("2028-02-01T00:00:00Z"));
    assertThat(BudgetDuration.MONTHLY.nextReset(at("2028-02-29T10:00:00Z"), UTC)).isEqualTo(at("2028-03-01T00:00:00Z"));
    assertThat(BudgetDuration.DAILY.nextReset(at("2028-02-28T10:00:00Z"), UTC)).isEqualTo(at("2028-02-29T00:00:00Z"));
    assertThat(BudgetDuration.YEARLY.nextReset(at("2028-02-29T10:00:00Z"), UTC)).isEqualTo(at("2029-01-01T00:00:00Z"));
  }

  @Test
  void dailyInADstZoneFollowsLocalMidnight() {
    ZoneId ny = ZoneId.of("America/New_York");
    // 2026-03-08 is the spring-forward day in New York: the day has 23 hours.
    Instant start = BudgetDuration.DAILY.periodStart(at("2026-03-08T12:00:00Z"), ny);
    assertThat(start).isEqualTo(at("2026-03-08T05:00:00Z"));
    assertThat(BudgetDuration.DAILY.nextReset(start, ny)).isEqualTo(at("2026-03-09T04:00:00Z"));
    // 2026-11-01 falls back: the day has 25 hours.
    Instant fall = BudgetDuration.DAILY.periodStart(at("2026-11-01T12:00:00Z"), ny);
    assertThat(BudgetDuration.DAILY.nextReset(fall, ny)).isEqualTo(at("2026-11-02T05:00:00Z"));
  }

  @Test
  void rollingDurationsStepFromTheLastResetWithoutDrift() {
    BudgetDuration sevenDays = BudgetDuration.parse("7d");
    Instant last = at("2026-01-01T10:00:00Z");
    assertThat(sevenDays.nextReset(last, UTC)).isEqualTo(at("2026-01-08T10:00:00Z"));
    assertThat(sevenDays.currentPeriodStart(last, at("2026-01-20T00:00:00Z"), UTC)).isEqualTo(at("2026-01-15T10:00:00Z"));
    BudgetDuration thirty = BudgetDuration.parse("30s");
    assertThat(thirty.currentPeriodStart(last, at("2026-01-01T10:01:45Z"), UTC)).isEqualTo(at("2026-01-01T10:01:30Z"));
    assertThat(BudgetDuration.parse("1mo").nextReset(at("2026-01-31T00:00:00Z"), UTC)).isEqualTo(at("2026-02-28T00:00:00Z"));
    assertThat(BudgetDuration.parse("12h").nextReset(last, UTC)).isEqualTo(at("2026-01-01T22:00:00Z"));
  }

  @Test
  void parsesNamesAndLiteLlmStoredDays() {
    assertThat(BudgetDuration.parse(" Monthly ")).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(BudgetDuration.fromStored(1)).isEqualTo(BudgetDuration.DAILY);
    assertThat(BudgetDuration.fromStored(new BigDecimal("7.0"))).isEqualTo(BudgetDuration.WEEKLY);
    assertThat(BudgetDuration.fromStored(30)).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(BudgetDuration.fromStored(365)).isEqualTo(BudgetDuration.YEARLY);
    assertThat(BudgetDuration.fromStored(3).toString()).isEqualTo("3d");
    assertThat(BudgetDuration.fromStored("weekly")).isEqualTo(BudgetDuration.WEEKLY);
  }

  @Test
  void unknownDurationsNameTheAcceptedForms() {
    for (String bad : new String[] {"fortnightly", "0d", "-1d", "7x", ""}) {
      assertThatThrownBy(() -> BudgetDuration.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("daily, weekly, monthly, yearly");
    }
    assertThatThrownBy(() -> BudgetDuration.fromStored(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void monthSpansStepFromTheirStartWithoutDriftingToThe28th() {
    BudgetDuration month = BudgetDuration.parse("1mo");
    Instant jan31 = at("2026-01-31T10:00:00Z");

    assertThat(month.nextReset(jan31, jan31, UTC)).isEqualTo(at("2026-02-28T10:00:00Z"));
    assertThat(month.nextReset(at("2026-02-28T10:00:00Z"), jan31, UTC)).isEqualTo(at("2026-03-31T10:00:00Z"));
    assertThat(month.nextReset(at("2026-03-31T10:00:00Z"), jan31, UTC)).isEqualTo(at("2026-04-30T10:00:00Z"));
    assertThat(month.currentPeriodStart(jan31, at("2026-04-01T00:00:00Z"), UTC)).isEqualTo(at("2026-03-31T10:00:00Z"));
    assertThat(month.currentPeriodStart(jan31, at("2028-03-01T00:00:00Z"), UTC)).isEqualTo(at("2028-02-29T10:00:00Z"));
    assertThat(BudgetDuration.parse("2mo").nextReset(at("2026-03-31T10:00:00Z"), jan31, UTC))
        .isEqualTo(at("2026-05-31T10:00:00Z"));
    assertThat(BudgetDuration.parse("1y").nextReset(at("2029-02-28T00:00:00Z"), at("2028-02-29T00:00:00Z"), UTC))
        .isEqualTo(at("2030-02-28T00:00:00Z"));
    assertThat(BudgetDuration.parse("1y").nextReset(at("2031-02-28T00:00:00Z"), at("2028-02-29T00:00:00Z"), UTC))
        .isEqualTo(at("2032-02-29T00:00:00Z"));
  }

  @Test
  void aPeriodStartOffItsAnchorsGridIsItsOwnAnchor() {
    BudgetDuration month = BudgetDuration.parse("1mo");
    Instant jan31 = at("2026-01-31T10:00:00Z");

    assertThat(month.nextReset(at("2026-02-10T00:00:00Z"), jan31, UTC)).isEqualTo(at("2026-03-10T00:00:00Z"));
    assertThat(month.nextReset(jan31, at("2026-02-01T00:00:00Z"), UTC)).isEqualTo(at("2026-02-28T10:00:00Z"));
    assertThat(BudgetDuration.parse("7d").nextReset(jan31, at("2026-01-01T00:00:00Z"), UTC)).isEqualTo(at("2026-02-07T10:00:00Z"));
    assertThat(BudgetDuration.MONTHLY.nextReset(jan31, at("2026-01-15T00:00:00Z"), UTC)).isEqualTo(at("2026-02-01T00:00:00Z"));
  }
}
