package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.Usage;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import dev.llmbudget.isolated.postgres.SpendReport;
import dev.llmbudget.isolated.postgres.SpendReport.ModelDaySpend;
import dev.llmbudget.isolated.postgres.SpendReport.UserSpend;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The ledger of the postgres store: one row per settled call, the reports on it, and the schema's life. */
class PostgresLedgerTest {

  static final Instant T0 = Instant.parse("2026-03-10T22:30:00Z");
  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  String schema;
  BudgetStore store;
  PGSimpleDataSource db;

  @BeforeEach
  void open() {
    schema = PostgresServer.freshSchema();
    store = new PostgresStoreProvider().open("app", PostgresServer.url(),
        BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema)));
    db = new PGSimpleDataSource();
    db.setURL(PostgresServer.url());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void everySettledCallIsOneLedgerRowWithItsTokensAndReservation() throws Exception {
    store.putBudget("alice", new BigDecimal("10"), null, T0);
    long id = store.newReservationId();
    store.reserve(id, new String[] {BudgetStore.GLOBAL_KEY, "alice"}, 2 * DOLLAR, T0, T0.plusSeconds(600));
    Usage usage = new Usage("gpt-4o", 1000, 200, 300, 40, 2, 50, false);

    store.settle(id, DOLLAR, "gpt-4o", T0, usage);
    store.settle(id, DOLLAR, "gpt-4o", T0, usage); // a second settle books nothing
    store.charge(new String[] {BudgetStore.GLOBAL_KEY}, DOLLAR / 4, "claude-3", T0, Usage.of("claude-3", 5, 5).asEstimated());
    long released = store.newReservationId();
    store.reserve(released, new String[] {BudgetStore.GLOBAL_KEY, "alice"}, DOLLAR, T0, T0.plusSeconds(600));
    store.settle(released, 0, null, T0); // a release is no call

    try (Connection c = db.getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT charged_at, project, user_key, model, input_tokens, cached_tokens,"
            + " cache_write_tokens, output_tokens, reasoning_tokens, cost_pico, estimated, reservation FROM "
            + schema + ".charge ORDER BY seq")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject(1, java.time.OffsetDateTime.class).toInstant()).isEqualTo(T0);
      assertThat(rs.getString(2)).isEqualTo("app");
      assertThat(rs.getString(3)).isEqualTo("alice");
      assertThat(rs.getString(4)).isEqualTo("gpt-4o");
      assertThat(new long[] {rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)})
          .containsExactly(1000, 300, 42, 200, 50);
      assertThat(rs.getLong(10)).isEqualTo(DOLLAR);
      assertThat(rs.getBoolean(11)).isFalse();
      assertThat(rs.getString(12)).endsWith(":" + id);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(3)).isNull();
      assertThat(rs.getString(4)).isEqualTo("claude-3");
      assertThat(rs.getBoolean(11)).isTrue();
      assertThat(rs.getString(12)).isNull();
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void reportsSumTheLedgerPerUserAndPerModelPerDay() {
    String[] alice = {BudgetStore.GLOBAL_KEY, "alice"};
    String[] bob = {BudgetStore.GLOBAL_KEY, "bob"};
    store.charge(alice, DOLLAR, "gpt-4o", T0, null);
    store.charge(alice, DOLLAR / 2, "gpt-4o-mini", T0.plusSeconds(3600), null); // 23:30 UTC, next day in Paris
    store.charge(bob, 3 * DOLLAR, "gpt-4o", T0.plusSeconds(7200), null);
    store.charge(bob, 7 * DOLLAR, "gpt-4o", T0.plusSeconds(86_400 * 3), null); // outside the range

    SpendReport report = SpendReport.on(db, schema);
    Instant to = T0.plusSeconds(86_400);

    assertThat(report.perUser("app", T0, to)).containsExactly(
        new UserSpend("bob", new BigDecimal("3"), 1), new UserSpend("alice", new BigDecimal("1.5"), 2));
    assertThat(report.perUser("other", T0, to)).isEmpty();
    assertThat(report.perModelPerDay("app", T0, to, ZoneOffset.UTC)).containsExactly(
        new ModelDaySpend(LocalDate.parse("2026-03-10"), "gpt-4o", new BigDecimal("1"), 1),
        new ModelDaySpend(LocalDate.parse("2026-03-10"), "gpt-4o-mini", new BigDecimal("0.5"), 1),
        new ModelDaySpend(LocalDate.parse("2026-03-11"), "gpt-4o", new BigDecimal("3"), 1));
    assertThat(report.perModelPerDay("app", T0, to, ZoneId.of("Europe/Paris"))).containsExactly(
        new ModelDaySpend(LocalDate.parse("2026-03-10"), "gpt-4o", new BigDecimal("1"), 1),
        new ModelDaySpend(LocalDate.parse("2026-03-11"), "gpt-4o", new BigDecimal("3"), 1),
        new ModelDaySpend(LocalDate.parse("2026-03-11"), "gpt-4o-mini", new BigDecimal("0.5"), 1));
  }

  @Test
  void aRoleThatCannotCreateTablesRunsOnASchemaTheDbaCreated() throws Exception {
    String role = "app_" + schema;
    PostgresServer.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'secret-pw'");
    PostgresServer.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
    PostgresServer.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role);
    PostgresServer.execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role);
    String url = PostgresServer.url().replaceAll("\\?.*", "");
    BudgetConfig config = BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema,
        "llmbudget.postgres.user", role, "llmbudget.postgres.password", "secret-pw"));

    try (BudgetStore limited = new PostgresStoreProvider().open("app", url, config)) {
      limited.putBudget("alice", BigDecimal.ONE, null, T0);
      limited.charge(new String[] {"alice"}, DOLLAR / 4, "gpt-4o", T0);
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("0.25");
      long id = limited.newReservationId(); // the functions of version 3 run with the role's own rights
      assertThat(limited.reserve(id, new String[] {"alice"}, DOLLAR / 2, T0, T0.plusSeconds(600)).isOk()).isTrue();
      assertThat(limited.settle(id, DOLLAR / 4, "gpt-4o", T0)).isTrue();
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("0.5");
    }
    BudgetConfig elsewhere = BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema + "_new",
        "llmbudget.postgres.user", role, "llmbudget.postgres.password", "secret-pw"));
    assertThatThrownBy(() -> new PostgresStoreProvider().open("app", url, elsewhere))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("docs/postgres.md")
        .hasMessageNotContaining("secret-pw");
  }

  @Test
  void aSchemaNewerThanThisCodeIsRefusedWithAClearError() throws Exception {
    PostgresServer.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (99)");

    assertThatThrownBy(() -> new PostgresStoreProvider().open("app", PostgresServer.url(),
        BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema))))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("version 99");
  }

  @Test
  void aBudgetManagerOnPostgresSeesWhatAnotherStoreObjectCharged() {
    BudgetManager manager = new BudgetManager("app", "postgres", PostgresServer.url());
    // the manager's store uses the default schema; this one writes there too
    try (BudgetStore other = new PostgresStoreProvider().open("app", PostgresServer.url(), BudgetConfig.of(Map.of()))) {
      String user = "u" + System.nanoTime();
      manager.createBudget(10.0, user, null);
      other.charge(new String[] {user}, 2 * DOLLAR, "gpt-4o", Instant.now());
      assertThat(manager.getCurrentCost(user)).isEqualByComparingTo("2");
      assertThat(manager.getModelCost(user)).containsOnlyKeys("gpt-4o");
      assertThat(manager.isValidUser(user)).isTrue();
    }
  }

  @Test
  void theStoreNamesItsServerWithoutThePasswordInTheUrl() {
    String url = PostgresServer.url() + (PostgresServer.url().contains("?") ? "&" : "?") + "password=hunter2";
    try (BudgetStore s = new PostgresStoreProvider().open("app", url,
        BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema)))) {
      assertThat(s.describe()).contains("postgres store jdbc:postgresql://").doesNotContain("hunter2");
    }
    assertThatThrownBy(() -> new PostgresStoreProvider().open("app", "jdbc:postgresql://127.0.0.1:1/x?password=hunter2",
        BudgetConfig.of(Map.of("llmbudget.api_timeout", "1s"))))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("cannot connect to the postgres store jdbc:postgresql://127.0.0.1:1/x")
        .hasMessageNotContaining("hunter2");
  }
}
