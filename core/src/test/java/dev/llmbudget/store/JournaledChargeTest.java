package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The replay rule of a kept charge, on a real PostgreSQL: a reservation id is settled at most once. */
class JournaledChargeTest {

  static final long DOLLAR = Picodollars.of(BigDecimal.ONE);

  String schema;
  BudgetStore store;

  @BeforeEach
  void open() {
    schema = PostgresServer.freshSchema();
    store = new PostgresStoreProvider().open("app", PostgresServer.url(),
        BudgetConfig.of(Map.of("llmbudget.postgres.schema", schema)));
    store.putBudget(BudgetStore.GLOBAL_KEY, BigDecimal.TEN, null, java.time.Instant.now());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aRetryOfASettleThatLandedWithItsAnswerLostChargesNothingMore() throws Exception {
    long id = store.newReservationId();
    String[] keys = {BudgetStore.GLOBAL_KEY};
    java.time.Instant now = Clock.systemUTC().instant();
    store.reserve(id, keys, DOLLAR, now, now.plusSeconds(600));
    assertThat(store.settle(id, DOLLAR / 2, "gpt-4o-mini", now)).isTrue();

    // as if the settle's answer had been lost: the journal settles the same id again
    new JournaledCharge(keys, DOLLAR / 2, "gpt-4o-mini", null, null, id, true).apply(store, now);

    assertThat(ledger("SELECT count(*) FROM %s.charge")).isEqualTo(1);
    assertThat(Picodollars.of(store.snapshot(BudgetStore.GLOBAL_KEY, now).orElseThrow().currentCost()))
        .isEqualTo(DOLLAR / 2);
  }

  @Test
  void aKeptChargeWhoseReservationTheStoreForgotIsChargedOnceEvenWhenReplayedTwice() throws Exception {
    String[] keys = {BudgetStore.GLOBAL_KEY};
    java.time.Instant now = java.time.Instant.now();
    JournaledCharge c = new JournaledCharge(keys, DOLLAR / 4, "gpt-4o-mini", null, null, -1, false);

    c.apply(store, now);
    c.apply(store, now); // as if the first replay's answer had been lost

    assertThat(ledger("SELECT count(*) FROM %s.charge")).isEqualTo(1);
    assertThat(Picodollars.of(store.snapshot(BudgetStore.GLOBAL_KEY, now).orElseThrow().currentCost()))
        .isEqualTo(DOLLAR / 4);
  }

  private long ledger(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(PostgresServer.url()); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(String.format(sql, schema))) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
