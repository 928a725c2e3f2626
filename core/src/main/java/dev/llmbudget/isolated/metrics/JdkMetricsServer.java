package dev.llmbudget.isolated.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmbudget.internal.MetricsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** {@link MetricsServer} on the JDK's HTTP server, one daemon thread, {@code GET /metrics} only. */
public final class JdkMetricsServer implements MetricsServer {

  /** Public and no-argument for {@link java.util.ServiceLoader}. */
  public JdkMetricsServer() {}

  @Override
  public int start(String host, int port, Supplier<String> scrape) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "llm-budget-metrics");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/metrics", exchange -> answer(exchange, scrape));
    server.start();
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, Supplier<String> scrape) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      int status = 200;
      try {
        body = scrape.get().getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        // e.g. the store is unreachable: say so to the scraper rather than serve a partial page
        body = ("llm-budget: cannot read the metrics: " + e + "\n").getBytes(StandardCharsets.UTF_8);
        status = 503;
      }
      exchange.getResponseHeaders().set("Content-Type", status == 200
          ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
