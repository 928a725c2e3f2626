package dev.llmbudget.isolated.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.Usage;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreException;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.store.ReserveResult;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Schema version 3 on a real PostgreSQL: a call's reserve and its settle are one round trip each; a
 * repeat after a lost answer acts once; a version-2 database is brought to 3 in place with its
 * budgets and reservations; and a schema the code does not know, or cannot bring up to date, is
 * refused with an error that says which.
 */
class ServerFunctionsTest {

  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);
  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final String[] KEYS = {"alice", BudgetStore.GLOBAL_KEY};

  static EmbeddedPostgres pg;
  final String schema = "fn_" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 1_000_000;
  /** Statements, commits and rollbacks sent through {@link #counting}: one round trip each. */
  final AtomicInteger roundTrips = new AtomicInteger();

  @BeforeAll
  static void start() throws IOException {
    pg = EmbeddedPostgres.builder().setServerConfig("listen_addresses", "127.0.0.1").start();
  }

  @AfterAll
  static void stop() throws IOException {
    pg.close();
  }

  static PGSimpleDataSource plain(String user) {
    PGSimpleDataSource db = new PGSimpleDataSource();
    db.setURL("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres?user=" + user);
    return db;
  }

  void migrate() throws SQLException {
    try (Connection c = plain("postgres").getConnection()) {
      Schema.migrate(c, schema);
    }
  }

  long query(String sql) throws SQLException {
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(String.format(sql, schema))) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aCallIsOneRoundTripToReserveAndOneToSettleWithTheSameChecksAndLedgerRow() throws SQLException {
    migrate();
    PostgresStore store = new PostgresStore(counting(plain("postgres")), () -> { }, schema, "app", ZoneOffset.UTC, "test");
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, T0);
    store.putBudget("alice", new BigDecimal("2"), null, T0);
    long warm = store.newReservationId(); // the first reserve of a JVM also sweeps old leases
    assertThat(store.reserve(warm, KEYS, 0, T0, T0.plus(Duration.ofMinutes(10))).isOk()).isTrue();
    roundTrips.set(0);

    long id = store.newReservationId();
    assertThat(store.reserve(id, KEYS, DOLLAR, T0, T0.plus(Duration.ofMinutes(10))).isOk()).isTrue();
    assertThat(roundTrips.getAndSet(0)).as("round trips of a reserve").isEqualTo(1);
    assertThat(store.settle(id, DOLLAR / 2, "gpt-4o", T0, Usage.of("gpt-4o", 10, 5))).isTrue();
    assertThat(roundTrips.getAndSet(0)).as("round trips of a settle").isEqualTo(1);
    ReserveResult refused = store.reserve(store.newReservationId(), KEYS, DOLLAR * 2, T0, T0.plus(Duration.ofMinutes(10)));
    assertThat(roundTrips.getAndSet(0)).as("round trips of a refusal").isEqualTo(1);
    assertThat(store.settle(warm, 0, null, T0)).as("a release").isTrue();
    assertThat(roundTrips.getAndSet(0)).as("round trips of a release").isEqualTo(1);
    assertThat(store.settle(warm, 0, null, T0)).as("settled already").isFalse();

    assertThat(refused.isOk()).isFalse();
    assertThat(refused.exhaustedKey()).isEqualTo("alice");
    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("0.5");
    assertThat(alice.reserved()).isZero();
    assertThat(alice.modelCost()).containsOnlyKeys("gpt-4o");
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().currentCost()).isEqualByComparingTo("0.5");
    assertThat(query("SELECT count(*) FROM %s.charge WHERE user_key = 'alice' AND model = 'gpt-4o' AND input_tokens = 10"
        + " AND output_tokens = 5 AND cost_pico = " + DOLLAR / 2 + " AND NOT estimated AND reservation LIKE '%%:" + id + "'"))
        .isEqualTo(1);
    assertThat(query("SELECT count(*) FROM %s.charge")).as("a release is not a call").isEqualTo(1);
  }

  @Test
  void jvmsOfThePreviousReleaseAndOfThisOneChargingTheSameBudgetsTogetherNeverOverspend() throws Exception {
    migrate();
    PostgresStore[] stores = new PostgresStore[2];
    for (int i = 0; i < 2; i++) {
      PGSimpleDataSource db = plain("postgres");
      stores[i] = new PostgresStore(db, () -> { }, schema, "app", ZoneOffset.UTC, "test");
    }
    stores[1].functions = false; // the transactions of the previous release, on the same rows
    int calls = 120;
    long cost = DOLLAR / 1000;
    stores[0].putBudget("alice", Picodollars.toDollars(cost * calls), null, T0);
    stores[0].putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1000"), null, T0);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicIntegerArray admitted = new java.util.concurrent.atomic.AtomicIntegerArray(2);
    java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        int which = t % 2;
        PostgresStore store = stores[which];
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < calls / 4; i++) { // 8 threads: twice the calls the budget pays
            long id = store.newReservationId();
            if (store.reserve(id, KEYS, 2 * cost, T0, T0.plus(Duration.ofMinutes(10))).isOk()) {
              admitted.incrementAndGet(which);
              store.settle(id, cost, "gpt-4o", T0);
            }
            BudgetSnapshot s = store.snapshot("alice", T0).orElseThrow();
            assertThat(s.currentCost().add(s.reserved())).isLessThanOrEqualTo(s.totalBudget());
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    // 240 attempts of calls that hold 2 and spend 1 on a budget of 120: the budget runs out
    int calls0 = admitted.get(0);
    int calls1 = admitted.get(1);
    assertThat(calls0).as("calls of this release").isPositive();
    assertThat(calls1).as("calls of the previous release").isPositive();
    long spent = cost * (calls0 + calls1);
    BudgetSnapshot alice = stores[0].snapshot("alice", T0).orElseThrow();
    assertThat(Picodollars.of(alice.currentCost())).as("every admitted call, once").isEqualTo(spent);
    assertThat(spent).isLessThanOrEqualTo(cost * calls).isGreaterThan(cost * calls / 2);
    assertThat(alice.reserved()).isZero();
    assertThat(Picodollars.of(stores[1].snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().currentCost())).isEqualTo(spent);
    assertThat(query("SELECT sum(cost_pico) FROM %s.charge")).isEqualTo(spent);
    assertThat(query("SELECT count(*) FROM %s.reservation")).isZero();
  }

  @Test
  void aReserveOrSettleRepeatedAfterItsAnswerWasLostActsOnce() throws SQLException {
    migrate();
    PostgresStore store = new PostgresStore(plain("postgres"), () -> { }, schema, "app", ZoneOffset.UTC, "test");
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, T0);
    UUID instance = UUID.randomUUID();
    try (Connection c = plain("postgres").getConnection()) {
      assertThat(reserve(c, instance, false)).isZero();
      assertThat(reserve(c, instance, true)).as("the repeat finds its own row").isZero();
      assertThatThrownBy(() -> reserve(c, instance, false)).as("an id in use, not a repeat")
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
      assertThat(query("SELECT reserved_pico FROM %s.budget WHERE key = '$global'")).isEqualTo(DOLLAR);

      assertThat(settle(c, instance, false)).isZero();
      assertThat(settle(c, instance, true)).as("the repeat finds its own ledger row").isZero();
      assertThat(settle(c, instance, false)).as("not a repeat: unknown").isEqualTo(1);
    }
    BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow();
    assertThat(Picodollars.of(global.currentCost())).isEqualTo(DOLLAR / 4);
    assertThat(global.reserved()).isZero();
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(1);
  }

  @Test
  void aRepeatThatRunsWhileTheFirstAttemptIsStillOpenOnTheServerAnswersAsTheFirstDid() throws Exception {
    migrate();
    PostgresStore store = new PostgresStore(plain("postgres"), () -> { }, schema, "app", ZoneOffset.UTC, "test");
    // room for one hold of $1, not two: a repeat that counted the first attempt's hold would refuse
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1.5"), null, T0);
    UUID instance = UUID.randomUUID();
    java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (Connection first = plain("postgres").getConnection(); Connection repeat = plain("postgres").getConnection()) {
      first.setAutoCommit(false); // the first attempt ran, its backend has not committed yet
      assertThat(reserve(first, instance, false)).isZero();
      java.util.concurrent.Future<Integer> reserved = other.submit(() -> reserve(repeat, instance, true));
      awaitLockWait();
      first.commit();
      assertThat(reserved.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the repeat finds the first's row").isZero();
      assertThat(query("SELECT reserved_pico FROM %s.budget WHERE key = '$global'")).isEqualTo(DOLLAR);

      assertThat(settle(first, instance, false)).isZero();
      java.util.concurrent.Future<Integer> settled = other.submit(() -> settle(repeat, instance, true));
      awaitLockWait();
      first.commit();
      // 1 would read "unknown reservation": the engine then charges the call a second time
      assertThat(settled.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the repeat finds the first's ledger row")
          .isZero();
    } finally {
      other.shutdownNow();
    }
    BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow();
    assertThat(Picodollars.of(global.currentCost())).isEqualTo(DOLLAR / 4);
    assertThat(global.reserved()).isZero();
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(1);
  }

  @Test
  void aFunctionCreatedOnTheRolesSearchPathCannotStandInForABuiltInTheChecksUse() throws SQLException {
    migrate();
    String other = schema + "_other";
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      // a closer match for text[] than the built-in cardinality(anyarray), as anyone with CREATE on
      // a schema of the search path (public, before PostgreSQL 15) can make
      st.execute("CREATE SCHEMA " + other);
      st.execute("CREATE FUNCTION " + other + ".cardinality(text[]) RETURNS integer LANGUAGE sql AS 'SELECT 0'");
    }
    PGSimpleDataSource db = plain("postgres");
    db.setOptions("-c search_path=" + other + ",public");
    PostgresStore store = new PostgresStore(db, () -> { }, schema, "app", ZoneOffset.UTC, "test");
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1.5"), null, T0);
    assertThat(store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, DOLLAR, T0,
        T0.plusSeconds(600)).isOk()).isTrue();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().reserved()).as("the hold is taken")
        .isEqualByComparingTo("1");
    assertThat(store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, DOLLAR, T0,
        T0.plusSeconds(600)).isOk()).as("a second $1 on $1.50").isFalse();
  }

  @Test
  void theFunctionsInDocsPostgresMdAreTheOnesTheCodeCreates() throws IOException {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "postgres.md"));
    String from = "CREATE FUNCTION llmbudget.reserve";
    String to = "INSERT INTO llmbudget.schema_version (version) VALUES (3);";
    assertThat(docs).contains(from, to);
    // a DBA who creates the schema by hand gets exactly what a migration would create
    assertThat(docs.substring(docs.indexOf(from), docs.indexOf(to))).isEqualTo(String.format(Schema.FUNCTIONS, "llmbudget"));
  }

  @Test
  void aSettleOrAlertClaimWhoseCommitAnswerWasLostIsNotRepeatedWhereTheRepeatWouldAnswerWrongly() throws SQLException {
    migrate();
    java.util.concurrent.atomic.AtomicBoolean loseNextCommit = new java.util.concurrent.atomic.AtomicBoolean();
    PostgresStore store = new PostgresStore(losingCommitAnswer(plain("postgres"), loseNextCommit), () -> { }, schema,
        "app", ZoneOffset.UTC, "test");
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, T0);

    store.charge(KEYS, DOLLAR, "gpt-4o", T0);
    // bob has no row yet: the settle function answers 2 and the multi-statement transaction runs
    String[] bob = {"bob", BudgetStore.GLOBAL_KEY};
    long id = store.newReservationId();
    assertThat(store.reserve(id, bob, DOLLAR, T0, T0.plusSeconds(600)).isOk()).isTrue();
    loseNextCommit.set(true);
    // a repeat would answer false ("unknown reservation"), on which the engine charges the call again
    assertThatThrownBy(() -> store.settle(id, DOLLAR / 2, "gpt-4o", T0)).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("may have committed");
    assertThat(store.settle(id, DOLLAR / 2, "gpt-4o", T0)).as("the journal's later repeat acts once").isFalse();
    BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow();
    assertThat(Picodollars.of(global.currentCost())).isEqualTo(DOLLAR + DOLLAR / 2);
    assertThat(global.reserved()).isZero();
    assertThat(Picodollars.of(store.snapshot("bob", T0).orElseThrow().currentCost())).isEqualTo(DOLLAR / 2);
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(2);

    loseNextCommit.set(true);
    // a repeat would find the claim made and answer false: nobody would announce the crossing
    assertThatThrownBy(() -> store.claimAlert("alice", "0.8", T0, null)).isInstanceOf(BudgetStoreException.class);
    assertThat(query("SELECT count(*) FROM %s.alert_claim")).isEqualTo(1);
  }

  @Test
  void aReserveRepeatedAfterItsCommitAnswerWasLostDoesNotCountItsOwnHold() throws SQLException {
    migrate();
    java.util.concurrent.atomic.AtomicBoolean loseNextCommit = new java.util.concurrent.atomic.AtomicBoolean();
    PostgresStore store = new PostgresStore(losingCommitAnswer(plain("postgres"), loseNextCommit), () -> { }, schema,
        "app", ZoneOffset.UTC, "test");
    // a daily budget whose period is due to reset: the function answers 2, the transaction runs
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1.5"), dev.llmbudget.BudgetDuration.DAILY,
        T0.minus(Duration.ofDays(2)));
    long warm = store.newReservationId(); // the first reserve of a JVM also sweeps leases (a commit)
    assertThat(store.reserve(warm, new String[] {"nobody"}, 0, T0, T0.plusSeconds(600)).isOk()).isTrue();
    assertThat(store.settle(warm, 0, null, T0)).isTrue();
    loseNextCommit.set(true);
    ReserveResult r = store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, DOLLAR, T0,
        T0.plusSeconds(600));
    assertThat(r.isOk()).as("room for $1 of $1.50; the repeat must not count the first attempt's hold").isTrue();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().reserved()).isEqualByComparingTo("1");
    assertThat(query("SELECT count(*) FROM %s.reservation")).isEqualTo(1);
  }

  /** {@code db} whose next COMMIT, once {@code lose} is set, lands but its answer is lost with the connection. */
  private DataSource losingCommitAnswer(DataSource db, java.util.concurrent.atomic.AtomicBoolean lose) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, m, args) -> {
          Object r = invoke(db, m, args);
          if (!m.getName().equals("getConnection")) {
            return r;
          }
          Connection c = (Connection) r;
          return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
              (p, cm, cargs) -> {
                Object out = invoke(c, cm, cargs);
                if (cm.getName().equals("commit") && lose.compareAndSet(true, false)) {
                  c.close();
                  throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                }
                return out;
              });
        });
  }

  /** Waits until a session of this test waits for a row lock (the repeat, behind the first attempt). */
  private void awaitLockWait() throws Exception {
    long until = System.nanoTime() + 30_000_000_000L;
    while (query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 0) {
      assertThat(System.nanoTime()).as("the repeat waits for the first attempt's lock").isLessThan(until);
      Thread.sleep(20);
    }
  }

  private int reserve(Connection c, UUID instance, boolean retry) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT o_status FROM " + schema
        + ".reserve('app', ?, 1, ARRAY['$global'], ARRAY['$global'], ?, ?, ?, ?, ?)")) {
      ps.setObject(1, instance);
      ps.setLong(2, DOLLAR);
      ps.setObject(3, PostgresStore.time(T0));
      ps.setObject(4, PostgresStore.time(T0.plusSeconds(600)));
      ps.setObject(5, PostgresStore.time(T0.plusSeconds(1200)));
      ps.setBoolean(6, retry);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private int settle(Connection c, UUID instance, boolean retry) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + schema
        + ".settle('app', ?, 1, ?, 'gpt-4o', ?, 10, 0, 0, 5, 0, false, NULL, ?)")) {
      ps.setObject(1, instance);
      ps.setLong(2, DOLLAR / 4);
      ps.setObject(3, PostgresStore.time(T0.plusSeconds(1)));
      ps.setBoolean(4, retry);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  @Test
  void aVersion2DatabaseIsBroughtToVersion3InPlaceKeepingItsBudgetsAndReservations() throws SQLException {
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      for (int v = 0; v < 2; v++) { // what llm-budget 0.2 created
        st.execute(String.format(Schema.MIGRATIONS.get(v), schema));
        st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (v + 1) + ")");
      }
      st.execute("INSERT INTO " + schema + ".budget (project, key, limit_pico, created_at, period_start, spent_pico,"
          + " reserved_pico) VALUES ('app', '$global', " + 10 * DOLLAR + ", now(), now(), " + DOLLAR + ", " + 2 * DOLLAR + ")");
      st.execute("INSERT INTO " + schema + ".reservation (project, instance, id, keys, held_keys, amount_pico,"
          + " reserved_at, expires_at, forget_at) VALUES ('app', gen_random_uuid(), 7, '{$global}', '{$global}', "
          + 2 * DOLLAR + ", '2026-03-10T10:00:00Z', '2026-03-10T11:00:00Z', '2026-03-10T12:00:00Z')");
    }

    migrate();

    assertThat(query("SELECT max(version) FROM %s.schema_version")).isEqualTo(3);
    PostgresStore store = new PostgresStore(plain("postgres"), () -> { }, schema, "app", ZoneOffset.UTC, "test");
    ReserveResult r = store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, 8 * DOLLAR, T0,
        T0.plusSeconds(600));
    assertThat(r.isOk()).as("$1 spent and the old JVM's $2 in flight leave $7").isFalse();
    assertThat(r.spentPico()).isEqualTo(DOLLAR);
    assertThat(r.reservedPico()).isEqualTo(2 * DOLLAR);
    assertThat(store.reserve(store.newReservationId(), new String[] {BudgetStore.GLOBAL_KEY}, 7 * DOLLAR, T0,
        T0.plusSeconds(600)).isOk()).isTrue();
  }

  @Test
  void aSchemaNewerThanTheCodeIsRefusedAsAVersion2JvmRefusesVersion3() throws SQLException {
    migrate();
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (4)");
    }
    assertThatThrownBy(this::migrate).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("is at version 4, newer than this llm-budget knows (3); upgrade llm-budget");
  }

  @Test
  void aVersion2DatabaseThisRoleMayNotUpgradeIsRefusedWithWhatToDo() throws SQLException {
    String role = schema + "_app";
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      for (int v = 0; v < 2; v++) {
        st.execute(String.format(Schema.MIGRATIONS.get(v), schema));
        st.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (" + (v + 1) + ")");
      }
      st.execute("CREATE ROLE " + role + " LOGIN");
      st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
      st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
    }
    assertThatThrownBy(() -> {
      try (Connection c = plain(role).getConnection()) {
        Schema.migrate(c, schema);
      }
    }).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("is missing or not at version 3 and this role may not create it")
        .hasMessageContaining("docs/postgres.md");
    assertThat(query("SELECT max(version) FROM %s.schema_version")).as("nothing half done").isEqualTo(2);
  }

  @Test
  void aRoleThatMayNotExecuteTheFunctionsIsRefusedAtStartWithTheGrantToRun() throws SQLException {
    migrate();
    String role = schema + "_noexec";
    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      // a DBA who hands out rights one by one: tables granted, functions not (PUBLIC's EXECUTE revoked)
      st.execute("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " FROM PUBLIC");
      st.execute("CREATE ROLE " + role + " LOGIN");
      st.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
      st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
    }
    assertThatThrownBy(() -> {
      try (Connection c = plain(role).getConnection()) {
        Schema.migrate(c, schema);
      }
    }).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("may not execute its functions reserve and settle")
        .hasMessageContaining("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " TO " + role);

    try (Connection c = plain("postgres").getConnection(); Statement st = c.createStatement()) {
      st.execute("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " TO " + role);
    }
    try (Connection c = plain(role).getConnection()) {
      Schema.migrate(c, schema);
    }
  }

  @Test
  void jvmsStartingTogetherOnAnEmptyDatabaseMigrateItOnce() throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    try {
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        done.add(pool.submit(() -> {
          try (Connection c = plain("postgres").getConnection()) {
            go.await();
            Schema.migrate(c, schema);
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS); // none fails on "already exists"
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(query("SELECT count(*) FROM %s.schema_version")).isEqualTo(Schema.VERSION);
    assertThat(query("SELECT count(*) FROM pg_proc WHERE pronamespace = to_regnamespace('%s')")).isEqualTo(2);
  }

  /** {@code db} with every statement, commit and rollback its connections send counted in {@link #roundTrips}. */
  private DataSource counting(DataSource db) {
    return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
        (proxy, m, args) -> {
          Object r = invoke(db, m, args);
          if (!m.getName().equals("getConnection")) {
            return r;
          }
          Connection c = (Connection) r;
          return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
              (p, cm, cargs) -> {
                String n = cm.getName();
                if (n.equals("prepareStatement") || n.equals("createStatement") || n.equals("prepareCall")
                    || (n.equals("commit") || n.equals("rollback")) && !c.getAutoCommit()) {
                  roundTrips.incrementAndGet();
                }
                return invoke(c, cm, cargs);
              });
        });
  }

  private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
