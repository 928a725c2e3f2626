package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Gemini API as {@code com.google.genai} calls it: {@code POST /{version}/models/{model}:generateContent}
 * and {@code :streamGenerateContent?alt=sse}, answered with the server's usage in {@code usageMetadata}.
 * Gemini counts cached tokens inside {@code promptTokenCount} and thoughts beside the candidates,
 * so the server's plain input, cached and reasoning tokens are reported that way.
 */
public final class GeminiApi implements FakeApi {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeLlmServer server;

  GeminiApi(FakeLlmServer server) {
    this.server = server;
  }

  /** E.g. {@code /v1beta/models/gemini-2.5-flash:generateContent}, as the server counts it. */
  public static String generatePath(String version, String model) {
    return "/" + version + "/models/" + model + ":generateContent";
  }

  public static String streamPath(String version, String model) {
    return "/" + version + "/models/" + model + ":streamGenerateContent";
  }

  @Override
  public boolean answer(HttpExchange ex, String path, JsonNode body) throws IOException {
    int models = path.indexOf("/models/");
    int colon = path.lastIndexOf(':');
    if (models < 0 || colon < models) {
      return false;
    }
    String model = path.substring(models + "/models/".length(), colon);
    switch (path.substring(colon + 1)) {
      case "generateContent":
        FakeLlmServer.send(ex, 200, "application/json", response(model, server.reply(), server.outputTokens(), true).toString());
        return true;
      case "streamGenerateContent":
        sendStream(ex, model);
        return true;
      case "countTokens":
        FakeLlmServer.send(ex, 200, "application/json",
            JSON.createObjectNode().put("totalTokens", server.inputTokens() + server.cachedTokens()).toString());
        return true;
      default:
        return false;
    }
  }

  private ObjectNode response(String model, String text, long output, boolean last) {
    ObjectNode r = JSON.createObjectNode();
    ObjectNode candidate = r.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.putArray("parts").addObject().put("text", text);
    content.put("role", "model");
    if (last) {
      candidate.put("finishReason", "STOP");
    }
    candidate.put("index", 0);
    long cached = server.cachedTokens();
    long thoughts = Math.min(server.reasoningTokens(), output);
    long prompt = server.inputTokens() + cached;
    ObjectNode u = r.putObject("usageMetadata");
    u.put("promptTokenCount", prompt);
    u.put("candidatesTokenCount", output - thoughts);
    u.put("totalTokenCount", prompt + output);
    if (cached > 0) {
      u.put("cachedContentTokenCount", cached);
    }
    if (thoughts > 0) {
      u.put("thoughtsTokenCount", thoughts);
    }
    long audioIn = server.audioInputTokens();
    com.fasterxml.jackson.databind.node.ArrayNode promptDetails = u.putArray("promptTokensDetails");
    promptDetails.addObject().put("modality", "TEXT").put("tokenCount", prompt - audioIn);
    if (audioIn > 0) {
      promptDetails.addObject().put("modality", "AUDIO").put("tokenCount", audioIn);
    }
    long audioOut = server.audioOutputTokens(output, thoughts);
    if (audioOut > 0) {
      com.fasterxml.jackson.databind.node.ArrayNode candidates = u.putArray("candidatesTokensDetails");
      candidates.addObject().put("modality", "TEXT").put("tokenCount", output - thoughts - audioOut);
      candidates.addObject().put("modality", "AUDIO").put("tokenCount", audioOut);
    }
    r.put("modelVersion", model);
    r.put("responseId", server.id("gemini-"));
    return r;
  }

  /** Gemini streams chunks whose usage grows to the final count; each chunk ends with a blank CRLF line. */
  private void sendStream(HttpExchange ex, String model) throws IOException {
    String[] parts = server.pieces();
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      long total = server.outputTokens();
      for (int i = 0; i < parts.length; i++) {
        boolean last = i == parts.length - 1;
        long soFar = last ? total : Math.max(1, total * (i + 1) / parts.length);
        String frame = "data: " + response(model, parts[i], soFar, last) + "\r\n\r\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // The client closed the stream early; the tests do that on purpose.
    }
  }
}
