package dev.llmbudget.agent.instrumentation.stainless;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;

/**
 * Reads model, prompt, message count and output cap from a request's JSON body. The bound that
 * reserves the call comes from one pass over the bytes ({@link RequestScan}); the prompt's text is
 * only decoded if it is needed (the bound does not fit, or an answer reports no usage).
 */
final class RequestReader {

  /** Fields under which request JSON holds text that is sent to the model as prompt. */
  private static final String[] TEXT_FIELDS = {"text", "content", "input_text", "arguments", "output", "thinking"};

  private RequestReader() {}

  /** The request, or {@code null} when the body is not a JSON object; its model is null when it names none. */
  static LlmRequest read(Endpoint endpoint, byte[] body) throws IOException {
    RequestScan scan = RequestScan.of(endpoint, body);
    return scan == null ? null : read(endpoint, body, scan);
  }

  /** The request that {@code scan}, made of {@code body}, found. */
  static LlmRequest read(Endpoint endpoint, byte[] body, RequestScan scan) {
    return new LlmRequest(scan.model, new RequestText(endpoint, body), scan.messages, scan.maxOutput(), scan.bound,
        scan.choices(), scan.background, scan.images, scan.lowDetailImages,
        scan.originalDetailImages, scan.serviceTier, scan.mediaParts);
  }

  /** The prompt text of a body that {@link RequestScan} read: each text and the tools' JSON, a newline after each. */
  static String text(Endpoint endpoint, byte[] body) throws IOException {
    JsonNode root = SdkJson.MAPPER.readTree(body);
    if (root == null || !root.isObject()) {
      return "";
    }
    StringBuilder prompt = new StringBuilder(256);
    switch (endpoint) {
      case CHAT_COMPLETIONS:
      case MESSAGES:
        JsonNode list = root.path("messages");
        for (JsonNode m : list) {
          appendText(m, prompt);
        }
        appendText(root.get("system"), prompt);
        break;
      case RESPONSES:
        appendText(root.get("instructions"), prompt);
        appendText(root.get("input"), prompt);
        appendText(root.get("prompt"), prompt);
        break;
      case EMBEDDINGS:
        appendText(root.get("input"), prompt);
        break;
      case COMPLETIONS:
        appendText(root.get("prompt"), prompt);
        break;
      default:
        break;
    }
    JsonNode tools = root.get("tools");
    if (tools != null && tools.isArray() && tools.size() > 0) {
      prompt.append('\n').append(tools);
    }
    return prompt.toString();
  }

  /**
   * Appends the prompt text under {@code node}: strings, part lists, tool results and tool-call
   * arguments, an Anthropic document's plain-text or content source. Images, audio and file data
   * are skipped: their bytes are not text tokens.
   */
  static void appendText(JsonNode node, StringBuilder out) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      out.append(node.asText()).append('\n');
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        appendText(item, out);
      }
    } else if (node.isObject()) {
      for (String field : TEXT_FIELDS) {
        appendText(node.get(field), out);
      }
      JsonNode input = node.get("input");
      if (input != null && input.isObject()) {
        out.append(input).append('\n');
      }
      JsonNode function = node.get("function");
      if (function != null) {
        appendText(function.get("arguments"), out);
      }
      JsonNode calls = node.get("tool_calls");
      if (calls != null) {
        appendText(calls, out);
      }
      JsonNode source = node.get("source");
      if (source != null && source.isObject()) {
        JsonNode data = source.get("data");
        if (data != null && data.isTextual() && "text".equals(source.path("type").asText(null))) {
          appendText(data, out);
        }
        appendText(source.get("content"), out);
      }
      JsonNode variables = node.get("variables");
      if (variables != null && variables.isObject()) {
        for (JsonNode value : variables) {
          appendText(value, out);
        }
      }
    }
  }
}
