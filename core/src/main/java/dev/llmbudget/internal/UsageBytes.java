package dev.llmbudget.internal;

import dev.llmbudget.Usage;
import java.nio.charset.StandardCharsets;

/**
 * Reads the usage of a whole JSON answer straight from its bytes, as {@link UsageJson#fromResponse}
 * reads it from a tree, without a parser or a tree: one pass that skips everything but the usage
 * and model members (and the {@code service_tier}, which prices the call). Anything it does not read exactly as Jackson would (an escape in a member
 * name or the model, a count that is not a plain integer, a member named twice, bytes that are
 * not JSON) makes it answer {@code null}, and the caller reads the answer with a parser instead.
 */
public final class UsageBytes {

  // Numeric slots: their values; named slots (numeric or not): a bit in seen once the name was read.
  private static final int PROMPT_EVAL = 0;
  private static final int EVAL = 1;
  private static final int PROMPT = 2;
  private static final int COMPLETION = 3;
  private static final int INPUT = 4;
  private static final int OUTPUT = 5;
  private static final int TOTAL = 6;
  private static final int CACHE_CREATION_INPUT = 7;
  private static final int CACHE_READ_INPUT = 8;
  private static final int INPUT_CAMEL = 9;
  private static final int OUTPUT_CAMEL = 10;
  private static final int CACHE_READ_CAMEL = 11;
  private static final int CACHE_WRITE_CAMEL = 12;
  private static final int PROMPT_CACHED = 13;
  private static final int COMPLETION_REASONING = 14;
  private static final int INPUT_CACHED = 15;
  private static final int OUTPUT_REASONING = 16;
  private static final int EPHEMERAL_5M = 17;
  private static final int EPHEMERAL_1H = 18;
  private static final int META_PROMPT = 19;
  private static final int META_TOOL_PROMPT = 20;
  private static final int META_CACHED = 21;
  private static final int META_THOUGHTS = 22;
  private static final int META_CANDIDATES = 23;
  private static final int PROMPT_AUDIO = 24;
  private static final int COMPLETION_AUDIO = 25;
  // the AUDIO tokenCounts of Gemini's modality lists, summed; never named, so never "seen"
  private static final int META_PROMPT_AUDIO = 26;
  private static final int META_CACHED_AUDIO = 27;
  private static final int META_CANDIDATES_AUDIO = 28;
  /** Where a modality's tokenCount is read before it is known to be audio; never named. */
  private static final int SCRATCH = 29;
  private static final int NUMBERS = 30;
  // Names whose value is an object, a list (or a string): only their presence and their members count.
  private static final int MODEL = 30;
  private static final int MODEL_VERSION = 31;
  private static final int USAGE = 32;
  private static final int USAGE_METADATA = 33;
  private static final int PROMPT_DETAILS = 34;
  private static final int COMPLETION_DETAILS = 35;
  private static final int INPUT_DETAILS = 36;
  private static final int OUTPUT_DETAILS = 37;
  private static final int CACHE_CREATION = 38;
  private static final int SERVICE_TIER = 39;
  private static final int META_PROMPT_DETAILS = 40;
  private static final int META_CACHE_DETAILS = 41;
  private static final int META_CANDIDATES_DETAILS = 42;
  /** Longer than any tier OpenAI names: such a value is not kept (the standard price applies). */
  private static final int MAX_TIER_LENGTH = 32;

  // The objects whose members are read; each names its members and their slots.
  private static final String[] ROOT_NAMES = {"model", "modelVersion", "usage", "usageMetadata",
      "prompt_eval_count", "eval_count", "service_tier"};
  private static final int[] ROOT_SLOTS = {MODEL, MODEL_VERSION, USAGE, USAGE_METADATA, PROMPT_EVAL, EVAL,
      SERVICE_TIER};
  private static final String[] USAGE_NAMES = {"prompt_tokens", "completion_tokens", "input_tokens",
      "output_tokens", "total_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "inputTokens",
      "outputTokens", "cacheReadInputTokens", "cacheWriteInputTokens", "prompt_tokens_details",
      "completion_tokens_details", "input_tokens_details", "output_tokens_details", "cache_creation"};
  private static final int[] USAGE_SLOTS = {PROMPT, COMPLETION, INPUT, OUTPUT, TOTAL, CACHE_CREATION_INPUT,
      CACHE_READ_INPUT, INPUT_CAMEL, OUTPUT_CAMEL, CACHE_READ_CAMEL, CACHE_WRITE_CAMEL, PROMPT_DETAILS,
      COMPLETION_DETAILS, INPUT_DETAILS, OUTPUT_DETAILS, CACHE_CREATION};
  private static final String[] CACHED_NAMES = {"cached_tokens"};
  private static final String[] REASONING_NAMES = {"reasoning_tokens"};
  private static final String[] PROMPT_DETAILS_NAMES = {"cached_tokens", "audio_tokens"};
  private static final String[] COMPLETION_DETAILS_NAMES = {"reasoning_tokens", "audio_tokens"};
  private static final String[] CACHE_CREATION_NAMES = {"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"};
  private static final String[] META_NAMES = {"promptTokenCount", "toolUsePromptTokenCount",
      "cachedContentTokenCount", "thoughtsTokenCount", "candidatesTokenCount", "promptTokensDetails",
      "cacheTokensDetails", "candidatesTokensDetails"};
  private static final int[] META_SLOTS = {META_PROMPT, META_TOOL_PROMPT, META_CACHED, META_THOUGHTS,
      META_CANDIDATES, META_PROMPT_DETAILS, META_CACHE_DETAILS, META_CANDIDATES_DETAILS};
  private static final int[] PROMPT_DETAILS_SLOTS = {PROMPT_CACHED, PROMPT_AUDIO};
  private static final int[] COMPLETION_DETAILS_SLOTS = {COMPLETION_REASONING, COMPLETION_AUDIO};
  private static final byte[] MODALITY = "modality".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOKEN_COUNT = "tokenCount".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] AUDIO = UsageJson.AUDIO.getBytes(StandardCharsets.US_ASCII);
  private static final int[] INPUT_CACHED_SLOT = {INPUT_CACHED};
  private static final int[] COMPLETION_REASONING_SLOT = {COMPLETION_REASONING};
  private static final int[] OUTPUT_REASONING_SLOT = {OUTPUT_REASONING};
  private static final int[] CACHE_CREATION_SLOTS = {EPHEMERAL_5M, EPHEMERAL_1H};
  /** Returned by a step that met something this reader does not read exactly. */
  private static final int GIVE_UP = -1;

  /**
   * One reader per thread, reused: its counts array alone was half of what reading an answer
   * allocated. {@link #read} does not call out, so a thread never needs two at once.
   */
  private static final ThreadLocal<UsageBytes> READERS = ThreadLocal.withInitial(UsageBytes::new);

  private byte[] b;
  private int end;
  private final long[] values = new long[NUMBERS];
  /** Slots named so far, and those of them whose value was an object. */
  private long seen;
  private long objects;
  private int modelFrom = -1;
  private int modelTo;
  private int versionFrom = -1;
  private int versionTo;
  private int tierFrom = -1;
  private int tierTo;

  private UsageBytes() {}

  /**
   * The usage in the JSON object {@code b[from, to)}, as {@link UsageJson#fromResponse} would read
   * it from its tree; {@code null} when it reports none or when only a parser can tell.
   */
  public static Usage read(byte[] b, int from, int to, String fallbackModel) {
    UsageBytes r = READERS.get();
    r.b = b;
    r.end = to;
    try {
      int i = r.space(from);
      if (i >= to || b[i] != '{' || r.members(i, ROOT_NAMES, ROOT_SLOTS) == GIVE_UP) {
        return null;
      }
      return r.usage(fallbackModel);
    } finally {
      r.clear();
    }
  }

  /** Forgets the answer: its bytes are the caller's, and the next read starts from nothing. */
  private void clear() {
    b = null;
    java.util.Arrays.fill(values, 0);
    seen = 0;
    objects = 0;
    modelFrom = -1;
    versionFrom = -1;
    tierFrom = -1;
  }

  private Usage usage(String fallbackModel) {
    String model = text(modelFrom, modelTo, fallbackModel);
    if (model == null) {
      model = text(versionFrom, versionTo, fallbackModel);
    }
    if (model == null) {
      model = fallbackModel;
    }
    if (model == null) {
      model = "unknown";
    }
    if (isObject(USAGE)) {
      if (has(PROMPT)) {
        return UsageJson.openAi(model, values[PROMPT], values[PROMPT_CACHED], values[COMPLETION],
            values[COMPLETION_REASONING], serviceTier(), values[PROMPT_AUDIO], values[COMPLETION_AUDIO]);
      }
      if (has(INPUT) || has(OUTPUT)) {
        if (has(INPUT_DETAILS) || has(OUTPUT_DETAILS) || has(TOTAL)) {
          return UsageJson.openAi(model, values[INPUT], values[INPUT_CACHED], values[OUTPUT],
              values[OUTPUT_REASONING], serviceTier());
        }
        boolean split = isObject(CACHE_CREATION) && (has(EPHEMERAL_5M) || has(EPHEMERAL_1H));
        return new Usage(model, values[INPUT], values[OUTPUT], values[CACHE_READ_INPUT],
            split ? values[EPHEMERAL_5M] : values[CACHE_CREATION_INPUT], split ? values[EPHEMERAL_1H] : 0, 0, false);
      }
      if (has(INPUT_CAMEL) || has(OUTPUT_CAMEL)) {
        return new Usage(model, values[INPUT_CAMEL], values[OUTPUT_CAMEL], values[CACHE_READ_CAMEL],
            values[CACHE_WRITE_CAMEL], 0, 0, false);
      }
    }
    if (isObject(USAGE_METADATA)) {
      return UsageJson.gemini(model, values[META_PROMPT], values[META_TOOL_PROMPT], values[META_CACHED],
          values[META_THOUGHTS], values[META_CANDIDATES], values[META_PROMPT_AUDIO], values[META_CACHED_AUDIO],
          values[META_CANDIDATES_AUDIO]);
    }
    if (has(PROMPT_EVAL) || has(EVAL)) {
      return Usage.of(model, values[PROMPT_EVAL], values[EVAL]);
    }
    return null;
  }

  /** The answer's {@code service_tier}: one of {@link UsageJson}'s tier constants itself (no copy), else a copy, else null. */
  private String serviceTier() {
    if (tierFrom < 0) {
      return null;
    }
    String tier = UsageJson.serviceTier(b, tierFrom, tierTo);
    return tier != null ? tier : text(tierFrom, tierTo, null);
  }

  private boolean has(int slot) {
    return (seen & (1L << slot)) != 0;
  }

  private boolean isObject(int slot) {
    return (objects & (1L << slot)) != 0;
  }

  /**
   * A non-blank string value as {@code UsageJson.text} takes it, else {@code null}; {@code same}
   * itself when the value spells it (the answer names the model the call asked for), not a copy.
   */
  private String text(int from, int to, String same) {
    if (from < 0) {
      return null;
    }
    if (same != null && same.length() == to - from) {
      int k = 0;
      while (k < to - from && b[from + k] == same.charAt(k)) {
        k++;
      }
      if (k == to - from && !same.isBlank()) {
        return same;
      }
    }
    String s = new String(b, from, to - from, StandardCharsets.ISO_8859_1); // ASCII only, checked
    return s.isBlank() ? null : s;
  }

  /**
   * Reads the members of the object that opens at {@code i}: those in {@code names} into their
   * {@code slots}, the rest skipped. Returns the index after its closing brace, or {@link #GIVE_UP}.
   */
  private int members(int i, String[] names, int[] slots) {
    i = space(i + 1);
    if (i < end && b[i] == '}') {
      return i + 1;
    }
    while (i < end) {
      if (b[i] != '"') {
        return GIVE_UP;
      }
      int nameFrom = i + 1;
      int nameTo = plainString(nameFrom);
      if (nameTo == GIVE_UP) {
        return GIVE_UP;
      }
      i = space(nameTo + 1);
      if (i >= end || b[i] != ':') {
        return GIVE_UP;
      }
      i = space(i + 1);
      if (i >= end) {
        return GIVE_UP;
      }
      int slot = slotOf(nameFrom, nameTo, names, slots);
      i = slot < 0 ? skip(i) : value(i, slot);
      if (i == GIVE_UP) {
        return GIVE_UP;
      }
      i = space(i);
      if (i >= end) {
        return GIVE_UP;
      }
      if (b[i] == '}') {
        return i + 1;
      }
      if (b[i] != ',') {
        return GIVE_UP;
      }
      i = space(i + 1);
    }
    return GIVE_UP;
  }

  /** Reads the value at {@code i} into {@code slot}; returns the index after it. */
  private int value(int i, int slot) {
    long bit = 1L << slot;
    if ((seen & bit) != 0) {
      return GIVE_UP; // a tree keeps the last of two; simpler to let the parser say
    }
    seen |= bit;
    byte c = b[i];
    if (slot < NUMBERS) {
      return c == '-' || (c >= '0' && c <= '9') ? number(i, slot) : skip(i);
    }
    if (slot == MODEL || slot == MODEL_VERSION || slot == SERVICE_TIER) {
      if (c != '"') {
        return skip(i);
      }
      int to = plainString(i + 1);
      if (to == GIVE_UP) {
        return GIVE_UP;
      }
      for (int k = i + 1; k < to; k++) {
        if (b[k] < 0x20) {
          return GIVE_UP; // not ASCII text (negative bytes), or a control character JSON forbids
        }
      }
      if (slot == MODEL) {
        modelFrom = i + 1;
        modelTo = to;
      } else if (slot == SERVICE_TIER) {
        if (to - i - 1 <= MAX_TIER_LENGTH) {
          tierFrom = i + 1;
          tierTo = to;
        }
      } else {
        versionFrom = i + 1;
        versionTo = to;
      }
      return to + 1;
    }
    if (slot >= META_PROMPT_DETAILS) {
      return c == '[' ? modalities(i, slot - META_PROMPT_DETAILS + META_PROMPT_AUDIO) : skip(i);
    }
    if (c != '{') {
      return skip(i);
    }
    objects |= bit;
    switch (slot) {
      case USAGE:
        return members(i, USAGE_NAMES, USAGE_SLOTS);
      case USAGE_METADATA:
        return members(i, META_NAMES, META_SLOTS);
      case PROMPT_DETAILS:
        return members(i, PROMPT_DETAILS_NAMES, PROMPT_DETAILS_SLOTS);
      case INPUT_DETAILS:
        return members(i, CACHED_NAMES, INPUT_CACHED_SLOT);
      case COMPLETION_DETAILS:
        return members(i, COMPLETION_DETAILS_NAMES, COMPLETION_DETAILS_SLOTS);
      case OUTPUT_DETAILS:
        return members(i, REASONING_NAMES, OUTPUT_REASONING_SLOT);
      case CACHE_CREATION:
        return members(i, CACHE_CREATION_NAMES, CACHE_CREATION_SLOTS);
      default:
        return skip(i);
    }
  }

  /**
   * Reads Gemini's list of {@code ModalityTokenCount}s that opens at {@code i}, adding the
   * {@code tokenCount} of its {@code AUDIO} entries into {@code slot}, as {@link UsageJson#audio} sums
   * them. Returns the index after the closing bracket, or {@link #GIVE_UP}.
   */
  private int modalities(int i, int slot) {
    i = space(i + 1);
    if (i < end && b[i] == ']') {
      return i + 1;
    }
    while (i < end) {
      i = b[i] == '{' ? modality(i, slot) : skip(i);
      if (i == GIVE_UP) {
        return GIVE_UP;
      }
      i = space(i);
      if (i >= end) {
        return GIVE_UP;
      }
      if (b[i] == ']') {
        return i + 1;
      }
      if (b[i] != ',') {
        return GIVE_UP;
      }
      i = space(i + 1);
    }
    return GIVE_UP;
  }

  /** One {@code {"modality": ..., "tokenCount": ...}} at {@code i}: its count is added to {@code slot} if it is audio. */
  private int modality(int i, int slot) {
    boolean audio = false;
    boolean namedModality = false;
    boolean namedCount = false;
    long count = 0;
    i = space(i + 1);
    if (i < end && b[i] == '}') {
      return i + 1;
    }
    while (i < end) {
      if (b[i] != '"') {
        return GIVE_UP;
      }
      int nameFrom = i + 1;
      int nameTo = plainString(nameFrom);
      if (nameTo == GIVE_UP) {
        return GIVE_UP;
      }
      i = space(nameTo + 1);
      if (i >= end || b[i] != ':') {
        return GIVE_UP;
      }
      i = space(i + 1);
      if (i >= end) {
        return GIVE_UP;
      }
      byte c = b[i];
      if (spells(nameFrom, nameTo, MODALITY)) {
        if (namedModality) {
          return GIVE_UP; // a tree keeps the last of two
        }
        namedModality = true;
        if (c == '"') {
          int to = plainString(i + 1);
          if (to == GIVE_UP) {
            return GIVE_UP;
          }
          audio = spells(i + 1, to, AUDIO);
          i = to + 1;
        } else {
          i = skip(i);
        }
      } else if (spells(nameFrom, nameTo, TOKEN_COUNT)) {
        if (namedCount) {
          return GIVE_UP;
        }
        namedCount = true;
        if (c == '-' || (c >= '0' && c <= '9')) {
          i = number(i, SCRATCH);
          count = values[SCRATCH];
        } else {
          i = skip(i);
        }
      } else {
        i = skip(i);
      }
      if (i == GIVE_UP) {
        return GIVE_UP;
      }
      i = space(i);
      if (i >= end) {
        return GIVE_UP;
      }
      if (b[i] == '}') {
        if (audio) {
          values[slot] += count;
        }
        return i + 1;
      }
      if (b[i] != ',') {
        return GIVE_UP;
      }
      i = space(i + 1);
    }
    return GIVE_UP;
  }

  /** Whether {@code b[from, to)} is exactly {@code word}. */
  private boolean spells(int from, int to, byte[] word) {
    if (to - from != word.length) {
      return false;
    }
    for (int k = 0; k < word.length; k++) {
      if (b[from + k] != word[k]) {
        return false;
      }
    }
    return true;
  }

  /** A plain integer (what {@code asLong} reads exactly), floored at zero; anything else gives up. */
  private int number(int i, int slot) {
    boolean negative = b[i] == '-';
    int k = negative ? i + 1 : i;
    int first = k;
    long v = 0;
    while (k < end && b[k] >= '0' && b[k] <= '9') {
      v = v * 10 + (b[k] - '0');
      k++;
    }
    int digits = k - first;
    if (digits == 0 || digits > 18 || (digits > 1 && b[first] == '0')) {
      return GIVE_UP;
    }
    if (k < end && (b[k] == '.' || b[k] == 'e' || b[k] == 'E')) {
      return GIVE_UP; // a float: Jackson's BigDecimal, truncated; rare enough for the parser
    }
    values[slot] = negative ? 0 : v;
    return k;
  }

  /** The slot of the name in {@code b[from, to)}, or -1 when it is not one of {@code names}. */
  private int slotOf(int from, int to, String[] names, int[] slots) {
    int n = to - from;
    for (int s = 0; s < names.length; s++) {
      String name = names[s];
      if (name.length() != n) {
        continue;
      }
      int k = 0;
      while (k < n && b[from + k] == name.charAt(k)) {
        k++;
      }
      if (k == n) {
        return slots[s];
      }
    }
    return -1;
  }

  /** The index of the closing quote of a string that starts at {@code i} and has no escape, or {@link #GIVE_UP}. */
  private int plainString(int i) {
    for (int k = i; k < end; k++) {
      byte c = b[k];
      if (c == '"') {
        return k;
      }
      if (c == '\\') {
        return GIVE_UP;
      }
    }
    return GIVE_UP;
  }

  /** The index after the value at {@code i}, which is not read: containers by depth, strings by their escapes. */
  private int skip(int i) {
    byte c = b[i];
    if (c == '"') {
      int k = stringEnd(i + 1);
      return k == GIVE_UP ? GIVE_UP : k + 1;
    }
    if (c != '{' && c != '[') {
      int k = i;
      while (k < end && !isDelimiter(b[k])) {
        k++;
      }
      return k == i ? GIVE_UP : k;
    }
    int depth = 0;
    for (int k = i; k < end; k++) {
      c = b[k];
      if (c == '"') {
        k = stringEnd(k + 1);
        if (k == GIVE_UP) {
          return GIVE_UP;
        }
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          return k + 1;
        }
      }
    }
    return GIVE_UP;
  }

  /** The index of the quote that closes a string whose text starts at {@code i}. */
  private int stringEnd(int i) {
    for (int k = i; k < end; k++) {
      byte c = b[k];
      if (c == '\\') {
        k++;
      } else if (c == '"') {
        return k;
      }
    }
    return GIVE_UP;
  }

  private static boolean isDelimiter(byte c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private int space(int i) {
    while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
      i++;
    }
    return i;
  }
}
