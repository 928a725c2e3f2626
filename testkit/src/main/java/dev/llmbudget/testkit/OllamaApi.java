package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Ollama's {@code POST /api/chat}: one JSON answer, or (Ollama's default) newline-delimited JSON
 * chunks whose last one, {@code "done": true}, carries the token counts.
 */
final class OllamaApi {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OllamaApi() {}

  static void chat(HttpExchange ex, JsonNode request, long inputTokens, long outputTokens, String[] pieces)
      throws IOException {
    String model = request.path("model").asText("unknown");
    if (!request.path("stream").asBoolean(true)) {
      byte[] body = done(model, String.join("", pieces), inputTokens, outputTokens).toString()
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (String piece : pieces) {
        ObjectNode chunk = base(model, piece).put("done", false);
        out.write((chunk + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
      out.write((done(model, "", inputTokens, outputTokens) + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The client stopped reading early; the tests do that on purpose.
    }
  }

  private static ObjectNode base(String model, String content) {
    ObjectNode n = JSON.createObjectNode();
    n.put("model", model).put("created_at", "2025-01-01T00:00:00.000000Z");
    n.putObject("message").put("role", "assistant").put("content", content);
    return n;
  }

  private static ObjectNode done(String model, String content, long inputTokens, long outputTokens) {
    return base(model, content).put("done_reason", "stop").put("done", true)
        .put("total_duration", 1_000_000L).put("load_duration", 1_000L)
        .put("prompt_eval_count", inputTokens).put("prompt_eval_duration", 1_000L)
        .put("eval_count", outputTokens).put("eval_duration", 1_000L);
  }
}
