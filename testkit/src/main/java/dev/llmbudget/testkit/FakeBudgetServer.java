package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A budget server on 127.0.0.1 that speaks LiteLLM's hosted budget protocol ({@code POST
 * /get_budget}, {@code POST /set_budget} with a project's whole user dict) and serves files by
 * {@code GET} (a price table, say). It counts requests per path and can drip its answers one byte
 * at a time, the way a stuck proxy does, to test that readers give up.
 */
public final class FakeBudgetServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, JsonNode> dicts = new ConcurrentHashMap<>();
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private volatile long dripMillis;
  private volatile String dripPath;

  private FakeBudgetServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-budget");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Starts a server on a free loopback port. */
  public static FakeBudgetServer start() throws IOException {
    FakeBudgetServer s = new FakeBudgetServer();
    s.server.start();
    return s;
  }

  /** {@code http://127.0.0.1:<port>}, the {@code api_base} of a hosted store. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves {@code body} at {@code GET path}. */
  public FakeBudgetServer serve(String path, byte[] body) {
    files.put(path, body.clone());
    return this;
  }

  /**
   * From now on every answer to {@code path} sends its headers, then one byte every {@code millis}
   * ms of a body that never ends; 0 answers normally again.
   */
  public FakeBudgetServer drip(String path, long millis) {
    dripPath = path;
    dripMillis = millis;
    return this;
  }

  /** How many requests reached {@code path}. */
  public int requests(String path) {
    AtomicInteger n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  /** The user dict stored for {@code project}, as JSON text, or null. */
  public String dict(String project) {
    JsonNode d = dicts.get(project);
    return d == null ? null : d.toString();
  }

  /** Stores a user dict for {@code project}, as if another instance had pushed it. */
  public void putDict(String project, String userDictJson) throws IOException {
    dicts.put(project, JSON.readTree(userDictJson));
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      requests.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      byte[] request = ex.getRequestBody().readAllBytes();
      if (dripMillis > 0 && path.equals(dripPath)) {
        drip(ex);
        return;
      }
      switch (path) {
        case "/get_budget": {
          JsonNode dict = dicts.get(JSON.readTree(request).path("project_name").asText());
          reply(ex, 200, dict == null ? "{\"status\": \"error\", \"message\": \"no budget for the project\"}"
              : "{\"status\": \"success\", \"data\": " + dict + "}");
          break;
        }
        case "/set_budget": {
          JsonNode body = JSON.readTree(request);
          dicts.put(body.path("project_name").asText(), body.get("user_dict"));
          reply(ex, 200, "{\"status\": \"success\"}");
          break;
        }
        default: {
          byte[] file = files.get(path);
          if (file == null) {
            reply(ex, 404, "not found");
          } else {
            ex.sendResponseHeaders(200, file.length);
            ex.getResponseBody().write(file);
          }
        }
      }
    } catch (IOException e) {
      // The client gave up (a drip cut off): nothing to answer.
    }
  }

  private void drip(HttpExchange ex) throws IOException {
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    try {
      while (dripMillis > 0) {
        out.write('{');
        out.flush();
        Thread.sleep(dripMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    dripMillis = 0;
    server.stop(0);
    executor.shutdownNow();
  }
}
