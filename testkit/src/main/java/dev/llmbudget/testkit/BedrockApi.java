package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;

/**
 * AWS Bedrock Runtime on the fake server: {@code POST /model/{modelId}/converse},
 * {@code /converse-stream}, {@code /invoke} and {@code /invoke-with-response-stream}. Streams use
 * AWS's binary event-stream framing. {@code /invoke} answers in the body shape of the model's
 * family (Anthropic, Amazon Nova, Amazon Titan, Meta Llama; others carry no usage in the body) and
 * sets the {@code X-Amzn-Bedrock-*-Token-Count} headers, as Bedrock does for every model.
 */
final class BedrockApi implements FakeApi {

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON_BYTES = new com.fasterxml.jackson.databind.ObjectMapper();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final FakeLlmServer server;

  BedrockApi(FakeLlmServer server) {
    this.server = server;
  }

  @Override
  public boolean answer(HttpExchange ex, String path, JsonNode body) throws IOException {
    if (!serves(path)) {
      return false;
    }
    answer(ex, JSON_BYTES.writeValueAsBytes(body));
    return true;
  }

  boolean serves(String path) {
    return path.startsWith("/model/");
  }

  private void answer(HttpExchange ex, byte[] body) throws IOException {
    // The raw path keeps an ARN's encoded slashes inside the model id.
    String raw = ex.getRequestURI().getRawPath();
    int last = raw.lastIndexOf('/');
    String modelId = URLDecoder.decode(raw.substring("/model/".length(), last), StandardCharsets.UTF_8);
    String operation = raw.substring(last + 1);
    switch (operation) {
      case "converse":
        FakeLlmServer.send(ex, 200, "application/json", converse().toString());
        break;
      case "converse-stream":
        sendEvents(ex, converseEvents());
        break;
      case "invoke":
        ex.getResponseHeaders().set("X-Amzn-Bedrock-Input-Token-Count", Long.toString(server.inputTokens()));
        ex.getResponseHeaders().set("X-Amzn-Bedrock-Output-Token-Count", Long.toString(server.outputTokens()));
        FakeLlmServer.send(ex, 200, "application/json", invokeBody(modelId).toString());
        break;
      case "invoke-with-response-stream":
        sendEvents(ex, invokeChunks(modelId));
        break;
      default:
        FakeLlmServer.send(ex, 404, "application/json", "{\"message\":\"no such operation " + operation + "\"}");
    }
  }

  /** Converse's usage: inputTokens exclude cache reads and writes; cache fields only when used. */
  private ObjectNode converseUsage() {
    ObjectNode u = JSON.createObjectNode();
    long cacheRead = server.cachedTokens();
    long cacheWrite = server.cacheCreationTokens();
    u.put("inputTokens", server.inputTokens()).put("outputTokens", server.outputTokens())
        .put("totalTokens", server.inputTokens() + server.outputTokens() + cacheRead + cacheWrite);
    if (cacheRead > 0 || cacheWrite > 0) {
      u.put("cacheReadInputTokens", cacheRead).put("cacheWriteInputTokens", cacheWrite);
    }
    return u;
  }

  private ObjectNode converse() {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode message = root.putObject("output").putObject("message").put("role", "assistant");
    message.putArray("content").addObject().put("text", server.reply());
    root.put("stopReason", "end_turn");
    root.set("usage", converseUsage());
    root.putObject("metrics").put("latencyMs", 42);
    return root;
  }

  private List<byte[]> converseEvents() {
    List<byte[]> events = new ArrayList<>();
    events.add(event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    for (String piece : server.pieces()) {
      ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
      delta.putObject("delta").put("text", piece);
      events.add(event("contentBlockDelta", delta));
    }
    events.add(event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0)));
    events.add(event("messageStop", JSON.createObjectNode().put("stopReason", "end_turn")));
    ObjectNode metadata = JSON.createObjectNode();
    metadata.set("usage", converseUsage());
    metadata.putObject("metrics").put("latencyMs", 42);
    events.add(event("metadata", metadata));
    return events;
  }

  /** The family is read from the model id as Bedrock names it, region prefix or ARN around it. */
  private static String family(String modelId) {
    String id = modelId.substring(modelId.lastIndexOf('/') + 1);
    for (String f : new String[] {"anthropic.", "amazon.nova", "amazon.titan-text", "meta.llama"}) {
      if (id.contains(f)) {
        return f;
      }
    }
    return "other";
  }

  private ObjectNode invokeBody(String modelId) {
    ObjectNode root = JSON.createObjectNode();
    String text = server.reply();
    switch (family(modelId)) {
      case "anthropic.":
        root.put("id", server.id("msg_bdrk_")).put("type", "message").put("role", "assistant")
            .put("model", modelId);
        root.putArray("content").addObject().put("type", "text").put("text", text);
        root.put("stop_reason", "end_turn").putNull("stop_sequence");
        root.set("usage", anthropicUsage(server.outputTokens()));
        break;
      case "amazon.nova":
        root.putObject("output").putObject("message").put("role", "assistant")
            .putArray("content").addObject().put("text", text);
        root.put("stopReason", "end_turn");
        ObjectNode u = root.putObject("usage");
        u.put("inputTokens", server.inputTokens()).put("outputTokens", server.outputTokens())
            .put("totalTokens", server.inputTokens() + server.outputTokens() + server.cachedTokens()
                + server.cacheCreationTokens())
            .put("cacheReadInputTokenCount", server.cachedTokens())
            .put("cacheWriteInputTokenCount", server.cacheCreationTokens());
        break;
      case "amazon.titan-text":
        root.put("inputTextTokenCount", server.inputTokens());
        root.putArray("results").addObject().put("tokenCount", server.outputTokens()).put("outputText", text)
            .put("completionReason", "FINISH");
        break;
      case "meta.llama":
        root.put("generation", text).put("prompt_token_count", server.inputTokens())
            .put("generation_token_count", server.outputTokens()).put("stop_reason", "stop");
        break;
      default:
        root.putArray("outputs").addObject().put("text", text).put("stop_reason", "stop");
    }
    return root;
  }

  private ObjectNode anthropicUsage(long output) {
    return JSON.createObjectNode().put("input_tokens", server.inputTokens())
        .put("cache_creation_input_tokens", server.cacheCreationTokens())
        .put("cache_read_input_tokens", server.cachedTokens()).put("output_tokens", output);
  }

  /** Model-native stream chunks, each base64 in a {@code chunk} event; the last carries Bedrock's invocation metrics. */
  private List<byte[]> invokeChunks(String modelId) {
    List<ObjectNode> chunks = new ArrayList<>();
    String[] pieces = server.pieces();
    if (family(modelId).equals("anthropic.")) {
      ObjectNode start = JSON.createObjectNode().put("type", "message_start");
      ObjectNode message = start.putObject("message");
      message.put("id", server.id("msg_bdrk_")).put("type", "message").put("role", "assistant").put("model", modelId);
      message.putArray("content");
      message.putNull("stop_reason").putNull("stop_sequence");
      message.set("usage", anthropicUsage(1));
      chunks.add(start);
      ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
      blockStart.putObject("content_block").put("type", "text").put("text", "");
      chunks.add(blockStart);
      for (String p : pieces) {
        ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        d.putObject("delta").put("type", "text_delta").put("text", p);
        chunks.add(d);
      }
      chunks.add(JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
      ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
      delta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
      delta.putObject("usage").put("output_tokens", server.outputTokens());
      chunks.add(delta);
      chunks.add(JSON.createObjectNode().put("type", "message_stop"));
    } else {
      for (int i = 0; i < pieces.length; i++) {
        ObjectNode c = JSON.createObjectNode().put("generation", pieces[i]);
        if (i == 0) {
          c.put("prompt_token_count", server.inputTokens());
        } else {
          c.putNull("prompt_token_count");
        }
        c.put("generation_token_count", i + 1);
        if (i == pieces.length - 1) {
          c.put("stop_reason", "stop");
        } else {
          c.putNull("stop_reason");
        }
        chunks.add(c);
      }
    }
    chunks.get(chunks.size() - 1).putObject("amazon-bedrock-invocationMetrics")
        .put("inputTokenCount", server.inputTokens()).put("outputTokenCount", server.outputTokens())
        .put("invocationLatency", 42).put("firstByteLatency", 7);
    List<byte[]> events = new ArrayList<>();
    for (ObjectNode c : chunks) {
      String b64 = Base64.getEncoder().encodeToString(c.toString().getBytes(StandardCharsets.UTF_8));
      events.add(event("chunk", JSON.createObjectNode().put("bytes", b64)));
    }
    return events;
  }

  /**
   * One message in AWS event-stream framing: total length, headers length, prelude CRC32, headers
   * (name, type 7 = string, value), JSON payload, message CRC32; all big-endian.
   */
  static byte[] event(String eventType, ObjectNode payload) {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    header(headers, ":event-type", eventType);
    header(headers, ":content-type", "application/json");
    header(headers, ":message-type", "event");
    byte[] h = headers.toByteArray();
    byte[] p = payload.toString().getBytes(StandardCharsets.UTF_8);
    int total = 12 + h.length + p.length + 4;
    ByteBuffer buf = ByteBuffer.allocate(total);
    buf.putInt(total).putInt(h.length);
    buf.putInt((int) crc(buf.array(), 0, 8));
    buf.put(h).put(p);
    buf.putInt((int) crc(buf.array(), 0, total - 4));
    return buf.array();
  }

  private static void header(ByteArrayOutputStream out, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    out.write(n.length);
    out.writeBytes(n);
    out.write(7);
    out.write(v.length >>> 8);
    out.write(v.length & 0xff);
    out.writeBytes(v);
  }

  private static long crc(byte[] bytes, int off, int len) {
    CRC32 crc = new CRC32();
    crc.update(bytes, off, len);
    return crc.getValue();
  }

  /** Writes the events one by one, flushing each, as Bedrock streams them. */
  private static void sendEvents(HttpExchange ex, List<byte[]> events) throws IOException {
    ex.getResponseHeaders().set("Content-Type", EVENT_STREAM);
    ex.getResponseHeaders().set("x-amzn-RequestId", "req-fake");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (byte[] e : events) {
        out.write(e);
        out.flush();
      }
    } catch (IOException e) {
      // The client cancelled the stream early; the tests exercise that.
    }
  }
}
