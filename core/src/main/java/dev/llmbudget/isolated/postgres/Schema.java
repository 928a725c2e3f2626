package dev.llmbudget.isolated.postgres;

import dev.llmbudget.store.BudgetStoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's tables, versioned by the row in {@code schema_version}. Each migration is the SQL of
 * one version; docs/postgres.md shows the same SQL for a DBA who creates the tables by hand, so the
 * application can run as a role that cannot create them.
 */
final class Schema {

  /** Migration {@code i} brings the schema from version {@code i} to {@code i + 1}; {@code %s} is the schema. */
  static final List<String> MIGRATIONS = List.of("""
      CREATE SCHEMA IF NOT EXISTS %1$s;
      CREATE TABLE %1$s.schema_version (
        version    integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE %1$s.budget (
        project       text        NOT NULL,
        key           text        NOT NULL,
        limit_pico    bigint      CHECK (limit_pico >= 0),
        duration      text,
        created_at    timestamptz NOT NULL,
        period_start  timestamptz NOT NULL,
        next_reset    timestamptz,
        spent_pico    bigint      NOT NULL DEFAULT 0 CHECK (spent_pico >= 0),
        reserved_pico bigint      NOT NULL DEFAULT 0 CHECK (reserved_pico >= 0),
        PRIMARY KEY (project, key)
      );
      CREATE TABLE %1$s.budget_model (
        project    text   NOT NULL,
        key        text   NOT NULL,
        model      text   NOT NULL,
        spent_pico bigint NOT NULL CHECK (spent_pico >= 0),
        PRIMARY KEY (project, key, model),
        FOREIGN KEY (project, key) REFERENCES %1$s.budget ON DELETE CASCADE
      );
      CREATE TABLE %1$s.reservation (
        project     text        NOT NULL,
        instance    uuid        NOT NULL,
        id          bigint      NOT NULL,
        keys        text[]      NOT NULL,
        held_keys   text[]      NOT NULL,
        amount_pico bigint      NOT NULL CHECK (amount_pico >= 0),
        reserved_at timestamptz NOT NULL,
        expires_at  timestamptz NOT NULL,
        forget_at   timestamptz NOT NULL,
        expired     boolean     NOT NULL DEFAULT false,
        PRIMARY KEY (project, instance, id)
      );
      CREATE INDEX reservation_lease ON %1$s.reservation (project, expires_at) WHERE NOT expired;
      CREATE INDEX reservation_forget ON %1$s.reservation (project, forget_at) WHERE expired;
      CREATE TABLE %1$s.charge (
        seq                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        charged_at         timestamptz NOT NULL,
        project            text        NOT NULL,
        user_key           text,
        model              text,
        input_tokens       bigint,
        cached_tokens      bigint,
        cache_write_tokens bigint,
        output_tokens      bigint,
        reasoning_tokens   bigint,
        cost_pico          bigint      NOT NULL CHECK (cost_pico >= 0),
        estimated          boolean,
        reservation        text,
        sdk                text
      );
      CREATE INDEX charge_time ON %1$s.charge (project, charged_at);
      CREATE INDEX charge_user_time ON %1$s.charge (project, user_key, charged_at);
      """, """
      CREATE TABLE %1$s.alert_claim (
        project      text        NOT NULL,
        key          text        NOT NULL,
        period_start timestamptz NOT NULL,
        threshold    text        NOT NULL,
        period_end   timestamptz,
        claimed_at   timestamptz NOT NULL,
        PRIMARY KEY (project, key, period_start, threshold)
      );
      """);

  /** The version this code reads and writes. */
  static final int VERSION = MIGRATIONS.size();

  private Schema() {}

  /**
   * Brings {@code schema} to {@link #VERSION}: nothing when a DBA (or an earlier start) already
   * did; otherwise the missing migrations, under an advisory lock so JVMs that start together
   * migrate once.
   */
  static void migrate(Connection c, String schema) throws SQLException {
    int found = version(c, schema);
    if (found == VERSION) {
      return;
    }
    if (found > VERSION) {
      throw new BudgetStoreException("postgres schema " + schema + " is at version " + found
          + ", newer than this llm-budget knows (" + VERSION + "); upgrade llm-budget");
    }
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_xact_lock(hashtext('llmbudget-migrate-" + schema + "'))");
      found = version(c, schema);
      for (int v = Math.max(found, 0); v < VERSION; v++) {
        st.execute(String.format(MIGRATIONS.get(v), schema));
        st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (v + 1) + ")");
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      if ("42501".equals(e.getSQLState())) {
        throw new BudgetStoreException("postgres schema " + schema + " is missing or not at version " + VERSION
            + " and this role may not create it (" + e.getMessage() + "); create it as in docs/postgres.md", e);
      }
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** The schema's version, 0 when its tables do not exist yet. */
  private static int version(Connection c, String schema) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT to_regclass('" + schema + ".schema_version') IS NOT NULL")) {
      rs.next();
      if (!rs.getBoolean(1)) {
        return 0;
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_version")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
