package dev.llmbudget.agent.instrumentation.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;

/**
 * An Azure OpenAI request body (chat completions, completions, embeddings): the OpenAI wire format
 * without a {@code model}, since the deployment in the path names it. The deployment name is the
 * model name here; {@code llmbudget.azure.deployments} makes it resolve to its model's price.
 */
final class ChatRequest {

  private ChatRequest() {}

  static LlmRequest read(String deployment, byte[] body) throws IOException {
    JsonNode root = SdkJson.MAPPER.readTree(body);
    if (root == null || !root.isObject()) {
      return null;
    }
    JsonNode named = root.get("model");
    String model = named != null && named.isTextual() && !named.asText().isBlank() ? named.asText() : deployment;
    if (model == null || model.isBlank()) {
      return null;
    }
    StringBuilder prompt = new StringBuilder(256);
    int messages = 0;
    int images = 0;
    int lowDetail = 0;
    int media = 0;
    for (JsonNode m : root.path("messages")) {
      appendText(m.get("content"), prompt);
      // ChatMessageImageContentItem: {"type":"image_url","image_url":{"url":…,"detail":…}}, not text
      for (JsonNode part : m.path("content")) {
        if ("image_url".equals(part.path("type").asText())) {
          images++;
          if ("low".equals(part.path("image_url").path("detail").asText())) {
            lowDetail++;
          }
        }
        // ChatMessageAudioContentItem ({"type":"input_audio"}) and file parts: their tokens are not in their bytes
        String type = part.path("type").asText();
        if ("input_audio".equals(type) || "file".equals(type)) {
          media++;
        }
      }
      if (m.path("audio").isObject()) {
        media++; // an assistant's earlier spoken answer, sent back by id: billed as audio input
      }
      for (JsonNode call : m.path("tool_calls")) {
        appendText(call.path("function").get("arguments"), prompt);
      }
      messages++;
    }
    appendText(root.get("prompt"), prompt);
    appendText(root.get("input"), prompt);
    JsonNode tools = root.get("tools");
    if (tools != null && tools.isArray() && tools.size() > 0) {
      prompt.append(tools).append('\n');
    }
    long maxOutput = 0;
    for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
      JsonNode v = root.get(field);
      if (v != null && v.isNumber()) {
        maxOutput = Math.max(0, v.asLong());
        break;
      }
    }
    // n answers (a completion's best_of: made and billed), each may use the whole cap
    long choices = Math.max(root.path("n").asLong(1), root.path("best_of").asLong(1));
    return new LlmRequest(model, prompt, messages, maxOutput, dev.llmbudget.tokens.TokenCounter.upperBoundTokens(prompt),
        LlmRequest.choices(choices), false, images, lowDetail, 0,
        dev.llmbudget.internal.UsageJson.serviceTier(dev.llmbudget.internal.UsageJson.text(root, "service_tier")),
        (short) Math.min(media, Short.MAX_VALUE));
  }

  /** True for a chat or completions body, whose output a cap bounds; false for embeddings and the unreadable. */
  static boolean hasOutput(byte[] body) {
    try {
      JsonNode root = body == null ? null : SdkJson.MAPPER.readTree(body);
      return root != null && (root.has("messages") || root.has("prompt"));
    } catch (IOException e) {
      return false;
    }
  }

  /** The output cap field the body already has, or {@code null}. */
  static String capField(byte[] body) throws IOException {
    JsonNode root = SdkJson.MAPPER.readTree(body);
    for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
      if (root.path(field).isNumber()) {
        return field;
      }
    }
    return null;
  }

  /** Strings, arrays of strings and content parts' text; images are not text tokens. */
  private static void appendText(JsonNode node, StringBuilder out) {
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
      appendText(node.get("text"), out);
    }
  }
}
