package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Ollama's chat API on the fake server: {@code POST /api/chat}, answered as one JSON object or,
 * when the request streams (Ollama's default), as newline-delimited JSON whose last line
 * ({@code "done": true}) carries {@code prompt_eval_count} and {@code eval_count}.
 */
final class OllamaApi implements ProviderApi {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeLlmServer server;

  OllamaApi(FakeLlmServer server) {
    this.server = server;
  }

  @Override
  public boolean serves(String path) {
    return path.equals("/api/chat");
  }

  @Override
  public void answer(HttpExchange ex, byte[] body) throws IOException {
    JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
    String model = request.path("model").asText("unknown");
    if (!request.path("stream").asBoolean(true)) {
      FakeLlmServer.send(ex, 200, "application/json", last(model, server.reply()).toString());
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (String piece : server.pieces()) {
        ObjectNode chunk = base(model, piece).put("done", false);
        out.write((chunk + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      out.write((last(model, "") + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The client stopped reading early; the tests do that on purpose.
    }
  }

  private ObjectNode base(String model, String content) {
    ObjectNode n = JSON.createObjectNode();
    n.put("model", model).put("created_at", "2026-01-01T00:00:00.000000Z");
    n.putObject("message").put("role", "assistant").put("content", content);
    return n;
  }

  private ObjectNode last(String model, String content) {
    return base(model, content).put("done", true).put("done_reason", "stop")
        .put("total_duration", 1_000_000L).put("load_duration", 1_000L)
        .put("prompt_eval_count", server.inputTokens()).put("prompt_eval_duration", 1_000L)
        .put("eval_count", server.outputTokens()).put("eval_duration", 1_000L);
  }
}
