package dev.llmbudget.agent.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.SpendHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The budgets of a store at one instant: the global one and each user's, users sorted by the share
 * of their budget they have used (highest first; users without a limit last, by spend). Renders
 * itself as a text table, JSON or CSV.
 */
final class Report {

  /** One budget as the report shows it. */
  record Row(String name, BudgetSnapshot snapshot) {

    BigDecimal spent() {
      return snapshot.currentCost();
    }

    BigDecimal budget() {
      return snapshot.totalBudget();
    }

    /** Percent of the budget used, two decimals; null without a limit. */
    BigDecimal percentUsed() {
      BigDecimal b = budget();
      if (b == null) {
        return null;
      }
      if (b.signum() == 0) {
        return new BigDecimal("100.00");
      }
      return spent().multiply(BigDecimal.valueOf(100)).divide(b, 2, RoundingMode.HALF_UP);
    }

    /** Models by spend, highest first. */
    List<Map.Entry<String, BigDecimal>> models() {
      List<Map.Entry<String, BigDecimal>> m = new ArrayList<>(snapshot.modelCost().entrySet());
      m.sort(Map.Entry.<String, BigDecimal>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
      return m;
    }

    String topModels(int n) {
      StringBuilder sb = new StringBuilder();
      for (Map.Entry<String, BigDecimal> e : models()) {
        if (n-- == 0) {
          break;
        }
        if (sb.length() > 0) {
          sb.append(", ");
        }
        sb.append(e.getKey()).append(' ').append(dollars(e.getValue()));
      }
      return sb.toString();
    }
  }

  static final Comparator<Row> BY_SHARE_USED = Comparator
      .comparing(Row::percentUsed, Comparator.nullsLast(Comparator.<BigDecimal>reverseOrder()))
      .thenComparing(Row::spent, Comparator.reverseOrder())
      .thenComparing(Row::name);

  private final String store;
  private final Instant at;
  private final Row global;
  private final List<Row> users;
  private final boolean reservedKnown;
  private final List<SpendHistory.Day> days;

  /** Days of history a report and {@code show} read from a store with a ledger. */
  static final int HISTORY_DAYS = 30;

  private Report(String store, Instant at, Row global, List<Row> users, boolean reservedKnown,
      List<SpendHistory.Day> days) {
    this.store = store;
    this.at = at;
    this.global = global;
    this.users = users;
    this.reservedKnown = reservedKnown;
    this.days = days;
  }

  /**
   * Reads every budget of {@code store} as of {@code now} (applying resets that are due), and the
   * spend per day of the last {@link #HISTORY_DAYS} days where the store keeps a ledger.
   * {@code reservedKnown}: the store records the reservations of every JVM (Redis, PostgreSQL);
   * the local file and the hosted store do not, so their "reserved" is shown as unknown, not $0.
   */
  static Report of(BudgetStore store, Instant now, boolean reservedKnown) {
    Row global = store.snapshot(BudgetStore.GLOBAL_KEY, now).map(s -> new Row("(global)", s)).orElse(null);
    List<Row> users = new ArrayList<>();
    for (String key : store.keys()) {
      if (!BudgetStore.GLOBAL_KEY.equals(key)) {
        store.snapshot(key, now).ifPresent(s -> users.add(new Row(key, s)));
      }
    }
    users.sort(BY_SHARE_USED);
    List<SpendHistory.Day> days = history(store, BudgetStore.GLOBAL_KEY, now);
    return new Report(store.describe(), now, global, users, reservedKnown, days);
  }

  /** {@code key}'s spend per day over the last {@link #HISTORY_DAYS} days, or null without a ledger. */
  static List<SpendHistory.Day> history(BudgetStore store, String key, Instant now) {
    return store.spendHistory().map(h -> h.perDay(key, now.minus(java.time.Duration.ofDays(HISTORY_DAYS)), now))
        .orElse(null);
  }

  /** Spend per day (oldest first), or null when the store keeps no ledger. */
  List<SpendHistory.Day> days() {
    return days;
  }

  boolean reservedKnown() {
    return reservedKnown;
  }

  /** Said under the table and in {@code show} when reservations are per JVM. */
  static final String RESERVED_UNKNOWN = "reserved n/a: this store does not record what running JVMs hold"
      + " (each keeps its own reservations); Redis and PostgreSQL stores do";

  String store() {
    return store;
  }

  Instant at() {
    return at;
  }

  /** The global budget, or null when the store has none. */
  Row global() {
    return global;
  }

  List<Row> users() {
    return users;
  }

  /** Spend per model over all calls: the global budget's book when there is one, else the users' summed. */
  Map<String, BigDecimal> modelSpend() {
    Map<String, BigDecimal> out = new TreeMap<>();
    if (global != null && !global.snapshot.modelCost().isEmpty()) {
      out.putAll(global.snapshot.modelCost());
    } else {
      for (Row r : users) {
        r.snapshot.modelCost().forEach((m, v) -> out.merge(m, v, BigDecimal::add));
      }
    }
    return out;
  }

  /** The text table: a header line, the global budget, then the users. */
  String table() {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"USER", "SPENT", "BUDGET", "USED", "RESERVED", "RESETS", "NEXT RESET", "TOP MODELS"});
    if (global != null) {
      lines.add(cells(global));
    }
    for (Row r : users) {
      lines.add(cells(r));
    }
    int[] width = new int[lines.get(0).length];
    for (String[] l : lines) {
      for (int i = 0; i < l.length; i++) {
        width[i] = Math.max(width[i], l[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("Budgets in ").append(store).append(" at ").append(at.truncatedTo(ChronoUnit.SECONDS)).append('\n');
    for (String[] l : lines) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < l.length; i++) {
        boolean number = i >= 1 && i <= 4;
        String cell = l[i];
        String pad = " ".repeat(width[i] - cell.length());
        line.append(number ? pad + cell : cell + (i == l.length - 1 ? "" : pad));
        if (i < l.length - 1) {
          line.append("  ");
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    if (global == null && users.isEmpty()) {
      sb.append("(no budgets yet)\n");
    } else if (!reservedKnown) {
      sb.append(RESERVED_UNKNOWN).append('\n');
    }
    return sb.toString();
  }

  private String[] cells(Row r) {
    BigDecimal pct = r.percentUsed();
    BudgetSnapshot s = r.snapshot;
    return new String[] {r.name, dollars(r.spent()), r.budget() == null ? "-" : dollars(r.budget()),
        pct == null ? "-" : pct.toPlainString() + "%", reservedKnown ? dollars(s.reserved()) : "n/a", duration(s.duration()),
        s.nextReset() == null ? "-" : s.nextReset().truncatedTo(ChronoUnit.SECONDS).toString(), r.topModels(3)};
  }

  /** CSV with a header, for spreadsheets and scripts; the global budget is the row named {@code (global)}. */
  String csv() {
    StringBuilder sb = new StringBuilder("user,spent_usd,budget_usd,percent_used,reserved_usd,duration,next_reset,models\n");
    List<Row> all = new ArrayList<>();
    if (global != null) {
      all.add(global);
    }
    all.addAll(users);
    for (Row r : all) {
      BigDecimal pct = r.percentUsed();
      StringBuilder models = new StringBuilder();
      for (Map.Entry<String, BigDecimal> e : r.models()) {
        models.append(models.length() == 0 ? "" : ";").append(e.getKey()).append('=').append(plain(e.getValue()));
      }
      sb.append(csvCell(r.name)).append(',').append(plain(r.spent())).append(',')
          .append(r.budget() == null ? "" : plain(r.budget())).append(',')
          .append(pct == null ? "" : pct.toPlainString()).append(',')
          .append(reservedKnown ? plain(r.snapshot.reserved()) : "").append(',')
          .append(r.snapshot.duration() == null ? "" : csvCell(r.snapshot.duration().toString())).append(',')
          .append(r.snapshot.nextReset() == null ? "" : r.snapshot.nextReset().toString()).append(',')
          .append(csvCell(models.toString())).append('\n');
    }
    return sb.toString();
  }

  private static String csvCell(String v) {
    if (v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
      return v;
    }
    return '"' + v.replace("\"", "\"\"") + '"';
  }

  /** JSON: {@code {"store", "at", "global": {...} | null, "users": [...]}}; amounts are exact numbers in USD. */
  String json() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("store", store);
    root.put("at", at.toString());
    root.put("global", global == null ? null : jsonRow(global, false, reservedKnown));
    List<Object> list = new ArrayList<>();
    for (Row r : users) {
      list.add(jsonRow(r, true, reservedKnown));
    }
    root.put("users", list);
    if (days != null) {
      root.put("spend_per_day", jsonDays(days));
    }
    return toJson(root);
  }

  static List<Object> jsonDays(List<SpendHistory.Day> days) {
    List<Object> out = new ArrayList<>();
    for (SpendHistory.Day d : days) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("day", d.day().toString());
      m.put("spent", d.cost());
      m.put("calls", d.calls());
      out.add(m);
    }
    return out;
  }

  /** One budget as JSON; {@code reserved} is null where the store does not record reservations. */
  static Map<String, Object> jsonRow(Row r, boolean withUser, boolean reservedKnown) {
    Map<String, Object> m = new LinkedHashMap<>();
    BudgetSnapshot s = r.snapshot;
    if (withUser) {
      m.put("user", r.name);
    }
    m.put("spent", s.currentCost());
    m.put("budget", s.totalBudget());
    m.put("percent_used", r.percentUsed());
    m.put("reserved", reservedKnown ? s.reserved() : null);
    m.put("duration", s.duration() == null ? null : s.duration().toString());
    m.put("period_start", s.periodStart() == null ? null : s.periodStart().toString());
    m.put("next_reset", s.nextReset() == null ? null : s.nextReset().toString());
    Map<String, Object> models = new LinkedHashMap<>();
    for (Map.Entry<String, BigDecimal> e : r.models()) {
      models.put(e.getKey(), e.getValue());
    }
    m.put("models", models);
    return m;
  }

  static String toJson(Object value) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    try {
      return mapper.writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code $1.50}, {@code $0.000345}: at least cents, no trailing zeros beyond them. */
  static String dollars(BigDecimal v) {
    return "$" + plain(v);
  }

  static String plain(BigDecimal v) {
    BigDecimal s = v.stripTrailingZeros();
    if (s.scale() < 2) {
      s = s.setScale(2);
    }
    return s.toPlainString();
  }

  static String duration(BudgetDuration d) {
    return d == null ? "never" : d.toString();
  }
}
