package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fleet overspend of a saturated pool, on a real PostgreSQL through the provider's real HikariCP
 * pool: a session of the test holds a budget row's lock, as a slow or stuck transaction of another
 * JVM would, so every pooled connection of this JVM queues on it and the pool's wait runs out while
 * the server answers. That is no outage: no call may be admitted on the offline allowance, since
 * the server, which holds the truth, would have refused it.
 */
class PostgresPoolSaturationTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final String[] KEYS = {"alice", BudgetStore.GLOBAL_KEY};
  static final long CALL = Picodollars.of(new BigDecimal("0.1"));

  final String schema = PostgresServer.freshSchema();
  OfflineAllowanceStore store;
  Connection holder;

  void open(int poolSize) {
    store = (OfflineAllowanceStore) new PostgresStoreProvider().open("saturated", PostgresServer.url(),
        BudgetConfig.of(Map.of("llmbudget.api_timeout", "1s", "llmbudget.postgres.pool_size", String.valueOf(poolSize),
            "llmbudget.store.offline_allowance", "1.00", "llmbudget.postgres.schema", schema)));
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, T0);
    store.putBudget("alice", new BigDecimal("0.2"), null, T0); // two calls
  }

  /** Takes alice's row lock in a transaction that stays open, as a stuck session of another JVM would. */
  void holdAlicesRow() throws Exception {
    holder = DriverManager.getConnection(PostgresServer.url());
    holder.setAutoCommit(false);
    try (Statement st = holder.createStatement()) {
      st.execute("SELECT 1 FROM " + schema + ".budget WHERE key = 'alice' FOR UPDATE");
    }
  }

  void releaseAlicesRow() throws Exception {
    holder.rollback();
  }

  @AfterEach
  void close() throws Exception {
    if (holder != null) {
      holder.close();
    }
    if (store != null) {
      store.close();
    }
  }

  /** One call: reserve a dime, settle it; "OK", "REFUSED", or the error's class and message. */
  String call() {
    try {
      long id = store.newReservationId();
      Instant now = T0.plusSeconds(1);
      if (!store.reserve(id, KEYS, CALL, now, now.plus(Duration.ofMinutes(10))).isOk()) {
        return "REFUSED";
      }
      store.settle(id, CALL, "gpt-4o", now);
      return "OK";
    } catch (RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  @Test
  void aPoolSaturatedPastItsWaitIsWaitedOnAndNoCallIsAdmittedOnTheOfflineAllowance() throws Exception {
    open(2);
    holdAlicesRow();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(threads.submit(this::call));
      }
      Thread.sleep(1_600); // two calls hold the pool's two connections, queued on the lock; six wait past the pool's 1 s
      releaseAlicesRow();
      List<String> outcomes = new ArrayList<>();
      for (Future<String> f : calls) {
        outcomes.add(f.get(30, TimeUnit.SECONDS));
      }

      assertThat(outcomes).as("the budget pays for two calls").filteredOn("OK"::equals).hasSize(2);
      assertThat(outcomes).filteredOn("REFUSED"::equals).hasSize(6);
      assertThat(store.isOffline()).as("a busy pool is not an outage").isFalse();
      assertThat(store.journalSize()).as("nothing spent on the offline allowance").isZero();
      BudgetSnapshot alice = store.snapshot("alice", T0.plusSeconds(2)).orElseThrow();
      assertThat(Picodollars.of(alice.currentCost()) + Picodollars.of(alice.reserved())).isLessThanOrEqualTo(2 * CALL);
      assertThat(query("SELECT count(*) FROM %s.charge WHERE user_key = 'alice'")).isEqualTo(2);
      assertThat(query("SELECT spent_pico FROM %s.budget WHERE key = 'alice'")).isEqualTo(2 * CALL);
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aPoolBusyPastTheBoundFailsTheCallNamingTheLockHolderAndSpendsNoAllowance() throws Exception {
    open(1);
    holdAlicesRow();
    ExecutorService threads = Executors.newSingleThreadExecutor();
    try {
      Future<String> queued = threads.submit(this::call); // takes the only connection, waits on the lock
      Thread.sleep(300);

      assertThatThrownBy(() -> store.reserve(store.newReservationId(), KEYS, CALL, T0, T0.plusSeconds(600)))
          .isInstanceOfSatisfying(BudgetStoreException.class, e -> assertThat(e.isBusy()).isTrue())
          .hasMessageContaining("the pool is saturated, not the server down, so no offline allowance is spent")
          .hasMessageContaining("1 of 1 in use")
          .hasMessageContaining("waiting on a lock: 1")
          .hasMessageContaining("idle in transaction");
      assertThat(store.isOffline()).isFalse();
      assertThat(store.journalSize()).isZero();

      releaseAlicesRow();
      assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
      assertThat(call()).isEqualTo("OK");
      assertThat(call()).as("the budget pays for two calls").isEqualTo("REFUSED");
      assertThat(query("SELECT spent_pico + reserved_pico FROM %s.budget WHERE key = 'alice'")).isEqualTo(2 * CALL);
    } finally {
      threads.shutdownNow();
    }
  }

  /** A cancelled request (its thread interrupted while it waits for the pool) is no sign of an outage. */
  @Test
  void aCallInterruptedWhileItWaitsForTheSaturatedPoolFailsBusyAndSpendsNoAllowance() throws Exception {
    open(1);
    holdAlicesRow();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<String> queued = threads.submit(this::call); // takes the only connection, waits on the lock
      Thread.sleep(300);
      java.util.concurrent.atomic.AtomicReference<Thread> waiter = new java.util.concurrent.atomic.AtomicReference<>();
      Future<String> cancelled = threads.submit(() -> {
        waiter.set(Thread.currentThread());
        return call();
      });
      Thread.sleep(300);
      waiter.get().interrupt();

      assertThat(cancelled.get(30, TimeUnit.SECONDS)).as("failed busy, not admitted on the allowance")
          .startsWith("BudgetStoreException").contains("interrupted while waiting for a pooled connection");
      assertThat(store.isOffline()).isFalse();
      assertThat(store.journalSize()).isZero();

      releaseAlicesRow();
      assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("OK");
      assertThat(call()).isEqualTo("OK");
      assertThat(call()).as("the budget pays for two calls").isEqualTo("REFUSED");
    } finally {
      threads.shutdownNow();
    }
  }

  private long query(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection(PostgresServer.url()); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(String.format(sql, schema))) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
