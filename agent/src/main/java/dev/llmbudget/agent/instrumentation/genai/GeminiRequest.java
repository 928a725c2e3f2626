package dev.llmbudget.agent.instrumentation.genai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;

/**
 * Which Gemini API requests are priced, and what they say: {@code models/{model}:generateContent}
 * and {@code :streamGenerateContent} (Gemini API and Vertex AI paths alike), read from the path
 * and the JSON body exactly as the SDK sends them.
 */
final class GeminiRequest {

  private GeminiRequest() {}

  /** The priced request, or {@code null} when {@code path} is no generate call. */
  static LlmRequest read(String path, String body) throws IOException {
    if (path == null || body == null) {
      return null;
    }
    int query = path.indexOf('?');
    String p = query < 0 ? path : path.substring(0, query);
    if (!p.endsWith(":generateContent") && !p.endsWith(":streamGenerateContent")) {
      return null;
    }
    int colon = p.lastIndexOf(':');
    int models = p.lastIndexOf("models/", colon);
    String model = p.substring(models < 0 ? 0 : models + "models/".length(), colon);
    if (model.isEmpty()) {
      return null;
    }
    JsonNode root = SdkJson.MAPPER.readTree(body);
    if (root == null || !root.isObject()) {
      return null;
    }
    StringBuilder prompt = new StringBuilder(256);
    int images = 0;
    int media = 0;
    for (JsonNode content : root.path("contents")) {
      appendParts(content, prompt);
      images += images(content);
      media += media(content);
    }
    appendParts(root.get("systemInstruction"), prompt);
    JsonNode tools = root.get("tools");
    if (tools != null && tools.isArray() && tools.size() > 0) {
      prompt.append(tools).append('\n');
    }
    JsonNode max = root.path("generationConfig").get("maxOutputTokens");
    long maxOutput = max != null && max.isNumber() ? Math.max(0, max.asLong()) : 0;
    // candidateCount answers, each may use the whole cap and each is billed
    long candidates = root.path("generationConfig").path("candidateCount").asLong(1);
    // Gemini adds no per-message tokens the way OpenAI does.
    return new LlmRequest(model, prompt, 0, maxOutput, dev.llmbudget.tokens.TokenCounter.upperBoundTokens(prompt),
        LlmRequest.choices(candidates), false, images, 0, 0, null, (short) Math.min(media, Short.MAX_VALUE));
  }

  /**
   * The parts of {@code content} that send a document, audio or video, inline or by URI (a data
   * part of another MIME type than {@code image/*}), also in a function response: their tokens are
   * not in their bytes, so they are reserved as file parts.
   */
  private static int media(JsonNode content) {
    return count(content, GeminiRequest::isMedia);
  }

  /** The parts of {@code content}, and those its function responses carry, that {@code kind} accepts. */
  private static int count(JsonNode content, java.util.function.Predicate<JsonNode> kind) {
    int n = 0;
    for (JsonNode part : content.path("parts")) {
      n += kind.test(part) ? 1 : 0;
      for (JsonNode inner : part.path("functionResponse").path("parts")) {
        n += kind.test(inner) ? 1 : 0;
      }
    }
    return n;
  }

  private static boolean isMedia(JsonNode part) {
    JsonNode data = part.has("inlineData") ? part.get("inlineData") : part.get("fileData");
    return data != null && data.isObject() && !isImage(part);
  }

  /**
   * The parts of {@code content} that send an image, inline ({@code inlineData}) or by URI ({@code
   * fileData}), by their MIME type, also those a function response carries (GenAI 2.x's {@code
   * FunctionResponse.parts}); documents, audio and video parts are {@link #media} parts.
   */
  private static int images(JsonNode content) {
    return count(content, GeminiRequest::isImage);
  }

  /** An {@code image/*} data part, or one that states no MIME type (a file by URI may leave it to the service). */
  private static boolean isImage(JsonNode part) {
    JsonNode data = part.has("inlineData") ? part.get("inlineData") : part.get("fileData");
    if (data == null || !data.isObject()) {
      return false;
    }
    JsonNode type = data.get("mimeType");
    return type == null || !type.isTextual() || type.asText().isEmpty() || type.asText().startsWith("image/");
  }

  /** Text, function calls and function results count as prompt; inline images and files are not text. */
  private static void appendParts(JsonNode content, StringBuilder out) {
    if (content == null) {
      return;
    }
    for (JsonNode part : content.path("parts")) {
      JsonNode text = part.get("text");
      if (text != null && text.isTextual()) {
        out.append(text.asText()).append('\n');
      }
      JsonNode call = part.get("functionCall");
      if (call != null) {
        out.append(call).append('\n');
      }
      JsonNode result = part.get("functionResponse");
      if (result != null) {
        out.append(result).append('\n');
      }
    }
  }
}
