package dev.llmbudget;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How often a budget starts over. Calendar durations ({@code daily}, {@code weekly},
 * {@code monthly}, {@code yearly}) reset on calendar boundaries in a time zone: midnight, Monday,
 * the 1st, January 1st. Fixed durations in LiteLLM proxy style ({@code 30s}, {@code 12h},
 * {@code 7d}, {@code 2w}, {@code 1mo}) roll forward from the last reset without drift.
 */
public final class BudgetDuration {

  private enum Unit { SECONDS, MINUTES, HOURS, DAYS, WEEKS, MONTHS, YEARS }

  private static final Pattern FIXED = Pattern.compile("(\\d{1,9})\\s*(s|m|h|d|w|mo|y)");

  public static final BudgetDuration DAILY = new BudgetDuration("daily", Unit.DAYS, 1, true);
  public static final BudgetDuration WEEKLY = new BudgetDuration("weekly", Unit.WEEKS, 1, true);
  public static final BudgetDuration MONTHLY = new BudgetDuration("monthly", Unit.MONTHS, 1, true);
  public static final BudgetDuration YEARLY = new BudgetDuration("yearly", Unit.YEARS, 1, true);

  private final String text;
  private final Unit unit;
  private final long amount;
  private final boolean calendar;

  private BudgetDuration(String text, Unit unit, long amount, boolean calendar) {
    this.text = text;
    this.unit = unit;
    this.amount = amount;
    this.calendar = calendar;
  }

  /**
   * Parses {@code daily|weekly|monthly|yearly} or {@code <n>s|m|h|d|w|mo|y}.
   *
   * @throws IllegalArgumentException naming the accepted forms when {@code text} is none of them
   */
  public static BudgetDuration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "budget duration is missing: use daily, weekly, monthly, yearly or a span like 30s, 12h, 7d, 1mo");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "daily": return DAILY;
      case "weekly": return WEEKLY;
      case "monthly": return MONTHLY;
      case "yearly": return YEARLY;
      default: break;
    }
    Matcher m = FIXED.matcher(t);
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw new IllegalArgumentException("unknown budget duration '" + text
          + "': use daily, weekly, monthly, yearly or a positive span like 30s, 12h, 7d, 2w, 1mo, 1y");
    }
    long n = Long.parseLong(m.group(1));
    Unit unit;
    switch (m.group(2)) {
      case "s": unit = Unit.SECONDS; break;
      case "m": unit = Unit.MINUTES; break;
      case "h": unit = Unit.HOURS; break;
      case "d": unit = Unit.DAYS; break;
      case "w": unit = Unit.WEEKS; break;
      case "mo": unit = Unit.MONTHS; break;
      default: unit = Unit.YEARS; break;
    }
    return new BudgetDuration(n + m.group(2), unit, n, false);
  }

  /**
   * Reads the {@code duration} field of a LiteLLM {@code user_cost.json}: LiteLLM stores a number
   * of days (1, 7, 30, 365); this project writes the text form.
   */
  public static BudgetDuration fromStored(Object value) {
    if (value instanceof Number || value instanceof BigDecimal) {
      BigDecimal days = new BigDecimal(value.toString());
      if (days.signum() <= 0 || days.stripTrailingZeros().scale() > 0) {
        throw new IllegalArgumentException("duration must be a whole positive number of days, was " + value);
      }
      switch (days.intValueExact()) {
        case 1: return DAILY;
        case 7: return WEEKLY;
        case 30: return MONTHLY;
        case 365: return YEARLY;
        default: return parse(days.intValueExact() + "d");
      }
    }
    return parse(Objects.toString(value, null));
  }

  /** Whether resets fall on calendar boundaries (true) or roll from the last reset (false). */
  public boolean isCalendar() {
    return calendar;
  }

  /**
   * The start of the period that contains {@code instant}. For a calendar duration that is the
   * last boundary at or before it; a rolling duration has no fixed grid, so it is the instant itself.
   */
  public Instant periodStart(Instant instant, ZoneId zone) {
    if (!calendar) {
      return instant;
    }
    LocalDate date = instant.atZone(zone).toLocalDate();
    switch (unit) {
      case DAYS: break;
      case WEEKS: date = date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)); break;
      case MONTHS: date = date.withDayOfMonth(1); break;
      default: date = date.withDayOfYear(1); break;
    }
    return date.atStartOfDay(zone).toInstant();
  }

  /**
   * The first reset after a period that started at {@code periodStart} on the grid of {@code anchor}
   * (the budget's first period start): spans of months or years step from the anchor, so a budget
   * started on Jan 31 with {@code 1mo} resets on Feb 28 (29), Mar 31, Apr 30, never drifting to the
   * 28th. A period start off that grid (after a manual reset) is its own anchor.
   */
  public Instant nextReset(Instant periodStart, Instant anchor, ZoneId zone) {
    if (calendar || anchor == null || (unit != Unit.MONTHS && unit != Unit.YEARS) || anchor.isAfter(periodStart)) {
      return nextReset(periodStart, zone);
    }
    ZonedDateTime a = anchor.atZone(zone);
    ChronoUnit step = unit == Unit.MONTHS ? ChronoUnit.MONTHS : ChronoUnit.YEARS;
    long k = step.between(a, periodStart.atZone(zone)) / amount;
    for (long i = k; i <= k + 1; i++) {
      if (a.plus(i * amount, step).toInstant().equals(periodStart)) {
        return a.plus((i + 1) * amount, step).toInstant();
      }
    }
    return nextReset(periodStart, zone);
  }

  /** The first reset after a period that started at {@code periodStart}, which is its own anchor. */
  public Instant nextReset(Instant periodStart, ZoneId zone) {
    if (calendar) {
      LocalDate start = periodStart(periodStart, zone).atZone(zone).toLocalDate();
      LocalDate next;
      switch (unit) {
        case DAYS: next = start.plusDays(1); break;
        case WEEKS: next = start.plusWeeks(1); break;
        case MONTHS: next = start.plusMonths(1); break;
        default: next = start.plusYears(1); break;
      }
      return next.atStartOfDay(zone).toInstant();
    }
    ZonedDateTime z = periodStart.atZone(zone);
    switch (unit) {
      case SECONDS: return periodStart.plusSeconds(amount);
      case MINUTES: return periodStart.plusSeconds(amount * 60);
      case HOURS: return periodStart.plusSeconds(amount * 3600);
      case DAYS: return z.plusDays(amount).toInstant();
      case WEEKS: return z.plusWeeks(amount).toInstant();
      case MONTHS: return z.plusMonths(amount).toInstant();
      default: return z.plusYears(amount).toInstant();
    }
  }

  /**
   * The start of the period that {@code now} falls in, for a budget whose last period started at
   * {@code lastStart}: calendar durations snap to the grid, rolling ones step forward whole spans.
   */
  public Instant currentPeriodStart(Instant lastStart, Instant now, ZoneId zone) {
    if (calendar) {
      return periodStart(now, zone);
    }
    return currentPeriodStart(lastStart, now, lastStart, zone);
  }

  /** As {@link #currentPeriodStart(Instant, Instant, ZoneId)}, stepping on the grid of {@code anchor}. */
  public Instant currentPeriodStart(Instant lastStart, Instant now, Instant anchor, ZoneId zone) {
    if (calendar) {
      return periodStart(now, zone);
    }
    Instant start = lastStart;
    Instant next = nextReset(start, anchor, zone);
    if (!now.isBefore(next) && (unit == Unit.SECONDS || unit == Unit.MINUTES || unit == Unit.HOURS)) {
      long span = next.getEpochSecond() - start.getEpochSecond();
      long steps = (now.getEpochSecond() - start.getEpochSecond()) / span;
      return start.plusSeconds(steps * span);
    }
    while (!now.isBefore(next)) {
      start = next;
      next = nextReset(start, anchor, zone);
    }
    return start;
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BudgetDuration && ((BudgetDuration) o).text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }
}
