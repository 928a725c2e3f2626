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

  /**
   * Version 3: reserve and settle as one server-side function each, so a call costs two round trips
   * instead of seven. Each does what PostgresStore's transactions do, on the same rows in the same
   * order (budget rows locked {@code ORDER BY key}); when a row's period is due to reset, a lease on
   * the rows has run out, or a settle must create a tracking row, it changes nothing and answers 2,
   * and the store runs its multi-statement transaction instead (resets need the Java calendar). With
   * {@code p_retry} (a repeat after a lost connection) each answers as if the first attempt had
   * landed when it did: reserve finds its own row, settle finds its own ledger row. Tables are named
   * with their schema and the functions run with {@code search_path = pg_catalog, pg_temp}, so no
   * function or operator a role created elsewhere (say {@code public.cardinality(text[])}, a closer
   * match than the built-in) can stand in for a built-in the checks use.
   */
  static final String FUNCTIONS = """
      CREATE FUNCTION %1$s.reserve(p_project text, p_instance uuid, p_id bigint, p_keys text[], p_sorted text[],
          p_amount bigint, p_now timestamptz, p_expires timestamptz, p_forget timestamptz, p_retry boolean,
          OUT o_status integer, OUT o_key text, OUT o_spent bigint, OUT o_reserved bigint, OUT o_limit bigint)
      LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
      DECLARE
        v_key text;
        v_held text[] := '{}';
        v record;
      BEGIN
        o_status := 0;
        PERFORM 1 FROM %1$s.budget b WHERE b.project = p_project AND b.key = ANY(p_sorted) ORDER BY b.key FOR UPDATE;
        -- after the lock: a first attempt still running on the server has committed by now, and this
        -- statement's fresh snapshot sees its row (its hold must not count against the repeat)
        IF p_retry AND EXISTS (SELECT 1 FROM %1$s.reservation r
            WHERE r.project = p_project AND r.instance = p_instance AND r.id = p_id) THEN
          RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM %1$s.budget b WHERE b.project = p_project AND b.key = ANY(p_sorted)
              AND b.next_reset <= p_now)
            OR EXISTS (SELECT 1 FROM %1$s.reservation r WHERE r.project = p_project AND NOT r.expired
              AND r.expires_at <= p_now AND r.held_keys && p_sorted) THEN
          o_status := 2;
          RETURN;
        END IF;
        FOREACH v_key IN ARRAY p_keys LOOP
          SELECT b.limit_pico AS lim, b.spent_pico AS spent, b.reserved_pico AS reserved INTO v
            FROM %1$s.budget b WHERE b.project = p_project AND b.key = v_key;
          CONTINUE WHEN NOT FOUND OR v.lim IS NULL;
          IF NOT (v.spent < v.lim AND v.spent::numeric + v.reserved + p_amount <= v.lim) THEN
            o_status := 1;
            o_key := v_key;
            o_spent := v.spent;
            o_reserved := v.reserved;
            o_limit := v.lim;
            RETURN;
          END IF;
          v_held := v_held || v_key;
        END LOOP;
        IF p_amount > 0 AND cardinality(v_held) > 0 THEN
          UPDATE %1$s.budget b SET reserved_pico = b.reserved_pico + p_amount
            WHERE b.project = p_project AND b.key = ANY(v_held);
        END IF;
        INSERT INTO %1$s.reservation (project, instance, id, keys, held_keys, amount_pico, reserved_at, expires_at, forget_at)
          VALUES (p_project, p_instance, p_id, p_sorted, v_held, p_amount, p_now, p_expires, p_forget);
      END
      $fn$;
      CREATE FUNCTION %1$s.settle(p_project text, p_instance uuid, p_id bigint, p_actual bigint, p_model text,
          p_now timestamptz, p_input bigint, p_cached bigint, p_cache_write bigint, p_output bigint,
          p_reasoning bigint, p_estimated boolean, p_sdk text, p_retry boolean)
      RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
      DECLARE
        v_ref text := p_instance::text || ':' || p_id;
        v_keys text[];
        v_expired boolean;
        v_held text[];
        v_amount bigint;
        v_user text;
      BEGIN
        SELECT r.keys INTO v_keys FROM %1$s.reservation r
          WHERE r.project = p_project AND r.instance = p_instance AND r.id = p_id;
        IF NOT FOUND THEN
          IF p_retry AND EXISTS (SELECT 1 FROM %1$s.charge c
              WHERE c.project = p_project AND c.charged_at = p_now AND c.reservation = v_ref) THEN
            RETURN 0;
          END IF;
          RETURN 1;
        END IF;
        PERFORM 1 FROM %1$s.budget b WHERE b.project = p_project AND b.key = ANY(v_keys) ORDER BY b.key FOR UPDATE;
        -- a first attempt that was still running when the lock was taken has settled it by now
        IF p_retry AND NOT EXISTS (SELECT 1 FROM %1$s.reservation r
            WHERE r.project = p_project AND r.instance = p_instance AND r.id = p_id) THEN
          IF EXISTS (SELECT 1 FROM %1$s.charge c
              WHERE c.project = p_project AND c.charged_at = p_now AND c.reservation = v_ref) THEN
            RETURN 0;
          END IF;
          RETURN 1;
        END IF;
        IF EXISTS (SELECT 1 FROM %1$s.budget b WHERE b.project = p_project AND b.key = ANY(v_keys)
              AND b.next_reset <= p_now)
            OR EXISTS (SELECT 1 FROM %1$s.reservation r WHERE r.project = p_project AND NOT r.expired
              AND r.expires_at <= p_now AND r.held_keys && v_keys)
            OR (p_actual <> 0 AND (SELECT count(*) FROM %1$s.budget b
              WHERE b.project = p_project AND b.key = ANY(v_keys)) < cardinality(v_keys)) THEN
          RETURN 2;
        END IF;
        DELETE FROM %1$s.reservation r WHERE r.project = p_project AND r.instance = p_instance AND r.id = p_id
          RETURNING r.expired, r.held_keys, r.amount_pico INTO v_expired, v_held, v_amount;
        IF NOT FOUND THEN
          RETURN 1;
        END IF;
        UPDATE %1$s.budget b SET
            reserved_pico = CASE WHEN NOT v_expired AND b.key = ANY(v_held)
              THEN greatest(0, b.reserved_pico - v_amount) ELSE b.reserved_pico END,
            spent_pico = CASE WHEN b.spent_pico > 9223372036854775807 - p_actual
              THEN 9223372036854775807 ELSE b.spent_pico + p_actual END
          WHERE b.project = p_project AND b.key = ANY(v_keys);
        IF p_actual <> 0 AND p_model IS NOT NULL THEN
          INSERT INTO %1$s.budget_model AS m (project, key, model, spent_pico)
            SELECT p_project, k, p_model, p_actual FROM unnest(v_keys) AS k
            ON CONFLICT (project, key, model) DO UPDATE SET spent_pico = CASE
              WHEN m.spent_pico > 9223372036854775807 - EXCLUDED.spent_pico THEN 9223372036854775807
              ELSE m.spent_pico + EXCLUDED.spent_pico END;
        END IF;
        IF p_actual <> 0 OR p_model IS NOT NULL THEN
          SELECT u.k INTO v_user FROM unnest(v_keys) WITH ORDINALITY AS u(k, i) WHERE u.k <> '$global' ORDER BY u.i LIMIT 1;
          INSERT INTO %1$s.charge (charged_at, project, user_key, model, input_tokens, cached_tokens,
              cache_write_tokens, output_tokens, reasoning_tokens, cost_pico, estimated, reservation, sdk)
            VALUES (p_now, p_project, v_user, p_model, p_input, p_cached, p_cache_write, p_output, p_reasoning,
              p_actual, p_estimated, v_ref, p_sdk);
        END IF;
        RETURN 0;
      END
      $fn$;
      """;

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
      """, FUNCTIONS);

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
      mayExecuteFunctions(c, schema);
      return;
    }
    if (found > VERSION) {
      throw new BudgetStoreException("postgres schema " + schema + " is at version " + found
          + ", newer than this llm-budget knows (" + VERSION + "); upgrade llm-budget");
    }
    boolean auto = c.getAutoCommit();
    String lock = "hashtext('llmbudget-migrate-" + schema + "')";
    // a session lock taken outside the migration's transaction: a transaction that began before
    // another JVM's migration committed keeps seeing the schema as missing in its catalog caches
    // (an advisory lock does not refresh them), and would then fail on "already exists"
    c.setAutoCommit(true);
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_lock(" + lock + ")");
      c.setAutoCommit(false);
      try {
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
        try {
          c.setAutoCommit(true);
          st.execute("SELECT pg_advisory_unlock(" + lock + ")");
        } catch (SQLException e) {
          // a connection that broke: its session, and with it the lock, is gone
        }
      }
    } finally {
      c.setAutoCommit(auto);
    }
    if (found == VERSION) {
      mayExecuteFunctions(c, schema); // another JVM migrated meanwhile, or a DBA did
    }
  }

  /**
   * Refuses at start a schema whose functions this role may not call (a DBA who revoked EXECUTE from
   * PUBLIC): otherwise every reserve would fail, one call at a time, with permission denied.
   */
  private static void mayExecuteFunctions(Connection c, String schema) throws SQLException {
    try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FILTER (WHERE NOT"
        + " has_function_privilege(p.oid, 'EXECUTE')), current_user FROM pg_catalog.pg_proc p"
        + " WHERE p.pronamespace = to_regnamespace(?) AND p.proname IN ('reserve', 'settle')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) > 0) {
          throw new BudgetStoreException("postgres schema " + schema + " is at version " + VERSION
              + " but role " + rs.getString(2) + " may not execute its functions reserve and settle; run"
              + " GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " TO " + rs.getString(2)
              + " (docs/postgres.md)");
        }
      }
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
