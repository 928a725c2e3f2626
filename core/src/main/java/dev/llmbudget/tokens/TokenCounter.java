package dev.llmbudget.tokens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Counts tokens locally, to estimate a call's cost before it goes out. Exact for OpenAI models
 * ({@code o200k_base} or {@code cl100k_base}); for every other vendor an approximation with
 * {@code cl100k_base}, see {@link #exact()}. Thread-safe; one instance per encoding.
 */
public final class TokenCounter {

  /** OpenAI's documented chat overhead: every message is framed by 3 tokens... */
  static final int TOKENS_PER_MESSAGE = 3;
  /** ...a name costs one more than its own tokens... */
  static final int TOKENS_PER_NAME = 1;
  /** ...and the reply is primed with {@code <|start|>assistant<|message|>}. */
  static final int TOKENS_TO_PRIME_REPLY = 3;

  private final Encoding encoding;
  private final boolean exact;

  private TokenCounter(EncodingType type, boolean exact) {
    this.encoding = Registry.INSTANCE.getEncoding(type);
    this.exact = exact;
  }

  // Loading an encoding parses its vocabulary (~100 ms and megabytes each), so each is created
  // on first use, by one lazy registry, and only the encodings actually asked for.
  private static final class Registry {
    static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
  }

  private static final class O200k {
    static final TokenCounter EXACT = new TokenCounter(EncodingType.O200K_BASE, true);
  }

  private static final class Cl100k {
    static final TokenCounter EXACT = new TokenCounter(EncodingType.CL100K_BASE, true);
    static final TokenCounter APPROXIMATE = new TokenCounter(EncodingType.CL100K_BASE, false);
  }

  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /**
   * The counter for a model name as a call gives it; a provider prefix ({@code openai/},
   * {@code azure/}) is ignored. Names that are not OpenAI models, and null, get the approximate
   * {@code cl100k_base} counter.
   */
  public static TokenCounter forModel(String model) {
    String name = model == null ? "" : model.trim().toLowerCase(Locale.ROOT);
    name = name.substring(name.lastIndexOf('/') + 1);
    if (usesO200k(name)) {
      return O200k.EXACT;
    }
    if (name.startsWith("gpt-4") || name.startsWith("gpt-3.5") || name.startsWith("gpt-35")
        || name.startsWith("text-embedding-3-") || name.startsWith("text-embedding-ada-002")) {
      return Cl100k.EXACT;
    }
    return Cl100k.APPROXIMATE;
  }

  private static boolean usesO200k(String name) {
    return name.startsWith("gpt-4o") || name.startsWith("gpt-4.1") || name.startsWith("gpt-4.5")
        || name.startsWith("gpt-5") || name.startsWith("chatgpt-") || name.startsWith("gpt-oss")
        || name.startsWith("codex-") || name.startsWith("gpt-realtime")
        || name.startsWith("gpt-audio") || name.startsWith("omni-moderation")
        || (name.length() >= 2 && name.charAt(0) == 'o' && name.charAt(1) >= '1'
            && name.charAt(1) <= '9');
  }

  /** The encoding's name, e.g. {@code o200k_base}. */
  public String encodingName() {
    return encoding.getName();
  }

  /**
   * True when counts are what the provider will bill (OpenAI models); false when they
   * approximate another vendor's tokenizer, which may count more or fewer tokens.
   */
  public boolean exact() {
    return exact;
  }

  /** Tokens in a text, with special-token strings counted as ordinary text; null is 0. */
  public int count(String text) {
    return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(wellFormed(text));
  }

  /**
   * The text with each lone surrogate (a string cut in the middle of an emoji, say) replaced by
   * U+FFFD, as a JSON encoder and the provider will see it; jtokkit asserts on ill-formed UTF-16.
   */
  private static String wellFormed(String text) {
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < length
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return replaceLoneSurrogates(text);
        }
      }
    }
    return text;
  }

  private static String replaceLoneSurrogates(String text) {
    StringBuilder fixed = new StringBuilder(text.length());
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < length
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        fixed.append(c).append(text.charAt(++i));
      } else {
        fixed.append(Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return fixed.toString();
  }

  /**
   * A bound that no count of this text exceeds, in one pass over its chars without allocation.
   * Byte-level BPE (tiktoken, and the tokenizers approximated here) splits the UTF-8 bytes of a
   * text into tokens of at least one byte each, so there are never more tokens than bytes. A
   * lone surrogate is counted as 3 bytes, the UTF-8 length of the U+FFFD that replaces it.
   */
  public static long upperBoundTokens(CharSequence text) {
    if (text == null) {
      return 0;
    }
    int length = text.length();
    long bytes = length;
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isHighSurrogate(c) && i + 1 < length
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          bytes += 2; // 4 bytes for the pair, which is 2 chars
          i++;
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  /**
   * Prompt tokens of a chat request: each message is a {@code Map} with {@code role},
   * {@code content} (a string, or a list of parts whose {@code text} is counted), an optional
   * {@code name} and optional tool calls, whose JSON text is counted. Adds OpenAI's overhead: 3
   * per message, 1 per name, 3 to prime the reply. Image parts are not counted.
   *
   * @throws IllegalArgumentException if an element is not a {@code Map}
   */
  public int countMessages(List<?> messages) {
    if (messages == null) {
      return 0;
    }
    int tokens = TOKENS_TO_PRIME_REPLY;
    for (Object message : messages) {
      if (!(message instanceof Map)) {
        throw new IllegalArgumentException("a chat message must be a Map of role, content, ...; "
            + "got " + (message == null ? "null" : message.getClass().getName()));
      }
      tokens += TOKENS_PER_MESSAGE;
      for (Map.Entry<?, ?> field : ((Map<?, ?>) message).entrySet()) {
        tokens += countField(String.valueOf(field.getKey()), field.getValue());
      }
    }
    return tokens;
  }

  private int countField(String key, Object value) {
    if (value == null) {
      return 0;
    }
    int nameCost = "name".equals(key) ? TOKENS_PER_NAME : 0;
    if (value instanceof CharSequence) {
      return nameCost + count(value.toString());
    }
    if ("content".equals(key) && value instanceof List) {
      int tokens = 0;
      for (Object part : (List<?>) value) {
        if (part instanceof CharSequence) {
          tokens += count(part.toString());
        } else if (part instanceof Map && ((Map<?, ?>) part).get("text") instanceof CharSequence) {
          tokens += count(((Map<?, ?>) part).get("text").toString());
        }
      }
      return tokens;
    }
    return nameCost + count(json(value));
  }

  private static String json(Object value) {
    try {
      return Json.MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      return String.valueOf(value);
    }
  }

  /**
   * {@link #countMessages(List)} for a Jackson array of message objects of the same shape, as an
   * OpenAI-style request body's {@code messages} holds them.
   *
   * @throws IllegalArgumentException if it is not an array of objects
   */
  public int countMessages(JsonNode messagesArray) {
    if (messagesArray == null || messagesArray.isNull() || messagesArray.isMissingNode()) {
      return 0;
    }
    if (!messagesArray.isArray()) {
      throw new IllegalArgumentException("messages must be a JSON array, got "
          + messagesArray.getNodeType());
    }
    int tokens = TOKENS_TO_PRIME_REPLY;
    for (JsonNode message : messagesArray) {
      if (!message.isObject()) {
        throw new IllegalArgumentException("a chat message must be a JSON object, got "
            + message.getNodeType());
      }
      tokens += TOKENS_PER_MESSAGE;
      for (Map.Entry<String, JsonNode> field : message.properties()) {
        tokens += countField(field.getKey(), field.getValue());
      }
    }
    return tokens;
  }

  private int countField(String key, JsonNode value) {
    if (value.isNull() || value.isMissingNode()) {
      return 0;
    }
    int nameCost = "name".equals(key) ? TOKENS_PER_NAME : 0;
    if (value.isTextual()) {
      return nameCost + count(value.textValue());
    }
    if ("content".equals(key) && value.isArray()) {
      int tokens = 0;
      for (JsonNode part : value) {
        if (part.isTextual()) {
          tokens += count(part.textValue());
        } else if (part.path("text").isTextual()) {
          tokens += count(part.path("text").textValue());
        }
      }
      return tokens;
    }
    return nameCost + count(value.toString());
  }

  @Override
  public String toString() {
    return "TokenCounter[" + encodingName() + (exact ? "" : ", approximate") + "]";
  }
}
