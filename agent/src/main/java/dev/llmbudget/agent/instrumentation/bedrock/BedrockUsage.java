package dev.llmbudget.agent.instrumentation.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.UsageJson;
import java.util.List;
import java.util.Map;

/**
 * Reads the usage Bedrock reports, always priced under the model id the caller sent (the body of
 * an Anthropic answer names Anthropic's model, but Bedrock bills its own).
 */
final class BedrockUsage {

  static final String INVOCATION_METRICS = "amazon-bedrock-invocationMetrics";

  private BedrockUsage() {}

  /** A Converse {@code TokenUsage}: inputTokens exclude cache reads and writes, reported beside them (2.30+). */
  static Usage fromTokenUsage(String model, Object tokenUsage) {
    if (tokenUsage == null) {
      return null;
    }
    if (!Accessors.has(tokenUsage, "inputTokens") && !Accessors.has(tokenUsage, "outputTokens")) {
      // read as zero, the call would be charged nothing: the caller charges what it reserved
      throw new IllegalStateException(tokenUsage.getClass().getName() + " has neither inputTokens() nor "
          + "outputTokens(): a Bedrock usage of a shape the agent does not know");
    }
    return new Usage(model, Accessors.readCount(tokenUsage, "inputTokens"),
        Accessors.readCount(tokenUsage, "outputTokens"), Accessors.readCount(tokenUsage, "cacheReadInputTokens"),
        Accessors.readCount(tokenUsage, "cacheWriteInputTokens"),
        0, 0, false);
  }

  /**
   * The usage in an {@code InvokeModel} body, by family: Anthropic's {@code usage}, Nova's {@code
   * usage.inputTokens} (with {@code cache*InputTokenCount}), Llama's {@code prompt_token_count},
   * Titan's {@code inputTextTokenCount}, or the invocation metrics a stream's last chunk carries;
   * {@code null} when the body reports none.
   */
  static Usage fromBody(String model, JsonNode root) {
    if (root == null || !root.isObject()) {
      return null;
    }
    JsonNode u = root.get("usage");
    if (u != null && u.isObject() && (u.has("cacheReadInputTokenCount") || u.has("cacheWriteInputTokenCount"))) {
      return new Usage(model, UsageJson.num(u, "inputTokens"), UsageJson.num(u, "outputTokens"),
          UsageJson.num(u, "cacheReadInputTokenCount"), UsageJson.num(u, "cacheWriteInputTokenCount"), 0, 0, false);
    }
    Usage usage = UsageJson.fromResponse(root, model);
    if (usage != null) {
      return withModel(usage, model);
    }
    if (root.has("prompt_token_count") || root.has("generation_token_count")) {
      return Usage.of(model, UsageJson.num(root, "prompt_token_count"), UsageJson.num(root, "generation_token_count"));
    }
    if (root.has("inputTextTokenCount")) {
      long output = 0;
      for (JsonNode r : root.path("results")) {
        output += UsageJson.num(r, "tokenCount");
      }
      return Usage.of(model, UsageJson.num(root, "inputTextTokenCount"), output);
    }
    return fromInvocationMetrics(model, root.get(INVOCATION_METRICS));
  }

  /** What Bedrock appends to the last chunk of every model's stream. */
  static Usage fromInvocationMetrics(String model, JsonNode m) {
    if (m == null || !m.isObject() || !(m.has("inputTokenCount") || m.has("outputTokenCount"))) {
      return null;
    }
    return new Usage(model, UsageJson.num(m, "inputTokenCount"), UsageJson.num(m, "outputTokenCount"),
        UsageJson.num(m, "cacheReadInputTokenCount"), UsageJson.num(m, "cacheWriteInputTokenCount"), 0, 0, false);
  }

  /**
   * The token counts Bedrock puts in the headers of every {@code InvokeModel} answer, whatever the
   * family; {@code null} when absent.
   */
  static Usage fromHeaders(String model, Object sdkHttpResponse) {
    Object headers = Accessors.read(sdkHttpResponse, "headers");
    if (!(headers instanceof Map)) {
      return null;
    }
    long input = -1;
    long output = -1;
    long cacheRead = 0;
    long cacheWrite = 0;
    for (Map.Entry<?, ?> e : ((Map<?, ?>) headers).entrySet()) {
      String name = String.valueOf(e.getKey()).toLowerCase(java.util.Locale.ROOT);
      long value = first(e.getValue());
      switch (name) {
        case "x-amzn-bedrock-input-token-count":
          input = value;
          break;
        case "x-amzn-bedrock-output-token-count":
          output = value;
          break;
        case "x-amzn-bedrock-cache-read-input-token-count":
          cacheRead = value;
          break;
        case "x-amzn-bedrock-cache-write-input-token-count":
          cacheWrite = value;
          break;
        default:
          break;
      }
    }
    if (input < 0 && output < 0) {
      return null;
    }
    return new Usage(model, Math.max(0, input), Math.max(0, output), cacheRead, cacheWrite, 0, 0, false);
  }

  private static long first(Object values) {
    Object v = values instanceof List && !((List<?>) values).isEmpty() ? ((List<?>) values).get(0) : values;
    try {
      return Math.max(0, Long.parseLong(String.valueOf(v).trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static Usage withModel(Usage u, String model) {
    return u.model().equals(model) ? u : new Usage(model, u.inputTokens(), u.outputTokens(), u.cacheReadTokens(),
        u.cacheWrite5mTokens(), u.cacheWrite1hTokens(), u.reasoningTokens(), u.estimated());
  }
}
