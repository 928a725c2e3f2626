package dev.llmbudget.isolated.postgres;

import dev.llmbudget.store.BudgetStoreException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Reads the postgres store's ledger ({@code <schema>.charge}, one row per settled call): spend per
 * user and per model per day over a time range, in exact dollars. For reports and chargeback; the
 * same queries are in docs/postgres.md.
 */
public final class SpendReport {

  /** What {@code user} ({@code null}: calls without a user) spent in the range, over {@code calls} calls. */
  public record UserSpend(String user, BigDecimal cost, long calls) {}

  /** What calls priced as {@code model} cost on {@code day} (in the report's zone). */
  public record ModelDaySpend(LocalDate day, String model, BigDecimal cost, long calls) {}

  private final DataSource db;
  private final String schema;

  private SpendReport(DataSource db, String schema) {
    this.db = Objects.requireNonNull(db, "db");
    this.schema = Objects.requireNonNull(schema, "schema");
    if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("schema must be a lower-case SQL name, was '" + schema + "'");
    }
  }

  /** A report on the ledger in {@code schema} (the store's {@code llmbudget.postgres.schema}). */
  public static SpendReport on(DataSource db, String schema) {
    return new SpendReport(db, schema);
  }

  /** Spend per user of {@code project} in {@code [from, to)}, largest first. */
  public List<UserSpend> perUser(String project, Instant from, Instant to) {
    String sql = "SELECT user_key, sum(cost_pico), count(*) FROM " + schema + ".charge"
        + " WHERE project = ? AND charged_at >= ? AND charged_at < ? GROUP BY user_key ORDER BY 2 DESC, 1";
    List<UserSpend> out = new ArrayList<>();
    query(sql, project, from, to, null, rs -> out.add(new UserSpend(rs.getString(1), dollars(rs, 2), rs.getLong(3))));
    return out;
  }

  /** Spend per model and day (days as in {@code zone}) of {@code project} in {@code [from, to)}, by day then model. */
  public List<ModelDaySpend> perModelPerDay(String project, Instant from, Instant to, ZoneId zone) {
    String sql = "SELECT (charged_at AT TIME ZONE ?)::date, model, sum(cost_pico), count(*) FROM " + schema + ".charge"
        + " WHERE project = ? AND charged_at >= ? AND charged_at < ? GROUP BY 1, 2 ORDER BY 1, 2";
    List<ModelDaySpend> out = new ArrayList<>();
    query(sql, project, from, to, zone.getId(), rs -> out.add(new ModelDaySpend(
        rs.getObject(1, LocalDate.class), rs.getString(2), dollars(rs, 3), rs.getLong(4))));
    return out;
  }

  private interface RowReader {
    void read(ResultSet rs) throws SQLException;
  }

  private void query(String sql, String project, Instant from, Instant to, String zone, RowReader reader) {
    try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      if (zone != null) {
        ps.setString(i++, zone);
      }
      ps.setString(i++, project);
      ps.setObject(i++, PostgresStore.time(from));
      ps.setObject(i, PostgresStore.time(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          reader.read(rs);
        }
      }
      if (!c.getAutoCommit()) {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new BudgetStoreException("reading the ledger in schema " + schema + " failed: " + e.getMessage(), e);
    }
  }

  private static BigDecimal dollars(ResultSet rs, int i) throws SQLException {
    return rs.getBigDecimal(i).movePointLeft(12).stripTrailingZeros();
  }
}
