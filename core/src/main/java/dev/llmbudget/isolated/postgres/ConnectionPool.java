package dev.llmbudget.isolated.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * What {@link PostgresStore} asks of its connection pool besides connections: enough to tell a pool
 * whose connections are all busy (the server answers; the calls queue) from a server that does not
 * answer, which only the second is an outage.
 */
interface ConnectionPool {

  /** A pool that never reports itself busy (tests that hand the store a plain DataSource). */
  ConnectionPool PLAIN = new ConnectionPool() {
    @Override
    public void dropIdle() {
    }

    @Override
    public String busy() {
      return null;
    }

    @Override
    public Connection direct() throws SQLException {
      throw new SQLException("no connection outside the pool");
    }

    @Override
    public Duration timeout() {
      return Duration.ZERO;
    }
  };

  /** Closes the idle connections: after one was found dead, its siblings (same server) likely are too. */
  void dropIdle();

  /** Null unless every connection is checked out; then what the pool says, e.g. {@code 4 of 4 in use, 3 threads waiting}. */
  String busy();

  /** A new connection outside the pool, to ask the server whether it answers and what holds our connections. */
  Connection direct() throws SQLException;

  /** How long one wait for a pooled connection lasts before the pool gives up. */
  Duration timeout();
}
