package dev.llmbudget.isolated.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreException;
import dev.llmbudget.store.BudgetStoreProvider;
import dev.llmbudget.store.OfflineAllowanceStore;
import dev.llmbudget.store.Picodollars;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens {@code postgres} stores ({@code llmbudget.store=postgres}, or {@code new BudgetManager(project,
 * "postgres", jdbcUrl)}): a small HikariCP pool on the PostgreSQL driver, and the tables created or
 * checked on the first connection; wrapped in the same offline allowance and journal as the Redis store.
 */
public final class PostgresStoreProvider implements BudgetStoreProvider {

  @Override
  public String type() {
    return "postgres";
  }

  @Override
  public BudgetStore open(String project, String apiBase, BudgetConfig config) {
    String url = apiBase != null && !apiBase.isBlank() ? apiBase.trim() : config.postgresUrl();
    if (url == null) {
      throw new IllegalArgumentException("client type 'postgres' needs a JDBC URL: set llmbudget.postgres.url, "
          + "or pass it as the third argument, e.g. new BudgetManager(project, \"postgres\", "
          + "\"jdbc:postgresql://127.0.0.1:5432/app\")");
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("the postgres store needs a jdbc:postgresql: URL, was " + withoutSecrets(url));
    }
    try {
      return connect(project, url, config);
    } catch (LinkageError e) {
      throw new BudgetStoreException("the postgres store needs org.postgresql:postgresql and com.zaxxer:HikariCP "
          + "on the class path (the agent jar has both): " + e, e);
    }
  }

  private static BudgetStore connect(String project, String url, BudgetConfig config) {
    String where = withoutSecrets(url);
    PGSimpleDataSource pg = new PGSimpleDataSource();
    pg.setURL(url);
    if (config.postgresUser() != null) {
      pg.setUser(config.postgresUser());
    }
    if (config.postgresPassword() != null) {
      pg.setPassword(config.postgresPassword());
    }
    pg.setApplicationName("llm-budget");
    Duration timeout = config.apiTimeout();
    pg.setConnectTimeout((int) Math.max(1, Math.min(timeout.toSeconds(), 60)));
    pg.setSocketTimeout((int) Math.max(30, Math.min(timeout.toSeconds() * 3, 600)));
    HikariConfig hc = new HikariConfig();
    hc.setDataSource(pg);
    hc.setPoolName("llm-budget-postgres");
    hc.setMaximumPoolSize(config.postgresPoolSize());
    hc.setMinimumIdle(Math.min(1, config.postgresPoolSize()));
    hc.setAutoCommit(false);
    hc.setConnectionTimeout(Math.max(250, Math.min(timeout.toMillis(), 30_000)));
    HikariDataSource ds;
    try {
      ds = new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new BudgetStoreException("cannot connect to the postgres store " + where + ": " + rootMessage(e), e);
    }
    try (Connection c = ds.getConnection()) {
      Schema.migrate(c, config.postgresSchema());
    } catch (SQLException | RuntimeException e) {
      ds.close();
      if (e instanceof BudgetStoreException) {
        throw (BudgetStoreException) e;
      }
      throw new BudgetStoreException("cannot prepare the postgres store " + where + " (schema "
          + config.postgresSchema() + "): " + rootMessage(e), e);
    }
    // a connection of its own, never pooled, to ask the server what holds the pool's connections
    PGSimpleDataSource probe = new PGSimpleDataSource();
    probe.setURL(url);
    if (config.postgresUser() != null) {
      probe.setUser(config.postgresUser());
    }
    if (config.postgresPassword() != null) {
      probe.setPassword(config.postgresPassword());
    }
    probe.setApplicationName("llm-budget-probe");
    int probeSeconds = (int) Math.max(1, Math.min(timeout.toSeconds(), 60));
    probe.setConnectTimeout(probeSeconds);
    probe.setLoginTimeout(probeSeconds);
    probe.setSocketTimeout(probeSeconds + 1);
    // an outage is met as on Redis: the offline allowance, a journal, and its replay once the server answers
    return new OfflineAllowanceStore(new PostgresStore(ds, ds, new Hikari(ds, probe), config.postgresSchema(), project,
        config.zone(), where), Picodollars.of(config.offlineAllowance()));
  }

  /** The HikariCP pool as the store sees it: its counts, a soft eviction, and a connection around it. */
  private static final class Hikari implements ConnectionPool {
    private final HikariDataSource ds;
    private final PGSimpleDataSource probe;

    Hikari(HikariDataSource ds, PGSimpleDataSource probe) {
      this.ds = ds;
      this.probe = probe;
    }

    @Override
    public void dropIdle() {
      com.zaxxer.hikari.HikariPoolMXBean pool = ds.getHikariPoolMXBean();
      if (pool != null) {
        pool.softEvictConnections();
      }
    }

    @Override
    public String busy() {
      com.zaxxer.hikari.HikariPoolMXBean pool = ds.getHikariPoolMXBean();
      if (pool == null || ds.isClosed()) {
        return null;
      }
      int active = pool.getActiveConnections();
      int max = ds.getMaximumPoolSize();
      if (active < max) {
        return null;
      }
      return active + " of " + max + " in use, " + pool.getThreadsAwaitingConnection() + " more threads waiting";
    }

    @Override
    public Connection direct() throws SQLException {
      return probe.getConnection();
    }

    @Override
    public Duration timeout() {
      return Duration.ofMillis(ds.getConnectionTimeout());
    }
  }

  /** The URL as it may be shown: without its query string, which may carry a password. */
  static String withoutSecrets(String url) {
    int q = url.indexOf('?');
    String base = q < 0 ? url : url.substring(0, q);
    int at = base.indexOf('@');
    if (at > 0) {
      int scheme = base.indexOf("//");
      base = base.substring(0, scheme + 2) + base.substring(at + 1);
    }
    return base;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }
}
