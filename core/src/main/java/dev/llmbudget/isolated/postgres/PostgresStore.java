package dev.llmbudget.isolated.postgres;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.Log;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreException;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.store.ReserveResult;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Budgets of one project in PostgreSQL. Every operation is one transaction on one pooled
 * connection: it locks the budget rows it touches in key order (so two transactions never wait on
 * each other in a cycle), releases the leases that ran out on those rows, applies due resets, and
 * commits before it returns, so a settled charge survives a crash of the JVM or of the server.
 * Reserve and settle are one round trip each, a call of a server-side function (Schema.FUNCTIONS)
 * that is its own transaction; the rare call that must first apply a reset or an expired lease
 * takes the multi-statement transaction. Reservation ids are qualified by this object's instance
 * id, so JVMs never collide.
 */
final class PostgresStore implements BudgetStore {

  /** Leases are stored as timestamps; one that would end after this never ends in practice. */
  private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");
  private static final int ATTEMPTS = 3;
  /** SQLState of a COMMIT whose answer was lost with the connection: it may or may not have landed. */
  private static final String COMMIT_UNKNOWN = "08007";

  private final DataSource db;
  private final AutoCloseable pool;
  private final String project;
  private final ZoneId zone;
  private final String where;
  /** {@code <schema>.}, put before every table name. */
  private final String prefix;
  private final UUID instance = UUID.randomUUID();
  private final AtomicLong ids = new AtomicLong();
  /** When this JVM next sweeps all expired leases, including those that held nothing (epoch ms). */
  private final AtomicLong nextSweep = new AtomicLong();
  private static final long SWEEP_EVERY_MS = 60_000;
  /**
   * Keys known to have a row (rows are never deleted), so the engine's putBudgetIfAbsent before
   * every call of a user with a default budget costs no round trip once the row exists.
   */
  private final Set<String> known = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final String qBudgets;
  private final String qLockWithLeases;
  private final String qExpireTouching;
  private final String qExpireAny;
  private final String qExpiredCandidates;
  private final String qForget;
  private final String qUpdateBudget;
  private final String qInsertReservation;
  private final String qReservation;
  private final String qDeleteReservation;
  private final String qInsertTracked;
  private final String qInsertReservationRows;
  private final String qAddModel;
  private final String qDropModels;
  private final String qCharge;
  private final String qModels;
  private final String qExpiredHeld;
  private final String qWriteAndBook;
  private final String qReserveFn;
  private final String qSettleFn;
  /** The pool behind {@code db}: drops idle connections, and tells a busy pool from a server that does not answer. */
  private final ConnectionPool connections;
  /** When a busy pool may next be logged (System.nanoTime), so a long saturation is one line a minute. */
  private final AtomicLong nextBusyLog = new AtomicLong(System.nanoTime());
  /**
   * False: every reserve and settle takes the multi-statement transaction, as the previous release
   * (schema version 2) does; tests run both side by side on the same rows, as a fleet mid-upgrade would.
   */
  volatile boolean functions = true;

  /**
   * @param db connections to the database; {@code pool} closes them
   * @param where how the store names itself in messages (the URL without credentials)
   */
  PostgresStore(DataSource db, AutoCloseable pool, String schema, String project, ZoneId zone, String where) {
    this(db, pool, ConnectionPool.PLAIN, schema, project, zone, where);
  }

  /** @param dropIdle closes the pool's idle connections (they may all be to a server that restarted) */
  PostgresStore(DataSource db, AutoCloseable pool, Runnable dropIdle, String schema, String project, ZoneId zone,
      String where) {
    this(db, pool, new ConnectionPool() {
      @Override
      public void dropIdle() {
        dropIdle.run();
      }

      @Override
      public String busy() {
        return null;
      }

      @Override
      public Connection direct() throws SQLException {
        return db.getConnection();
      }

      @Override
      public java.time.Duration timeout() {
        return java.time.Duration.ZERO;
      }
    }, schema, project, zone, where);
  }

  /** @param connections the pool behind {@code db} (HikariCP in production) */
  PostgresStore(DataSource db, AutoCloseable pool, ConnectionPool connections, String schema, String project,
      ZoneId zone, String where) {
    this.db = db;
    this.connections = connections;
    this.pool = pool;
    this.project = project;
    this.zone = zone;
    this.where = where;
    String s = schema + ".";
    prefix = s;
    qBudgets = "SELECT key, limit_pico, duration, created_at, period_start, next_reset, spent_pico, reserved_pico FROM "
        + s + "budget WHERE project = ? AND key = ANY(?) ORDER BY key FOR UPDATE";
    // one round trip: the rows of the call's keys and of any other key an expired lease on them
    // holds, locked in key order, and whether there are such leases
    qLockWithLeases = "WITH exp AS (SELECT DISTINCT unnest(held_keys) AS k FROM " + s + "reservation"
        + " WHERE project = ? AND NOT expired AND expires_at <= ? AND held_keys && ?)"
        + " SELECT b.key, b.limit_pico, b.duration, b.created_at, b.period_start, b.next_reset, b.spent_pico,"
        + " b.reserved_pico, (SELECT count(*) FROM exp) FROM " + s + "budget b"
        + " WHERE b.project = ? AND (b.key = ANY(?) OR b.key IN (SELECT k FROM exp)) ORDER BY b.key FOR UPDATE OF b";
    qExpireTouching = "UPDATE " + s + "reservation SET expired = true WHERE project = ? AND NOT expired"
        + " AND expires_at <= ? AND held_keys && ? AND held_keys <@ ? RETURNING held_keys, amount_pico, keys, reserved_at, expires_at";
    qExpiredCandidates = "SELECT DISTINCT unnest(held_keys) FROM (SELECT held_keys FROM " + s
        + "reservation WHERE project = ? AND NOT expired AND expires_at <= ? LIMIT 200) r";
    qExpireAny = "UPDATE " + s + "reservation SET expired = true WHERE project = ? AND NOT expired"
        + " AND expires_at <= ? AND held_keys <@ ? RETURNING held_keys, amount_pico, keys, reserved_at, expires_at";
    qForget = "DELETE FROM " + s + "reservation WHERE project = ? AND expired AND forget_at <= ?";
    qUpdateBudget = "UPDATE " + s + "budget SET spent_pico = ?, reserved_pico = ?, period_start = ?, next_reset = ?"
        + " WHERE project = ? AND key = ?";
    qInsertReservation = "WITH hold AS (UPDATE " + s + "budget SET reserved_pico = reserved_pico + ?"
        + " WHERE project = ? AND key = ANY(?)) INSERT INTO " + s + "reservation (project, instance, id, keys, held_keys, amount_pico,"
        + " reserved_at, expires_at, forget_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    qReservation = "SELECT keys FROM " + s + "reservation WHERE project = ? AND instance = ? AND id = ?";
    qDeleteReservation = "DELETE FROM " + s + "reservation WHERE project = ? AND instance = ? AND id = ?"
        + " RETURNING expired, held_keys, amount_pico";
    qInsertTracked = "INSERT INTO " + s + "budget (project, key, created_at, period_start) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT DO NOTHING";
    qInsertReservationRows = "INSERT INTO " + s + "budget (project, key, created_at, period_start)"
        + " SELECT ?, k, ?, ? FROM unnest((SELECT keys FROM " + s + "reservation WHERE project = ? AND instance = ?"
        + " AND id = ?)) AS k ORDER BY k ON CONFLICT DO NOTHING";
    qAddModel = "INSERT INTO " + s + "budget_model AS m (project, key, model, spent_pico) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (project, key, model) DO UPDATE SET spent_pico = CASE"
        + " WHEN m.spent_pico > 9223372036854775807 - EXCLUDED.spent_pico THEN 9223372036854775807"
        + " ELSE m.spent_pico + EXCLUDED.spent_pico END";
    qDropModels = "DELETE FROM " + s + "budget_model WHERE project = ? AND key = ?";
    qCharge = "INSERT INTO " + s + "charge (charged_at, project, user_key, model, input_tokens, cached_tokens,"
        + " cache_write_tokens, output_tokens, reasoning_tokens, cost_pico, estimated, reservation, sdk)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    // a settle's or charge's writes in one round trip: the changed budget rows, the per-model spend
    // and the ledger row (three tables, so the data-modifying CTEs never touch one row twice)
    qWriteAndBook = "WITH upd AS (UPDATE " + s + "budget b SET spent_pico = v.spent, reserved_pico = v.reserved,"
        + " period_start = v.ps::timestamptz, next_reset = v.nr::timestamptz"
        + " FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS v(key, spent, reserved, ps, nr)"
        + " WHERE b.project = ? AND b.key = v.key RETURNING 1),"
        + " mdl AS (INSERT INTO " + s + "budget_model AS m (project, key, model, spent_pico)"
        + " SELECT ?, mk, ?, ? FROM unnest(?::text[]) AS mk"
        + " ON CONFLICT (project, key, model) DO UPDATE SET spent_pico = CASE"
        + " WHEN m.spent_pico > 9223372036854775807 - EXCLUDED.spent_pico THEN 9223372036854775807"
        + " ELSE m.spent_pico + EXCLUDED.spent_pico END RETURNING 1)"
        + " INSERT INTO " + s + "charge (charged_at, project, user_key, model, input_tokens, cached_tokens,"
        + " cache_write_tokens, output_tokens, reasoning_tokens, cost_pico, estimated, reservation, sdk)"
        + " SELECT ?, ?, ?, ?, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?, ?::boolean, ?, ? WHERE ?";
    // schema version 3: a call's reserve and its settle are one round trip each (Schema.FUNCTIONS)
    qReserveFn = "SELECT o_status, o_key, o_spent, o_reserved, o_limit FROM " + s
        + "reserve(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    qSettleFn = "SELECT " + s + "settle(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    qModels = "SELECT model, spent_pico FROM " + s + "budget_model WHERE project = ? AND key = ?";
    qExpiredHeld = "SELECT coalesce(sum(amount_pico), 0) FROM " + s + "reservation WHERE project = ? AND NOT expired"
        + " AND expires_at <= ? AND ? = ANY(held_keys)";
  }

  @Override
  public String describe() {
    return "postgres store " + where + " (project " + project + ")";
  }

  @Override
  public long newReservationId() {
    return ids.incrementAndGet();
  }

  // ---------------------------------------------------------------- rows

  /** A budget row as locked by this transaction; changes are written back by {@link #write}. */
  private static final class Row {
    final String key;
    final Long limit;
    final BudgetDuration duration;
    final Instant createdAt;
    Instant periodStart;
    Instant nextReset;
    long spent;
    long reserved;
    boolean dirty;
    boolean reset;

    Row(ResultSet rs) throws SQLException {
      key = rs.getString(1);
      long l = rs.getLong(2);
      limit = rs.wasNull() ? null : l;
      String d = rs.getString(3);
      duration = d == null ? null : BudgetDuration.parse(d);
      createdAt = instant(rs, 4);
      periodStart = instant(rs, 5);
      nextReset = instant(rs, 6);
      spent = rs.getLong(7);
      reserved = rs.getLong(8);
    }

    void release(long amount) {
      reserved = Math.max(0, reserved - amount); // exact bookkeeping keeps it >= 0; the floor guards a bug
      dirty = true;
    }

    void spend(long amount) {
      spent = Picodollars.saturatedAdd(spent, amount);
      dirty = true;
    }
  }

  /**
   * Locks the rows of {@code keys} (and of any other key that an expired lease on them also holds)
   * in key order, releases the leases on them that ran out by {@code now}, and applies due resets.
   */
  private Map<String, Row> lock(Connection c, CallKeys keys, Instant now) throws SQLException {
    return lock(c, keys, now, true);
  }

  private Map<String, Row> lock(Connection c, CallKeys keys, Instant now, boolean releaseLeases)
      throws SQLException {
    Array ours = c.createArrayOf("text", keys.sorted);
    Map<String, Row> rows = new TreeMap<>();
    boolean expiries = false;
    try (PreparedStatement ps = c.prepareStatement(releaseLeases ? qLockWithLeases : qBudgets)) {
      int i = 1;
      if (releaseLeases) {
        ps.setString(i++, project);
        ps.setObject(i++, time(now));
        ps.setArray(i++, ours);
      }
      ps.setString(i++, project);
      ps.setArray(i, ours);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Row r = new Row(rs);
          rows.put(r.key, r);
          expiries = releaseLeases && rs.getLong(9) > 0;
        }
      }
    }
    Set<String> lockKeys = new TreeSet<>(Arrays.asList(keys.sorted));
    lockKeys.addAll(rows.keySet());
    Array locked = c.createArrayOf("text", lockKeys.toArray(new String[0]));
    if (expiries) {
      try (PreparedStatement ps = c.prepareStatement(qExpireTouching)) {
        ps.setString(1, project);
        ps.setObject(2, time(now));
        ps.setArray(3, ours);
        ps.setArray(4, locked);
        releaseExpired(ps, rows);
      }
    }
    for (Row r : rows.values()) {
      if (r.nextReset != null && !now.isBefore(r.nextReset)) {
        r.periodStart = r.duration.currentPeriodStart(r.periodStart, now, r.createdAt, zone);
        r.nextReset = r.duration.nextReset(r.periodStart, r.createdAt, zone);
        r.spent = 0;
        r.dirty = true;
        r.reset = true;
      }
    }
    return rows;
  }

  private int releaseExpired(PreparedStatement expire, Map<String, Row> rows) throws SQLException {
    int n = 0;
    try (ResultSet rs = expire.executeQuery()) {
      while (rs.next()) {
        n++;
        String[] held = (String[]) rs.getArray(1).getArray();
        long amount = rs.getLong(2);
        for (String k : held) {
          Row r = rows.get(k);
          if (r != null) {
            r.release(amount);
          }
        }
        Instant reservedAt = instant(rs, 4);
        Instant expiresAt = instant(rs, 5);
        Log.warn("llm-budget: a reservation of $" + Picodollars.toDollars(amount).toPlainString() + " for "
            + dev.llmbudget.internal.UserIds.describe((String[]) rs.getArray(3).getArray()) + " was not settled within its lease of "
            + dev.llmbudget.internal.UserIds.describe(java.time.Duration.between(reservedAt, expiresAt))
            + " (llmbudget.reservation_ttl); it is released, and the call is still charged if it completes later");
      }
    }
    return n;
  }

  /** Writes back every row this transaction changed. */
  private void write(Connection c, Map<String, Row> rows) throws SQLException {
    boolean any = false;
    try (PreparedStatement ps = c.prepareStatement(qUpdateBudget)) {
      for (Row r : rows.values()) {
        if (r.dirty) {
          ps.setLong(1, r.spent);
          ps.setLong(2, r.reserved);
          ps.setObject(3, time(r.periodStart));
          ps.setObject(4, r.nextReset == null ? null : time(r.nextReset), Types.TIMESTAMP_WITH_TIMEZONE);
          ps.setString(5, project);
          ps.setString(6, r.key);
          ps.addBatch();
          any = true;
        }
      }
      if (any) {
        ps.executeBatch();
      }
    }
    for (Row r : rows.values()) {
      if (r.reset) {
        try (PreparedStatement ps = c.prepareStatement(qDropModels)) {
          ps.setString(1, project);
          ps.setString(2, r.key);
          ps.executeUpdate();
        }
      }
    }
  }

  /**
   * Creates, in a transaction of its own, a limit-less row for each of {@code keys} that has none,
   * so that the transaction which then locks them takes every row in key order. Created inside that
   * transaction (by {@link #track}), a row would be locked after rows of larger keys: a deadlock
   * that PostgreSQL breaks only after {@code deadlock_timeout} (1 s), with one side retried, while
   * both hold a pooled connection and the rows every call of their users queues on.
   */
  private void createRows(CallKeys keys, Instant now) {
    List<String> unknown = new ArrayList<>(keys.sorted.length);
    for (String key : keys.sorted) {
      if (!known.contains(key)) {
        unknown.add(key);
      }
    }
    if (unknown.isEmpty()) {
      return;
    }
    inTransaction("create budget rows", c -> {
      try (PreparedStatement ps = c.prepareStatement(qInsertTracked)) {
        for (String key : unknown) { // in key order: two of these never wait on each other in a cycle
          ps.setString(1, project);
          ps.setString(2, key);
          ps.setObject(3, time(now));
          ps.setObject(4, time(now));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      commit(c);
      return null;
    });
    known.addAll(unknown); // rows are never deleted
  }

  /**
   * Creates a limit-less row for every key in {@code keys} that has none, to track its spend. Rows
   * are created before the lock (createRows, and the settle's fallback) and never deleted by
   * llm-budget, so this finds none missing unless someone deleted one by hand; it stays as the guarantee.
   */
  private void track(Connection c, CallKeys keys, Map<String, Row> rows, Instant now) throws SQLException {
    for (String k : keys.sorted) {
      if (!rows.containsKey(k)) {
        try (PreparedStatement ps = c.prepareStatement(qInsertTracked)) {
          ps.setString(1, project);
          ps.setString(2, k);
          ps.setObject(3, time(now));
          ps.setObject(4, time(now));
          ps.executeUpdate();
        }
      }
    }
    List<String> missing = new ArrayList<>();
    for (String k : keys.sorted) {
      if (!rows.containsKey(k)) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      // created just now, by us or by a concurrent transaction: lock them too (out of key order,
      // so a deadlock is possible in theory; PostgreSQL breaks it and the transaction is retried)
      try (PreparedStatement ps = c.prepareStatement(qBudgets)) {
        ps.setString(1, project);
        ps.setArray(2, c.createArrayOf("text", missing.toArray(new String[0])));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Row r = new Row(rs);
            rows.putIfAbsent(r.key, r);
          }
        }
      }
    }
  }

  /**
   * {@link #write} and {@link #book} in one round trip; a row whose period just rolled over (its
   * per-model spend is dropped first) takes the two steps instead.
   */
  private void writeAndBook(Connection c, CallKeys keys, Map<String, Row> rows, long actual, String model,
      Instant now, Usage usage, String reservation, String sdk) throws SQLException {
    List<Row> dirty = new ArrayList<>(rows.size());
    for (Row r : rows.values()) {
      if (r.reset) {
        write(c, rows);
        book(c, keys, actual, model, now, usage, reservation, sdk);
        return;
      }
      if (r.dirty) {
        dirty.add(r);
      }
    }
    int n = dirty.size();
    String[] key = new String[n];
    Long[] spent = new Long[n];
    Long[] reserved = new Long[n];
    String[] periodStart = new String[n];
    String[] nextReset = new String[n];
    for (int i = 0; i < n; i++) {
      Row r = dirty.get(i);
      key[i] = r.key;
      spent[i] = r.spent;
      reserved[i] = r.reserved;
      periodStart[i] = r.periodStart.toString();
      nextReset[i] = r.nextReset == null ? null : r.nextReset.toString();
    }
    try (PreparedStatement ps = c.prepareStatement(qWriteAndBook)) {
      ps.setArray(1, c.createArrayOf("text", key));
      ps.setArray(2, c.createArrayOf("bigint", spent));
      ps.setArray(3, c.createArrayOf("bigint", reserved));
      ps.setArray(4, c.createArrayOf("text", periodStart));
      ps.setArray(5, c.createArrayOf("text", nextReset));
      ps.setString(6, project);
      ps.setString(7, project);
      ps.setString(8, model);
      ps.setLong(9, actual);
      ps.setArray(10, c.createArrayOf("text", actual != 0 && model != null ? keys.sorted : new String[0]));
      ps.setObject(11, time(now));
      ps.setString(12, project);
      ps.setString(13, keys.user);
      ps.setString(14, model);
      if (usage != null) {
        ps.setLong(15, usage.inputTokens());
        ps.setLong(16, usage.cacheReadTokens());
        ps.setLong(17, usage.cacheWrite5mTokens() + usage.cacheWrite1hTokens());
        ps.setLong(18, usage.outputTokens());
        ps.setLong(19, usage.reasoningTokens());
        ps.setBoolean(21, usage.estimated());
      } else {
        for (int i = 15; i <= 19; i++) {
          ps.setNull(i, Types.BIGINT);
        }
        ps.setNull(21, Types.BOOLEAN);
      }
      ps.setLong(20, actual);
      ps.setString(22, reservation);
      ps.setString(23, sdk);
      ps.setBoolean(24, !(actual == 0 && model == null)); // a release is not a call: no ledger row
      ps.executeUpdate();
    }
  }

  /** Books {@code actual} per model on every key and appends the ledger row. */
  private void book(Connection c, CallKeys keys, long actual, String model, Instant now, Usage usage,
      String reservation, String sdk) throws SQLException {
    if (actual != 0 && model != null) {
      try (PreparedStatement ps = c.prepareStatement(qAddModel)) {
        for (String k : keys.sorted) {
          ps.setString(1, project);
          ps.setString(2, k);
          ps.setString(3, model);
          ps.setLong(4, actual);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (actual == 0 && model == null) {
      return; // a release, not a call
    }
    try (PreparedStatement ps = c.prepareStatement(qCharge)) {
      ps.setObject(1, time(now));
      ps.setString(2, project);
      ps.setString(3, keys.user);
      ps.setString(4, model);
      if (usage != null) {
        ps.setLong(5, usage.inputTokens());
        ps.setLong(6, usage.cacheReadTokens());
        ps.setLong(7, usage.cacheWrite5mTokens() + usage.cacheWrite1hTokens());
        ps.setLong(8, usage.outputTokens());
        ps.setLong(9, usage.reasoningTokens());
      } else {
        for (int i = 5; i <= 9; i++) {
          ps.setNull(i, Types.BIGINT);
        }
      }
      ps.setLong(10, actual);
      if (usage != null) {
        ps.setBoolean(11, usage.estimated());
      } else {
        ps.setNull(11, Types.BOOLEAN);
      }
      ps.setString(12, reservation);
      ps.setString(13, sdk);
      ps.executeUpdate();
    }
  }

  // ---------------------------------------------------------------- the SPI

  @Override
  public ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
    if (amount < 0) {
      throw new IllegalArgumentException("a reservation cannot be negative, was " + amount + " picodollars");
    }
    long sweep = nextSweep.get();
    if (now.toEpochMilli() >= sweep && nextSweep.compareAndSet(sweep, now.toEpochMilli() + SWEEP_EVERY_MS)) {
      // the check already ignores expired leases on the rows it locks; this also drops the rows of
      // reservations (of this JVM or a dead one) that held nothing, and forgets old expired ones
      expireLeases(now);
    }
    CallKeys k = new CallKeys(keys);
    Instant expires = expiresAt.isAfter(LATEST) ? LATEST : expiresAt;
    Instant forget = expires.plus(java.time.Duration.between(now, expires));
    Instant forgetAt = forget.isAfter(LATEST) ? LATEST : forget;
    try {
      ReserveResult quick = !functions ? null : oneRoundTrip("reserve", (c, retry) -> {
        try (PreparedStatement ps = c.prepareStatement(qReserveFn)) {
          ps.setString(1, project);
          ps.setObject(2, instance);
          ps.setLong(3, id);
          ps.setArray(4, c.createArrayOf("text", k.ordered));
          ps.setArray(5, c.createArrayOf("text", k.sorted));
          ps.setLong(6, amount);
          ps.setObject(7, time(now));
          ps.setObject(8, time(expires));
          ps.setObject(9, time(forgetAt));
          ps.setBoolean(10, retry);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            switch (rs.getInt(1)) {
              case 0:
                return ReserveResult.OK;
              case 1:
                return ReserveResult.exhausted(rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
              default:
                return null; // a reset or an expired lease to apply first: the transaction below
            }
          }
        }
      });
      if (quick != null) {
        return quick;
      }
      return repeatableTransaction("reserve", true, (c, retry) -> {
        Map<String, Row> rows = lock(c, k, now);
        if (retry && ownReservation(c, id)) {
          // the attempt whose COMMIT answer was lost landed: its hold must not count against the repeat
          c.rollback();
          return ReserveResult.OK;
        }
        List<String> held = new ArrayList<>();
        for (String key : k.ordered) {
          Row r = rows.get(key);
          if (r == null || r.limit == null) {
            continue;
          }
          if (!Picodollars.fits(r.spent, r.reserved, amount, r.limit)) {
            c.rollback();
            return ReserveResult.exhausted(key, r.spent, r.reserved, r.limit);
          }
          held.add(key);
        }
        write(c, rows);
        String[] heldKeys = held.toArray(new String[0]);
        try (PreparedStatement ps = c.prepareStatement(qInsertReservation)) {
          ps.setLong(1, amount);
          ps.setString(2, project);
          ps.setArray(3, c.createArrayOf("text", amount == 0 ? new String[0] : heldKeys));
          ps.setString(4, project);
          ps.setObject(5, instance);
          ps.setLong(6, id);
          ps.setArray(7, c.createArrayOf("text", k.sorted));
          ps.setArray(8, c.createArrayOf("text", heldKeys));
          ps.setLong(9, amount);
          ps.setObject(10, time(now));
          ps.setObject(11, time(expires));
          ps.setObject(12, time(forgetAt));
          ps.executeUpdate();
        }
        commit(c);
        return ReserveResult.OK;
      });
    } catch (BudgetStoreException e) {
      if (e.getCause() instanceof java.sql.SQLException
          && "23505".equals(((java.sql.SQLException) e.getCause()).getSQLState())) {
        for (Throwable earlier : e.getCause().getSuppressed()) {
          if (earlier instanceof SQLException && connectionLost((SQLException) earlier)) {
            return ReserveResult.OK; // our own row: the attempt whose connection was lost had committed
          }
        }
        // the reservation row's key: an id this store object handed out is still live
        throw new IllegalStateException("reservation id " + id + " is already in use", e);
      }
      throw e;
    }
  }

  /** Whether reservation {@code id} of this store object has a row (after the lock: what committed before it). */
  private boolean ownReservation(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(qReservation)) {
      ps.setString(1, project);
      ps.setObject(2, instance);
      ps.setLong(3, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now) {
    return settle(id, actual, model, now, null);
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now, Usage usage) {
    return settle(id, actual, model, now, usage, null);
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now, Usage usage, String sdk) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    int quick = !functions ? 2 : oneRoundTrip("settle", (c, retry) -> {
      try (PreparedStatement ps = c.prepareStatement(qSettleFn)) {
        ps.setString(1, project);
        ps.setObject(2, instance);
        ps.setLong(3, id);
        ps.setLong(4, actual);
        ps.setString(5, model);
        ps.setObject(6, time(now));
        if (usage != null) {
          ps.setLong(7, usage.inputTokens());
          ps.setLong(8, usage.cacheReadTokens());
          ps.setLong(9, usage.cacheWrite5mTokens() + usage.cacheWrite1hTokens());
          ps.setLong(10, usage.outputTokens());
          ps.setLong(11, usage.reasoningTokens());
          ps.setBoolean(12, usage.estimated());
        } else {
          for (int i = 7; i <= 11; i++) {
            ps.setNull(i, Types.BIGINT);
          }
          ps.setNull(12, Types.BOOLEAN);
        }
        ps.setString(13, sdk);
        ps.setBoolean(14, retry);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    });
    if (quick != 2) {
      return quick == 0;
    }
    if (functions && actual != 0) {
      // the rows the reservation's keys lack, created first in key order and committed, so the
      // transaction below locks every row in key order (see createRows)
      oneRoundTrip("create budget rows", (c, retry) -> {
        try (PreparedStatement ps = c.prepareStatement(qInsertReservationRows)) {
          ps.setString(1, project);
          ps.setObject(2, time(now));
          ps.setObject(3, time(now));
          ps.setString(4, project);
          ps.setObject(5, instance);
          ps.setLong(6, id);
          return ps.executeUpdate();
        }
      });
    }
    // a reset, an expired lease or a row to create first: the multi-statement transaction
    return inTransactionOnce("settle", c -> {
      String[] keys;
      try (PreparedStatement ps = c.prepareStatement(qReservation)) {
        ps.setString(1, project);
        ps.setObject(2, instance);
        ps.setLong(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            return false;
          }
          keys = (String[]) rs.getArray(1).getArray();
        }
      }
      CallKeys k = new CallKeys(keys);
      Map<String, Row> rows = lock(c, k, now);
      boolean release;
      Set<String> held;
      long amount;
      try (PreparedStatement ps = c.prepareStatement(qDeleteReservation)) {
        ps.setString(1, project);
        ps.setObject(2, instance);
        ps.setLong(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback(); // settled by a concurrent call, or forgotten meanwhile
            return false;
          }
          release = !rs.getBoolean(1);
          held = Set.of((String[]) rs.getArray(2).getArray());
          amount = rs.getLong(3);
        }
      }
      if (actual != 0) {
        track(c, k, rows, now);
      }
      for (String key : k.sorted) {
        Row r = rows.get(key);
        if (r == null) {
          continue;
        }
        if (release && held.contains(key)) {
          r.release(amount);
        }
        if (actual != 0) {
          r.spend(actual);
        }
      }
      writeAndBook(c, k, rows, actual, model, now, usage, instance + ":" + id, sdk);
      commit(c);
      return true;
    });
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now) {
    charge(keys, actual, model, now, null);
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now, Usage usage) {
    charge(keys, actual, model, now, usage, null);
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now, Usage usage, String sdk) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    if (actual == 0) {
      return;
    }
    CallKeys k = new CallKeys(keys);
    createRows(k, now);
    inTransaction("charge", c -> {
      Map<String, Row> rows = lock(c, k, now);
      track(c, k, rows, now);
      for (Row r : rows.values()) {
        if (k.contains(r.key)) {
          r.spend(actual);
        }
      }
      writeAndBook(c, k, rows, actual, model, now, usage, null, sdk);
      commit(c);
      return null;
    });
  }

  @Override
  public int expireLeases(Instant now) {
    return inTransaction("expire leases", c -> {
      int released = 0;
      while (true) {
        Set<String> lockKeys = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement(qExpiredCandidates)) {
          ps.setString(1, project);
          ps.setObject(2, time(now));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              lockKeys.add(rs.getString(1));
            }
          }
        }
        CallKeys k = new CallKeys(lockKeys.toArray(new String[0]));
        Map<String, Row> rows = lock(c, k, now, false);
        int n;
        try (PreparedStatement ps = c.prepareStatement(qExpireAny)) {
          ps.setString(1, project);
          ps.setObject(2, time(now));
          ps.setArray(3, c.createArrayOf("text", k.sorted));
          n = releaseExpired(ps, rows);
        }
        write(c, rows);
        commit(c);
        released += n;
        if (n < 200 || lockKeys.isEmpty()) {
          break;
        }
      }
      try (PreparedStatement ps = c.prepareStatement(qForget)) {
        ps.setString(1, project);
        ps.setObject(2, time(now));
        ps.executeUpdate();
      }
      commit(c);
      return released;
    });
  }

  @Override
  public Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    // read only: no row lock, so a dashboard never queues behind calls; the reset and the expired
    // leases it would apply are applied to what it shows
    return inTransaction("snapshot", c -> {
      Row r;
      try (PreparedStatement ps = c.prepareStatement(qBudgets.replace(" ORDER BY key FOR UPDATE", ""))) {
        ps.setString(1, project);
        ps.setArray(2, c.createArrayOf("text", new String[] {key}));
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            return Optional.empty();
          }
          r = new Row(rs);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(qExpiredHeld)) {
        ps.setString(1, project);
        ps.setObject(2, time(now));
        ps.setString(3, key);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          r.reserved = Math.max(0, r.reserved - rs.getLong(1));
        }
      }
      Map<String, BigDecimal> models = new TreeMap<>();
      if (r.nextReset != null && !now.isBefore(r.nextReset)) {
        r.periodStart = r.duration.currentPeriodStart(r.periodStart, now, r.createdAt, zone);
        r.nextReset = r.duration.nextReset(r.periodStart, r.createdAt, zone);
        r.spent = 0;
      } else {
        try (PreparedStatement ps = c.prepareStatement(qModels)) {
          ps.setString(1, project);
          ps.setString(2, key);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              models.put(rs.getString(1), Picodollars.toDollars(rs.getLong(2)));
            }
          }
        }
      }
      c.rollback();
      return Optional.of(new BudgetSnapshot(key,
          r.limit == null ? null : Picodollars.toDollars(r.limit),
          Picodollars.toDollars(r.spent),
          Picodollars.toDollars(r.reserved),
          Collections.unmodifiableMap(models),
          r.duration, r.createdAt, r.periodStart, r.nextReset));
    });
  }

  @Override
  public void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    inTransaction("put budget", c -> {
      if (insertBudget(c, key, totalBudget, duration, createdAt)) {
        commit(c);
        return null;
      }
      Map<String, Row> rows = lock(c, new CallKeys(new String[] {key}), createdAt);
      Row r = rows.get(key);
      Instant next = r.nextReset;
      if (!java.util.Objects.equals(r.duration, duration)) {
        next = duration == null ? null : duration.nextReset(r.periodStart, r.createdAt, zone);
      }
      write(c, rows);
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + prefix
          + "budget SET limit_pico = ?, duration = ?, next_reset = ? WHERE project = ? AND key = ?")) {
        setLimit(ps, 1, totalBudget);
        ps.setString(2, duration == null ? null : duration.toString());
        ps.setObject(3, next == null ? null : time(next), Types.TIMESTAMP_WITH_TIMEZONE);
        ps.setString(4, project);
        ps.setString(5, key);
        ps.executeUpdate();
      }
      commit(c);
      return null;
    });
  }

  @Override
  public boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    if (known.contains(key)) {
      return false;
    }
    boolean created = inTransaction("put budget", c -> {
      boolean inserted = insertBudget(c, key, totalBudget, duration, createdAt);
      commit(c);
      return inserted;
    });
    known.add(key);
    return created;
  }

  private boolean insertBudget(Connection c, String key, BigDecimal totalBudget, BudgetDuration duration,
      Instant createdAt) throws SQLException {
    Instant start = duration == null ? createdAt : duration.currentPeriodStart(createdAt, createdAt, createdAt, zone);
    Instant next = duration == null ? null : duration.nextReset(start, createdAt, zone);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix
        + "budget (project, key, limit_pico, duration, created_at, period_start, next_reset)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, project);
      ps.setString(2, key);
      setLimit(ps, 3, totalBudget);
      ps.setString(4, duration == null ? null : duration.toString());
      ps.setObject(5, time(createdAt));
      ps.setObject(6, time(start));
      ps.setObject(7, next == null ? null : time(next), Types.TIMESTAMP_WITH_TIMEZONE);
      return ps.executeUpdate() == 1;
    }
  }

  @Override
  public Set<String> keys() {
    return inTransaction("list keys", c -> {
      Set<String> out = new LinkedHashSet<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT key FROM " + prefix
          + "budget WHERE project = ? ORDER BY key")) {
        ps.setString(1, project);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      }
      c.rollback();
      return Collections.unmodifiableSet(out);
    });
  }

  /** The ledger ({@code charge}) summed per day in the store's zone. */
  @Override
  public Optional<dev.llmbudget.store.SpendHistory> spendHistory() {
    return Optional.of((key, from, to) -> inTransaction("read spend per day", c -> {
      boolean all = BudgetStore.GLOBAL_KEY.equals(key);
      List<dev.llmbudget.store.SpendHistory.Day> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT (charged_at AT TIME ZONE ?)::date, sum(cost_pico), count(*)"
          + " FROM " + prefix + "charge WHERE project = ? AND charged_at >= ? AND charged_at < ?"
          + (all ? "" : " AND user_key = ?") + " GROUP BY 1 ORDER BY 1")) {
        ps.setString(1, zone.getId());
        ps.setString(2, project);
        ps.setObject(3, time(from));
        ps.setObject(4, time(to));
        if (!all) {
          ps.setString(5, key);
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new dev.llmbudget.store.SpendHistory.Day(rs.getObject(1, java.time.LocalDate.class),
                rs.getBigDecimal(2).movePointLeft(12).stripTrailingZeros(), rs.getLong(3)));
          }
        }
      }
      c.rollback();
      return out;
    }));
  }

  /** One row per claim in {@code alert_claim}; the primary key lets exactly one INSERT through. */
  @Override
  public boolean claimAlert(String key, String threshold, Instant periodStart, Instant periodEnd) {
    return inTransactionOnce("claim an alert", c -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "alert_claim"
          + " (project, key, period_start, threshold, period_end, claimed_at) VALUES (?, ?, ?, ?, ?, now())"
          + " ON CONFLICT DO NOTHING")) {
        ps.setString(1, project);
        ps.setString(2, key);
        ps.setObject(3, time(periodStart));
        ps.setString(4, threshold);
        ps.setObject(5, periodEnd == null ? null : time(periodEnd), Types.TIMESTAMP_WITH_TIMEZONE);
        n = ps.executeUpdate();
      }
      commit(c);
      return n == 1;
    });
  }

  @Override
  public void resetCost(String key, Instant now) {
    inTransaction("reset cost", c -> {
      Map<String, Row> rows = lock(c, new CallKeys(new String[] {key}), now);
      Row r = rows.get(key);
      if (r != null) {
        r.spent = 0;
        r.periodStart = now;
        r.nextReset = r.duration == null ? null : r.duration.nextReset(now, null, zone);
        r.dirty = true;
        r.reset = true;
      }
      write(c, rows);
      commit(c);
      return null;
    });
  }

  @Override
  public void resetDue(Instant now) {
    expireLeases(now);
    inTransaction("reset", c -> {
      List<String> due = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT key FROM " + prefix
          + "budget WHERE project = ? AND next_reset <= ?")) {
        ps.setString(1, project);
        ps.setObject(2, time(now));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            due.add(rs.getString(1));
          }
        }
      }
      if (!due.isEmpty()) {
        write(c, lock(c, new CallKeys(due.toArray(new String[0])), now));
      }
      commit(c);
      return null;
    });
  }

  @Override
  public void flush() {
    // every operation commits before it returns
  }

  @Override
  public void close() {
    try {
      pool.close();
    } catch (Exception e) {
      Log.warn("llm-budget: closing " + describe() + ": " + e, e);
    }
  }

  // ---------------------------------------------------------------- plumbing

  /** The distinct non-null keys of a call: in the caller's order, sorted, and the user among them. */
  private static final class CallKeys {
    final String[] ordered;
    final String[] sorted;
    final String user;

    CallKeys(String[] keys) {
      LinkedHashSet<String> distinct = new LinkedHashSet<>();
      for (String k : keys) {
        if (k != null) {
          distinct.add(k);
        }
      }
      ordered = distinct.toArray(new String[0]);
      sorted = new TreeSet<>(distinct).toArray(new String[0]);
      String u = null;
      for (String k : ordered) {
        if (!GLOBAL_KEY.equals(k)) {
          u = k;
          break;
        }
      }
      user = u;
    }

    boolean contains(String key) {
      for (String k : sorted) {
        if (k.equals(key)) {
          return true;
        }
      }
      return false;
    }
  }

  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** One statement in autocommit; {@code retry} says that an earlier attempt's connection was lost. */
  interface Call<T> {
    T run(Connection c, boolean retry) throws SQLException;
  }

  /**
   * Runs {@code work} in a transaction; a deadlock or serialization failure (which PostgreSQL
   * resolves by aborting one side) is retried, and so is, once and on a fresh connection, a
   * connection found dead (a pooled connection that a restarted server terminated: the server rolled
   * back whatever that transaction had done). Anything else becomes a {@link BudgetStoreException}.
   */
  private <T> T inTransaction(String what, Work<T> work) {
    return inTransaction(what, true, work);
  }

  /**
   * {@link #inTransaction} for work whose repeat after it committed would answer wrongly (a settle's
   * fallback: "unknown reservation", on which the caller charges the call again; an alert claim:
   * "claimed by another", so nobody announces): a connection lost during its COMMIT leaves it unknown
   * whether it landed, so it is not repeated but fails; the caller's journal (PendingCharges,
   * OfflineAllowanceStore) then settles the same id again, which acts once. A charge is repeated: it
   * has no id to make it idempotent, and failing would only move the same repeat to the journal.
   */
  private <T> T inTransactionOnce(String what, Work<T> work) {
    return inTransaction(what, false, work);
  }

  private <T> T inTransaction(String what, boolean repeatUnknownCommit, Work<T> work) {
    return repeatableTransaction(what, repeatUnknownCommit, (c, retry) -> work.run(c));
  }

  /** {@link #inTransaction} for work that is told whether an earlier attempt's connection was lost. */
  private <T> T repeatableTransaction(String what, boolean repeatUnknownCommit, Call<T> work) {
    return attempts(what, false, repeatUnknownCommit, (c, retry) -> {
      c.setAutoCommit(false);
      try {
        return work.run(c, retry);
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool drops it
        }
        throw e;
      }
    });
  }

  /**
   * Runs {@code call}, one statement that commits on its own (one round trip), with the retries of
   * {@link #inTransaction}. A connection lost with the statement's answer leaves it unknown whether
   * it committed, so the repeat runs with {@code retry}: the functions then answer as the first
   * attempt did if it landed.
   */
  private <T> T oneRoundTrip(String what, Call<T> call) {
    return attempts(what, true, true, call);
  }

  /**
   * Commits; a connection lost on the way becomes SQLState 08007 (transaction resolution unknown):
   * the server may have committed before the answer was lost.
   */
  private static void commit(Connection c) throws SQLException {
    try {
      c.commit();
    } catch (SQLException e) {
      if (connectionLost(e)) {
        throw new SQLException("connection lost during COMMIT, the transaction may have committed: " + e.getMessage(),
            COMMIT_UNKNOWN, e);
      }
      throw e;
    }
  }

  private <T> T attempts(String what, boolean autoCommit, boolean repeatUnknownCommit, Call<T> call) {
    SQLException last = null;
    boolean lost = false;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Connection c;
      try {
        c = connection(); // a server that is down is not retried: the pool already waited
      } catch (SQLException e) {
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
        break;
      }
      try (c) {
        if (autoCommit) {
          c.setAutoCommit(true); // no round trip: the pool hands out connections outside a transaction
        }
        return call.run(c, lost);
      } catch (SQLException e) {
        if (last != null) {
          e.addSuppressed(last);
        }
        last = e;
        if (connectionLost(e) && !lost && (repeatUnknownCommit || !COMMIT_UNKNOWN.equals(e.getSQLState()))) {
          lost = true;
          connections.dropIdle();
          continue;
        }
        String state = e.getSQLState();
        if (!"40P01".equals(state) && !"40001".equals(state)) {
          break;
        }
      }
    }
    throw new BudgetStoreException(describe() + ": " + what + " failed: " + last.getMessage(), last);
  }

  /**
   * A pooled connection. When the pool gives up because every connection is checked out and the
   * server still answers, the calls are only queued (on the same budget rows, or behind a slow
   * server): that is no outage, and treating it as one would admit calls on the offline allowance
   * that the server, which holds the truth, would have refused. So the wait goes on, up to {@link
   * #BUSY_WAITS} pool timeouts in all, and then fails with {@link BudgetStoreException#busy}, which
   * spends no allowance; so does a wait the caller's interrupt cut short. A pool that failed at
   * once (closed), or a server that does not answer a fresh connection, is an outage: the pool's
   * exception, as before. A server that refuses the fresh connection for want of resources (class
   * 53, e.g. too many connections) answered: busy.
   */
  private Connection connection() throws SQLException {
    long start = System.nanoTime();
    for (int waits = 1; ; waits++) {
      long asked = waits == 1 ? start : System.nanoTime();
      SQLException timedOut;
      try {
        return db.getConnection();
      } catch (SQLException e) {
        timedOut = e;
      }
      if (Thread.currentThread().isInterrupted()) {
        // the caller was cancelled while it waited: no sign of an outage, so no allowance either
        throw BudgetStoreException.busy(describe() + ": interrupted while waiting for a pooled connection", timedOut);
      }
      long timeout = connections.timeout().toNanos(); // read only on this rare path: the call path allocates nothing more
      // a pool that failed at once (closed) has nothing to wait for
      if (System.nanoTime() - asked < timeout / 2) {
        throw timedOut;
      }
      String server = serverState();
      if (server == null) {
        throw timedOut;
      }
      // Read after the probe, not to decide: a connection handed back at that instant makes the pool
      // look less than full, and the wait that ran out says enough.
      String busy = connections.busy();
      if (busy == null) {
        busy = "the pool gave none within its timeout";
      }
      long waited = System.nanoTime() - start;
      // the cause first: a refusal quotes only the first 500 characters of this
      String what = "every pooled connection of this JVM (" + busy + ") stayed busy for "
          + java.time.Duration.ofNanos(waited).toMillis() + " ms while the server answered: " + server;
      if (waits >= BUSY_WAITS) {
        throw BudgetStoreException.busy(describe() + ": the pool is saturated, not the server down, so no offline"
            + " allowance is spent (llmbudget.postgres.pool_size, llmbudget.api_timeout): " + what, timedOut);
      }
      long due = nextBusyLog.get();
      if (System.nanoTime() - due >= 0 && nextBusyLog.compareAndSet(due, System.nanoTime() + BUSY_LOG_EVERY_NANOS)) {
        Log.warn("llm-budget: " + describe() + ": the pool is saturated, not the server down; waiting longer: " + what);
      }
    }
  }

  /**
   * What the server says about the sessions of llm-budget when the pool is saturated, through a
   * connection of its own: how many there are, how many wait on a lock or sit idle in a transaction,
   * and what the sessions they wait on are doing; {@code null} when the server does not answer.
   */
  private String serverState() {
    // One probe at a time, its answer reused for a second: fifty waiting threads must not open fifty
    // connections to a server that may be short of them.
    synchronized (probeLock) {
      long now = System.nanoTime();
      if (probedAt != 0 && now - probedAt < PROBE_REUSE_NANOS) {
        return probed;
      }
      probed = probeServer();
      probedAt = System.nanoTime();
      return probed;
    }
  }

  private final Object probeLock = new Object();
  private long probedAt;
  private String probed;
  private static final long PROBE_REUSE_NANOS = 1_000_000_000L;

  private String probeServer() {
    try (Connection c = connections.direct(); java.sql.Statement st = c.createStatement()) {
      st.setQueryTimeout((int) Math.max(1, connections.timeout().toSeconds()));
      try (ResultSet rs = st.executeQuery(SESSIONS)) {
        rs.next();
        String blockers = rs.getString(4);
        return "sessions of llm-budget on the server: " + rs.getLong(1) + ", waiting on a lock: " + rs.getLong(2)
            + ", idle in a transaction: " + rs.getLong(3) + (blockers == null ? "" : "; they wait on " + blockers);
      }
    } catch (SQLException e) {
      // class 53 (too many connections, out of memory or disk): the server answered, it is short of something
      return e.getSQLState() != null && e.getSQLState().startsWith("53")
          ? "the server refused a connection of its own (" + e.getSQLState() + ": " + e.getMessage() + ")" : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The query of {@link #serverState}: counts of our sessions, and the three longest transactions they wait on. */
  private static final String SESSIONS = "WITH s AS (SELECT pid, state, wait_event_type, pg_blocking_pids(pid) AS held_by"
      + " FROM pg_stat_activity WHERE application_name = 'llm-budget' AND datname = current_database()),"
      + " b AS (SELECT a.pid, a.application_name, a.state, extract(epoch FROM clock_timestamp() - a.xact_start) AS xs,"
      + " left(regexp_replace(a.query, '\\s+', ' ', 'g'), 100) AS q FROM pg_stat_activity a"
      + " WHERE a.pid IN (SELECT unnest(held_by) FROM s) ORDER BY xs DESC NULLS LAST LIMIT 3)"
      + " SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM s WHERE wait_event_type = 'Lock'),"
      + " (SELECT count(*) FROM s WHERE state LIKE 'idle in transaction%'),"
      + " (SELECT string_agg(format('pid %s (%s, %s, in a transaction for %s s: %s)', pid, application_name, state,"
      + " round(xs::numeric, 1), q), '; ') FROM b)";

  /** A saturated pool is waited on for up to this many pool timeouts in all before the call fails. */
  static final int BUSY_WAITS = 3;
  private static final long BUSY_LOG_EVERY_NANOS = 60_000_000_000L;

  /**
   * Whether {@code e} says the connection is gone: the server terminated its session (57P01 admin
   * shutdown, 57P02 crash shutdown, 57P03 cannot connect now) or the socket broke (class 08).
   */
  static boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
        || state.equals("57P03"));
  }

  private static void setLimit(PreparedStatement ps, int i, BigDecimal totalBudget) throws SQLException {
    if (totalBudget == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, Picodollars.of(totalBudget));
    }
  }

  static OffsetDateTime time(Instant t) {
    return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  static Instant instant(ResultSet rs, int i) throws SQLException {
    OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }
}
