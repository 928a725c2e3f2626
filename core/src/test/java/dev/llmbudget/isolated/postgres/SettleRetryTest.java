package dev.llmbudget.isolated.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.PendingCharges;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.pricing.PriceTable;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A charge the store refuses is not lost: with a real PostgreSQL stopped between a call's
 * reservation and its settle, the settle is kept, retried off the call path, and lands exactly once
 * when the server is back; the reservation stays held meanwhile. The store is the bare PostgresStore,
 * without the offline journal that the provider wraps it in, so the engine's retry is what is tested.
 */
class SettleRetryTest {

  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  @TempDir Path dir;
  EmbeddedPostgres pg;
  int port;
  BudgetStore store;
  BudgetEngine engine;
  String schema;

  @BeforeEach
  void start() throws IOException {
    startServer();
    schema = "retry_" + ProcessHandle.current().pid() + "_" + System.nanoTime() % 100000;
    PGSimpleDataSource db = new PGSimpleDataSource();
    db.setURL(url());
    db.setConnectTimeout(1);
    try (Connection c = db.getConnection()) {
      Schema.migrate(c, schema);
    } catch (java.sql.SQLException e) {
      throw new IOException(e);
    }
    store = new PostgresStore(db, () -> { }, schema, "app", java.time.ZoneOffset.UTC, url());
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), BudgetDuration.DAILY, Clock.systemUTC().instant());
    engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.BLOCK, Clock.systemUTC(),
        null, null);
  }

  private void startServer() throws IOException {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("data"))
        .setCleanDataDirectory(false).setServerConfig("listen_addresses", "127.0.0.1");
    if (port != 0) {
      b.setPort(port);
    }
    pg = b.start();
    port = pg.getPort();
  }

  private String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  @AfterEach
  void stop() throws IOException {
    store.close();
    pg.close();
  }

  @Test
  void aSettleRefusedWhileTheServerIsDownLandsOnceWhenItIsBack() throws Exception {
    Reservation call = engine.reserve(null, new BigDecimal("2"));
    pg.close();
    pendingBefore = PendingCharges.size(); // the charges other tests of this JVM left waiting

    call.commit(new BigDecimal("0.25"), "gpt-4o-mini"); // the answered call: nothing thrown into the caller

    assertThat(PendingCharges.size() - pendingBefore).as("kept for retry").isEqualTo(1);
    Thread.sleep(1_500); // retries meet a server that is still down
    assertThat(PendingCharges.size() - pendingBefore).isEqualTo(1);
    startServer();
    awaitNoPending();

    BudgetSnapshot s = store.snapshot(BudgetStore.GLOBAL_KEY, Clock.systemUTC().instant()).orElseThrow();
    assertThat(Picodollars.of(s.currentCost())).isEqualTo(DOLLAR / 4);
    assertThat(Picodollars.of(s.reserved())).as("the reservation is released by the settle").isZero();
    assertThat(ledger("SELECT count(*) FROM %s.charge")).isEqualTo(1);
    assertThat(ledger("SELECT sum(cost_pico) FROM %s.charge")).isEqualTo(DOLLAR / 4);
  }

  @Test
  void anAnsweredCallThatCannotBePricedIsChargedWhatItReservedMarkedEstimated() throws Exception {
    Reservation call = engine.reserve(null, new BigDecimal("0.5"));

    // the table lacks the model the answer names and the policy is block: pricing throws
    BigDecimal charged = call.commit(Usage.of("no-such-model-anywhere", 100, 100));

    assertThat(charged).isEqualByComparingTo("0.5");
    assertThat(ledger("SELECT sum(cost_pico) FROM %s.charge WHERE estimated")).isEqualTo(DOLLAR / 2);
    assertThat(Picodollars.of(store.snapshot(BudgetStore.GLOBAL_KEY, Clock.systemUTC().instant())
        .orElseThrow().reserved())).isZero();
  }

  private int pendingBefore;

  private void awaitNoPending() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (PendingCharges.size() > pendingBefore && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(PendingCharges.size() - pendingBefore).as("charges still waiting").isLessThanOrEqualTo(0);
  }

  private long ledger(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(String.format(sql, schema))) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
