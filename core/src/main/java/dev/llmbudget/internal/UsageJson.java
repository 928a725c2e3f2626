package dev.llmbudget.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;

/**
 * Reads token usage out of a provider's response JSON: OpenAI chat completions, completions,
 * embeddings and Responses; Anthropic messages; Google GenAI {@code usageMetadata}; Bedrock
 * Converse; Ollama. Each provider's counts are mapped onto {@link Usage}'s non-overlapping fields.
 */
public final class UsageJson {

  private UsageJson() {}

  /** The usage in {@code root}, or {@code null} when it reports none. */
  public static Usage fromResponse(JsonNode root, String fallbackModel) {
    if (root == null || !root.isObject()) {
      return null;
    }
    String model = text(root, "model");
    if (model == null) {
      model = text(root, "modelVersion");
    }
    if (model == null) {
      model = fallbackModel;
    }
    if (model == null) {
      model = "unknown";
    }
    JsonNode usage = root.get("usage");
    if (usage != null && usage.isObject()) {
      if (usage.has("prompt_tokens")) {
        return openAiChat(model, usage, serviceTier(text(root, "service_tier")));
      }
      if (usage.has("input_tokens") || usage.has("output_tokens")) {
        return usage.has("input_tokens_details") || usage.has("output_tokens_details") || usage.has("total_tokens")
            ? openAiResponses(model, usage, serviceTier(text(root, "service_tier"))) : anthropic(model, usage);
      }
      if (usage.has("inputTokens") || usage.has("outputTokens")) {
        return bedrock(model, usage);
      }
    }
    JsonNode meta = root.get("usageMetadata");
    if (meta != null && meta.isObject()) {
      return gemini(model, meta);
    }
    if (root.has("prompt_eval_count") || root.has("eval_count")) {
      return Usage.of(model, num(root, "prompt_eval_count"), num(root, "eval_count"));
    }
    return null;
  }

  /**
   * OpenAI chat/completions/embeddings: prompt_tokens include cached reads and audio; completion_tokens
   * include reasoning and audio.
   */
  static Usage openAiChat(String model, JsonNode u, String serviceTier) {
    long prompt = num(u, "prompt_tokens");
    JsonNode promptDetails = u.path("prompt_tokens_details");
    JsonNode completionDetails = u.path("completion_tokens_details");
    long output = num(u, "completion_tokens");
    return openAi(model, prompt, num(promptDetails, "cached_tokens"), output,
        num(completionDetails, "reasoning_tokens"), serviceTier, num(promptDetails, "audio_tokens"),
        num(completionDetails, "audio_tokens"));
  }

  /**
   * OpenAI's counts (chat and Responses alike): the prompt includes cached reads, the output includes
   * reasoning; {@code serviceTier} is the answer's top-level {@code service_tier}, or null.
   */
  static Usage openAi(String model, long prompt, long cached, long output, long reasoning, String serviceTier) {
    return openAi(model, prompt, cached, output, reasoning, serviceTier, 0, 0);
  }

  /**
   * {@link #openAi(String, long, long, long, long, String)} with the audio parts of the prompt and of
   * the output ({@code *_tokens_details.audio_tokens}). Audio is counted among the uncached prompt
   * tokens (an answer does not say how much of its cache was audio): if some was, it is charged at
   * the audio rate rather than the cache rate, never below.
   */
  static Usage openAi(String model, long prompt, long cached, long output, long reasoning, String serviceTier,
      long audioIn, long audioOut) {
    long input = Math.max(0, prompt - cached);
    long thinking = Math.min(output, reasoning);
    return new Usage(model, input, output, Math.min(cached, prompt), 0, 0, thinking, false, serviceTier,
        Math.min(audioIn, input), Math.min(audioOut, output - thinking));
  }

  /** OpenAI Responses: input_tokens include cached reads; output_tokens include reasoning. */
  static Usage openAiResponses(String model, JsonNode u, String serviceTier) {
    long input = num(u, "input_tokens");
    long cached = num(u.path("input_tokens_details"), "cached_tokens");
    long output = num(u, "output_tokens");
    return openAi(model, input, cached, output, num(u.path("output_tokens_details"), "reasoning_tokens"),
        serviceTier);
  }

  /** OpenAI's service tiers, as its answers and requests spell them. */
  public static final String DEFAULT_TIER = "default";
  public static final String PRIORITY_TIER = "priority";
  public static final String FLEX_TIER = "flex";
  public static final String SCALE_TIER = "scale";
  public static final String AUTO_TIER = "auto";

  /**
   * The one table a service tier's name is matched against, by this class, {@link UsageBytes} and
   * the agent's request scan: a match returns the constant itself, so usages and requests share it
   * and none is copied. The names all differ, so the order never changes what matches; it is the
   * order of how often they are met: what answers report ({@code default}), then what requests ask
   * for ({@code priority}, {@code flex}, {@code auto}), then {@code scale}.
   */
  private static final String[] SERVICE_TIERS = {DEFAULT_TIER, PRIORITY_TIER, FLEX_TIER, AUTO_TIER, SCALE_TIER};

  /** The longest name in {@link #SERVICE_TIERS}: a longer value is none of them, whatever it spells. */
  public static final int LONGEST_TIER = longest(SERVICE_TIERS);

  private static int longest(String[] names) {
    int n = 0;
    for (String name : names) {
      n = Math.max(n, name.length());
    }
    return n;
  }

  /**
   * OpenAI's {@code service_tier} as one of the constants {@link #DEFAULT_TIER}, {@link #PRIORITY_TIER},
   * {@link #FLEX_TIER}, {@link #SCALE_TIER}, {@link #AUTO_TIER} when it spells one (so that usages share
   * them), else as given; {@code null} for null.
   */
  public static String serviceTier(String tier) {
    if (tier == null) {
      return null;
    }
    for (String t : SERVICE_TIERS) {
      if (t.equals(tier)) {
        return t;
      }
    }
    return tier;
  }

  /**
   * The constant of {@link #SERVICE_TIERS} that the bytes {@code [from, to)} of {@code json} spell
   * (a JSON string's content, unescaped as ASCII), else {@code null}; nothing is allocated.
   */
  public static String serviceTier(byte[] json, int from, int to) {
    int n = to - from;
    if (from < 0 || n <= 0 || n > LONGEST_TIER || to > json.length) {
      return null;
    }
    for (String t : SERVICE_TIERS) {
      if (t.length() == n) {
        int k = 0;
        while (k < n && json[from + k] == t.charAt(k)) {
          k++;
        }
        if (k == n) {
          return t;
        }
      }
    }
    return null;
  }

  /** Anthropic: input_tokens exclude cache reads and writes, which are reported beside them. */
  static Usage anthropic(String model, JsonNode u) {
    long write5m;
    long write1h;
    JsonNode split = u.get("cache_creation");
    if (split != null && split.isObject()
        && (split.has("ephemeral_5m_input_tokens") || split.has("ephemeral_1h_input_tokens"))) {
      write5m = num(split, "ephemeral_5m_input_tokens");
      write1h = num(split, "ephemeral_1h_input_tokens");
    } else {
      write5m = num(u, "cache_creation_input_tokens");
      write1h = 0;
    }
    return new Usage(model, num(u, "input_tokens"), num(u, "output_tokens"),
        num(u, "cache_read_input_tokens"), write5m, write1h, 0, false);
  }

  /** Bedrock Converse: inputTokens exclude cache reads and writes. */
  static Usage bedrock(String model, JsonNode u) {
    return new Usage(model, num(u, "inputTokens"), num(u, "outputTokens"),
        num(u, "cacheReadInputTokens"), num(u, "cacheWriteInputTokens"), 0, 0, false);
  }

  /**
   * Gemini: promptTokenCount includes cached content; thoughts are billed as output. The audio of the
   * prompt, of the cache and of the candidates is the {@code AUDIO} entry of
   * {@code promptTokensDetails}, {@code cacheTokensDetails} and {@code candidatesTokensDetails}.
   */
  static Usage gemini(String model, JsonNode m) {
    return gemini(model, num(m, "promptTokenCount"), num(m, "toolUsePromptTokenCount"),
        num(m, "cachedContentTokenCount"), num(m, "thoughtsTokenCount"), num(m, "candidatesTokenCount"),
        audio(m.get("promptTokensDetails")), audio(m.get("cacheTokensDetails")),
        audio(m.get("candidatesTokensDetails")));
  }

  static Usage gemini(String model, long promptCount, long toolUsePrompt, long cachedCount, long thoughts,
      long candidates) {
    return gemini(model, promptCount, toolUsePrompt, cachedCount, thoughts, candidates, 0, 0, 0);
  }

  /**
   * Gemini's counts with the audio parts of its prompt, its cached content and its candidates: the
   * prompt's audio beyond the cache's is uncached input at the audio rate (cached audio pays the cache
   * rate, which the table does not price apart for Gemini).
   */
  public static Usage gemini(String model, long promptCount, long toolUsePrompt, long cachedCount, long thoughts,
      long candidates, long promptAudio, long cachedAudio, long candidatesAudio) {
    long prompt = promptCount + toolUsePrompt;
    long cached = Math.min(prompt, cachedCount);
    long output = candidates + thoughts;
    return new Usage(model, prompt - cached, output, cached, 0, 0, thoughts, false, null,
        Math.min(Math.max(0, promptAudio - cachedAudio), prompt - cached), Math.min(candidatesAudio, candidates));
  }

  /** The tokens of the {@code AUDIO} entries of a Gemini {@code *TokensDetails} list ({@code ModalityTokenCount}s). */
  static long audio(JsonNode details) {
    long audio = 0;
    if (details != null && details.isArray()) {
      for (JsonNode d : details) {
        if (d.isObject() && AUDIO.equals(text(d, "modality"))) {
          audio += num(d, "tokenCount");
        }
      }
    }
    return audio;
  }

  /** The modality Gemini names audio with. */
  public static final String AUDIO = "AUDIO";

  public static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
  }

  public static long num(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isNumber() ? Math.max(0, v.asLong()) : 0;
  }
}
