package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.Usage;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "server restart mid-run" on a real PostgreSQL, stopped and started again: calls use
 * the offline allowance (or are refused when it is zero), the journal is replayed once, the ledger
 * keeps every call's tokens, and nothing is counted twice. Each test runs its own server, since it
 * stops it.
 */
class PostgresOutageTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final Duration LEASE = Duration.ofMinutes(10);
  static final String[] KEYS = {"alice", BudgetStore.GLOBAL_KEY};

  @TempDir Path dir;
  EmbeddedPostgres pg;
  int port;
  BudgetStore store;
  String schema = PostgresServer.freshSchema();

  void startServer() throws IOException {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("data"))
        .setCleanDataDirectory(false).setServerConfig("listen_addresses", "127.0.0.1");
    if (port != 0) {
      b.setPort(port);
    }
    pg = b.start();
    port = pg.getPort();
  }

  void open(String allowance) throws IOException {
    startServer();
    store = new PostgresStoreProvider().open("outage", "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres",
        BudgetConfig.of(Map.of("llmbudget.store.offline_allowance", allowance, "llmbudget.api_timeout", "1s",
            "llmbudget.postgres.schema", schema)));
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, T0);
  }

  @AfterEach
  void stop() throws IOException {
    if (store != null) {
      store.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  static long pico(String s) {
    return Picodollars.of(new BigDecimal(s));
  }

  /** One call of 10 input and 5 output tokens: reserve {@code reserve}, settle {@code actual} with its usage. */
  boolean call(String reserve, String actual, Instant now) {
    long id = store.newReservationId();
    if (!store.reserve(id, KEYS, pico(reserve), now, now.plus(LEASE)).isOk()) {
      return false;
    }
    return store.settle(id, pico(actual), "gpt-4o", now, Usage.of("gpt-4o", 10, 5));
  }

  @Test
  void duringARestartCallsUseTheAllowanceThenResumeAndTheLedgerHasEachCallOnceWithItsTokens() throws Exception {
    open("1.00");
    assertThat(call("0.5", "0.5", T0)).isTrue();
    long inFlight = store.newReservationId(); // reserved before the outage, settled during it
    assertThat(store.reserve(inFlight, KEYS, pico("0.2"), T0, T0.plus(LEASE)).isOk()).isTrue();

    pg.close();
    Instant t1 = T0.plusSeconds(1);
    assertThat(store.settle(inFlight, pico("0.1"), "gpt-4o", t1, Usage.of("gpt-4o", 10, 5))).isTrue();
    assertThat(call("0.3", "0.3", t1)).isTrue();
    assertThat(call("0.5", "0.4", t1)).isTrue();
    assertThatThrownBy(() -> call("0.5", "0.5", t1)) // 0.1 + 0.3 + 0.4 of the $1.00 used
        .isInstanceOf(BudgetStoreException.class).hasMessageContaining("offline allowance of $1");

    startServer();
    Instant t2 = t1.plusSeconds(2);
    assertThat(call("0.1", "0.1", t2)).isTrue();
    store.flush();

    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, t2).orElseThrow().currentCost()).isEqualByComparingTo("1.4");
    assertThat(store.snapshot("alice", t2).orElseThrow().currentCost()).isEqualByComparingTo("1.4");
    assertThat(store.snapshot("alice", t2).orElseThrow().reserved()).isZero();
    assertThat(((OfflineAllowanceStore) store).journalSize()).isZero();
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(5);
    assertThat(query("SELECT count(DISTINCT reservation) FROM %s.charge")).isEqualTo(5);
    assertThat(query("SELECT sum(cost_pico) FROM %s.charge")).isEqualTo(pico("1.4"));
    assertThat(query("SELECT count(*) FROM %s.charge WHERE input_tokens = 10 AND output_tokens = 5"))
        .as("replayed rows keep their token counts").isEqualTo(5);
  }

  @Test
  void withNoAllowanceCallsAreRefusedDuringTheOutageAndGoOnAfterIt() throws Exception {
    open("0");
    assertThat(call("0.5", "0.5", T0)).isTrue();

    pg.close();
    Instant t1 = T0.plusSeconds(1);
    assertThatThrownBy(() -> call("0.1", "0.1", t1)).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining("offline allowance of $0");

    startServer();
    // the first call after the restart goes through, even if the pool still held a connection the
    // old server terminated: that one is replaced and the statement retried once
    Instant t2 = t1.plusSeconds(2);
    assertThat(call("0.1", "0.1", t2)).as("the first call after the restart").isTrue();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, t2).orElseThrow().currentCost()).isEqualByComparingTo("0.6");
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(2);
  }

  @Test
  void theFirstCallAfterARestartOfAnIdleServerGoesThroughAndCountsOnce() throws Exception {
    open("0");
    assertThat(call("0.5", "0.5", T0)).isTrue();

    pg.close(); // no call meets the outage: the pool still holds the connections of the old server
    startServer();
    Instant t1 = T0.plusSeconds(1);

    assertThat(call("0.1", "0.1", t1)).as("the first call after the restart").isTrue();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, t1).orElseThrow().currentCost()).isEqualByComparingTo("0.6");
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(2);
  }

  @Test
  void aPooledConnectionTheServerTerminatedIsReplacedAndTheCallGoesThroughOnce() throws Exception {
    open("0");
    assertThat(call("0.5", "0.5", T0)).isTrue();
    long inFlight = store.newReservationId();
    assertThat(store.reserve(inFlight, KEYS, pico("0.2"), T0, T0.plus(LEASE)).isOk()).isTrue();

    // what a restart, a failover or a pooler does to a connection a moment after its last use (too
    // soon for the pool's own liveness check): the server ends the session, 57P01
    terminateStoreSessions();
    assertThat(store.settle(inFlight, pico("0.1"), "gpt-4o", T0, Usage.of("gpt-4o", 10, 5))).isTrue();
    terminateStoreSessions();
    assertThat(call("0.3", "0.3", T0)).isTrue();

    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().currentCost()).isEqualByComparingTo("0.9");
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().reserved()).isZero();
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(3);
    assertThat(((OfflineAllowanceStore) store).journalSize()).isZero();
  }

  private void terminateStoreSessions() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid))"
            + " FROM pg_stat_activity WHERE application_name = 'llm-budget'")) {
      rs.next();
      assertThat(rs.getLong(1)).as("sessions of the store's pool").isPositive();
    }
  }

  @Test
  void aJournalIsReplayedInTheBackgroundWhenTheServerIsBackWithoutWaitingForAnotherCall() throws Exception {
    open("1.00");
    long inFlight = store.newReservationId();
    assertThat(store.reserve(inFlight, KEYS, pico("0.2"), T0, T0.plus(LEASE)).isOk()).isTrue();
    pg.close();
    assertThat(store.settle(inFlight, pico("0.1"), "gpt-4o", T0.plusSeconds(1), Usage.of("gpt-4o", 10, 5))).isTrue();
    assertThat(PendingCharges.size()).as("counted while it waits").isGreaterThanOrEqualTo(1);

    startServer();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (((OfflineAllowanceStore) store).journalSize() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }

    assertThat(((OfflineAllowanceStore) store).journalSize()).isZero();
    assertThat(query("SELECT count(*) FROM %s.charge")).isEqualTo(1);
    assertThat(query("SELECT sum(cost_pico) FROM %s.charge")).isEqualTo(pico("0.1"));
  }

  private long query(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery(String.format(sql, schema))) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
