package dev.llmbudget.agent.instrumentation.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Reads what the agent needs from a Bedrock request before it goes out: the model id as the caller
 * gave it (the price table resolves region prefixes, versions and inference-profile ARNs), the
 * prompt text for token counting, the number of chat messages and the output cap (0 when none).
 */
final class BedrockRequest {

  /** Keys under which the model-native JSON of {@code InvokeModel} holds prompt text, across families. */
  private static final Set<String> TEXT_KEYS = Set.of("text", "content", "prompt", "inputText", "system", "message");
  /** Output caps of the model families: Anthropic/Mistral, Llama, Titan, Nova, Converse-shaped. */
  private static final Set<String> MAX_KEYS = Set.of("max_tokens", "max_gen_len", "maxTokenCount", "max_new_tokens",
      "maxTokens");

  private BedrockRequest() {}

  /**
   * A request class without {@code modelId()} is a Bedrock SDK the agent does not know, not a
   * request without a model (which the SDK refuses to send): the failure policy must hear of it.
   */
  private static void unknownShapeIfNoModelId(Object request) {
    if (!Accessors.has(request, "modelId")) {
      throw new IllegalStateException(request.getClass().getName() + " has no modelId(): a Bedrock SDK version "
          + "the agent does not know, so its calls cannot be metered");
    }
  }

  /** {@code ConverseRequest} or {@code ConverseStreamRequest}, read through their getters. */
  static LlmRequest fromConverse(Object request) {
    String model = Accessors.text(request, "modelId");
    if (model == null) {
      unknownShapeIfNoModelId(request);
      return null;
    }
    StringBuilder prompt = new StringBuilder(256);
    int messages = 0;
    int images = 0;
    int media = 0;
    for (Object message : Accessors.list(request, "messages")) {
      messages++;
      for (Object block : Accessors.list(message, "content")) {
        appendBlock(block, prompt);
        images += images(block);
        media += media(block);
      }
    }
    for (Object block : Accessors.list(request, "system")) {
      append(Accessors.text(block, "text"), prompt);
    }
    Object tools = Accessors.get(request, "toolConfig");
    if (tools != null) {
      prompt.append('\n').append(tools);
    }
    long max = Accessors.count(Accessors.get(request, "inferenceConfig"), "maxTokens");
    return new LlmRequest(model, prompt, messages, max, dev.llmbudget.tokens.TokenCounter.upperBoundTokens(prompt), 1,
        false, images, 0, 0, null, (short) Math.min(media, Short.MAX_VALUE));
  }

  /** The getters of a Converse {@code ContentBlock} (and a tool result's content) that send a file: not text, not bounded by bytes. */
  private static final String[] MEDIA_BLOCKS = {"document", "video", "audio"};

  /** A Converse {@code ContentBlock}'s documents, videos and audio, or those of its tool result's content. */
  private static int media(Object block) {
    int n = 0;
    for (String name : MEDIA_BLOCKS) {
      n += Accessors.get(block, name) != null ? 1 : 0;
    }
    Object toolResult = Accessors.get(block, "toolResult");
    if (toolResult != null) {
      for (Object part : Accessors.list(toolResult, "content")) {
        for (String name : MEDIA_BLOCKS) {
          n += Accessors.get(part, name) != null ? 1 : 0;
        }
      }
    }
    return n;
  }

  /** A Converse {@code ContentBlock}'s images: its {@code image()}, or those of its tool result's content. */
  private static int images(Object block) {
    if (Accessors.get(block, "image") != null) {
      return 1;
    }
    Object toolResult = Accessors.get(block, "toolResult");
    int n = 0;
    if (toolResult != null) {
      for (Object part : Accessors.list(toolResult, "content")) {
        if (Accessors.get(part, "image") != null) {
          n++;
        }
      }
    }
    return n;
  }

  private static void appendBlock(Object block, StringBuilder prompt) {
    append(Accessors.text(block, "text"), prompt);
    Object toolUse = Accessors.get(block, "toolUse");
    if (toolUse != null) {
      append(String.valueOf(Accessors.get(toolUse, "input")), prompt);
    }
    for (Object part : Accessors.list(Accessors.get(block, "toolResult"), "content")) {
      append(Accessors.text(part, "text"), prompt);
      Object json = Accessors.get(part, "json");
      if (json != null) {
        append(json.toString(), prompt);
      }
    }
  }

  /** {@code InvokeModelRequest} or {@code InvokeModelWithResponseStreamRequest}: the body is the model's own JSON. */
  static LlmRequest fromInvoke(Object request) throws IOException {
    String model = Accessors.text(request, "modelId");
    if (model == null) {
      unknownShapeIfNoModelId(request);
      return null;
    }
    byte[] body = Accessors.bytes(Accessors.get(request, "body"));
    if (body == null || body.length == 0) {
      return new LlmRequest(model, "", 0, 0);
    }
    JsonNode root = SdkJson.MAPPER.readTree(body);
    if (root == null || !root.isObject()) {
      return new LlmRequest(model, "", 0, 0);
    }
    StringBuilder prompt = new StringBuilder(256);
    collectText(root, prompt);
    JsonNode tools = root.get("tools");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      prompt.append('\n').append(tools);
    }
    JsonNode messages = root.get("messages");
    int count = messages != null && messages.isArray() ? messages.size() : 0;
    return new LlmRequest(model, prompt, count, maxOutput(root, 2),
        dev.llmbudget.tokens.TokenCounter.upperBoundTokens(prompt), 1, false, count > 0 ? images(messages) : 0, 0, 0,
        null, (short) (count > 0 ? Math.min(media(messages), Short.MAX_VALUE) : 0));
  }

  /**
   * The file blocks under an InvokeModel body's messages, whose tokens their bytes do not bound:
   * Anthropic's {@code {"type":"document"}} (but for a content source, whose blocks are text)
   * and Nova's {@code {"document"|"video"|"audio":{...}}}.
   */
  static int media(JsonNode node) {
    int n = 0;
    if (node.isArray()) {
      for (JsonNode item : node) {
        n += media(item);
      }
    } else if (node.isObject()) {
      // a content source's blocks are collected as text; a plain-text source's data is not, so it counts
      if ("document".equals(node.path("type").asText()) && !"content".equals(node.path("source").path("type").asText())
          || node.path("document").isObject() || node.path("video").isObject() || node.path("audio").isObject()) {
        return 1;
      }
      for (JsonNode value : node) {
        if (value.isContainerNode()) {
          n += media(value);
        }
      }
    }
    return n;
  }

  /**
   * The image blocks under an InvokeModel body's messages: Anthropic's {@code {"type":"image"}} (also
   * inside a tool result) and Nova's {@code {"image":{...}}}; documents, video and audio are {@link #media}.
   */
  static int images(JsonNode node) {
    int n = 0;
    if (node.isArray()) {
      for (JsonNode item : node) {
        n += images(item);
      }
    } else if (node.isObject()) {
      if ("image".equals(node.path("type").asText()) || node.path("image").isObject()) {
        return 1;
      }
      for (JsonNode value : node) {
        if (value.isContainerNode()) {
          n += images(value);
        }
      }
    }
    return n;
  }

  /** Appends every text value found under a prompt-text key, however deep the family nests it. */
  static void collectText(JsonNode node, StringBuilder out) {
    if (node.isArray()) {
      for (JsonNode n : node) {
        collectText(n, out);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue();
      if (v.isTextual()) {
        if (TEXT_KEYS.contains(e.getKey())) {
          append(v.asText(), out);
        }
      } else if (v.isContainerNode()) {
        collectText(v, out);
      }
    }
  }

  /** The first output cap at the top level or in a nested config ({@code textGenerationConfig}, {@code inferenceConfig}). */
  private static long maxOutput(JsonNode node, int depth) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (MAX_KEYS.contains(e.getKey()) && e.getValue().isNumber()) {
        return Math.max(0, e.getValue().asLong());
      }
    }
    if (depth > 1) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (e.getValue().isObject()) {
          long m = maxOutput(e.getValue(), depth - 1);
          if (m > 0) {
            return m;
          }
        }
      }
    }
    return 0;
  }

  private static void append(String text, StringBuilder out) {
    if (text != null && !text.isEmpty()) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(text);
    }
  }
}
