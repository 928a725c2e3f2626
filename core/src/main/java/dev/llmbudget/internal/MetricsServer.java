package dev.llmbudget.internal;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * Serves {@code GET /metrics} in the Prometheus text format. The implementation lives under
 * {@code dev.llmbudget.isolated}: the JDK's HTTP server ({@code jdk.httpserver}) is not a
 * boot-loader module.
 */
public interface MetricsServer {

  /**
   * Starts serving {@code scrape}'s text on {@code host:port} from a daemon thread.
   *
   * @return the port it listens on (the one chosen when {@code port} is 0)
   * @throws IOException when the address cannot be bound
   */
  int start(String host, int port, Supplier<String> scrape) throws IOException;
}
