package dev.llmbudget.internal;

import java.util.Locale;

/**
 * The most input tokens a provider can bill for one image in a request, by model family, as the
 * providers document it (sources in docs/hard-caps.md, "Images"). A bound, not an estimate: the
 * request's bytes do not tell an image's size, so each image is taken at the largest size and detail
 * the provider bills, unless the request asks for {@code detail: low} where the provider documents a
 * fixed low-detail cost. A few string checks, run only for a request that has images.
 */
final class ImageTokens {

  /**
   * {@code llmbudget.image_tokens}'s default: above the high-detail bound of every placed family but
   * gpt-4o-mini's and Claude Opus 4.7's.
   */
  static final long DEFAULT = 4096;

  // OpenAI tile models: 85 base + 170 per 512 px tile; after scaling to fit 2048 x 2048 and then a
  // shortest side of 768, an image covers at most 4 x 2 tiles (2048 x 768).
  private static final int MAX_TILES = 8;
  static final long TILE_HIGH = 85 + 170 * MAX_TILES;
  static final long TILE_LOW = 85;
  // gpt-4o-mini bills the same dollars as gpt-4o through larger counts: 2,833 base + 5,667 per tile.
  static final long MINI_4O_HIGH = 2833 + 5667L * MAX_TILES;
  static final long MINI_4O_LOW = 2833;
  // OpenAI patch models: 32 px patches, at most 1,536 an image, times the model's multiplier, rounded up.
  static final long PATCH_MINI = ceil(1536 * 162, 100); // gpt-4.1-mini, gpt-5-mini: 1.62
  static final long PATCH_NANO = ceil(1536 * 246, 100); // gpt-4.1-nano, gpt-5-nano: 2.46
  static final long PATCH_O4_MINI = ceil(1536 * 172, 100); // o4-mini: 1.72
  /** gpt-5.2 and later: 32 px patches, at most 1,536 an image, times 1.2: 1,844. */
  static final long PATCH_GPT_5_2 = ceil(1536 * 120, 100);
  private static final long PATCH_PERCENT = 120;
  /** OpenAI's {@code detail: original}: up to 10,000 patches an image (times the model's multiplier). */
  static final long ORIGINAL_PATCHES = 10_000;
  /**
   * Anthropic, Claude 4.6 and before: about width x height / 750 after a resize to a long edge of
   * 1,568 px and about 1.15 megapixels; the largest size its table keeps, 784 x 1,568, is 1,639
   * tokens (and a measured count reaches 1,661), so "near 1,600" is not a bound.
   */
  static final long CLAUDE = 1700;
  /**
   * Claude Opus 4.7 and later read images up to 2,576 px on the long edge, about 3.75 megapixels:
   * 3.75e6 / 750 = 5,000. A Claude name this table cannot date takes this figure, not the smaller.
   */
  static final long CLAUDE_HIGH_RES = 5000;
  /** Gemini 3: 1,120 tokens an image at the default (high) media resolution, 2,240 at ultra high. */
  static final long GEMINI_3 = 2240;
  /**
   * Mistral's Pixtral: 16 px patches of an image of at most 1,024 x 1,024, a token each, plus a break
   * token after each of the 64 rows (the last one an end token): 4,160, above the unplaced default.
   */
  static final long PIXTRAL = 64 * 64 + 64;

  private ImageTokens() {}

  /**
   * The tokens {@code images} images can cost on {@code model} (the price table's name of it), of
   * which {@code lowDetail} asked for {@code detail: low}; {@code unplaced} per image for a family
   * this table cannot place (Gemini before 3 tiles an image by its size, with no documented cap).
   */
  static long bound(String model, int images, int lowDetail, long unplaced) {
    return bound(model, images, lowDetail, 0, unplaced);
  }

  /**
   * As {@link #bound(String, int, int, long)}, with {@code originalDetail} of the images asking for
   * OpenAI's {@code detail: original} (up to 10,000 patches an image instead of 1,536).
   */
  static long bound(String model, int images, int lowDetail, int originalDetail, long unplaced) {
    if (images <= 0) {
      return 0;
    }
    int original = Math.max(0, Math.min(originalDetail, images));
    int low = Math.max(0, Math.min(lowDetail, images - original));
    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
    long high = perImage(m, HIGH, unplaced);
    long lowEach = low == 0 ? high : perImage(m, LOW, unplaced);
    long originalEach = original == 0 ? high : perImage(m, ORIGINAL, unplaced);
    return saturatedSum(saturatedSum(high, images - low - original, lowEach, low), 1, originalEach, original);
  }

  /** The detail an image asks for: {@code high} or {@code auto} (or none), {@code low}, {@code original}. */
  static final int HIGH = 0;
  static final int LOW = 1;
  static final int ORIGINAL = 2;

  /** The bound of one image on the lowercased model name {@code m}, with or without {@code detail: low}. */
  static long perImage(String m, boolean lowDetail, long unplaced) {
    return perImage(m, lowDetail ? LOW : HIGH, unplaced);
  }

  /** The bound of one image on the lowercased model name {@code m} at {@code detail} ({@link #HIGH}, ...). */
  static long perImage(String m, int detail, long unplaced) {
    int claude = m.indexOf("claude");
    if (claude >= 0) {
      return isClaudeBefore47(m, claude + "claude".length()) ? CLAUDE : CLAUDE_HIGH_RES;
    }
    if (m.contains("gemini-3")) {
      return GEMINI_3;
    }
    if (m.contains("pixtral")) {
      return Math.max(PIXTRAL, unplaced);
    }
    // OpenAI's names, also under a provider prefix (azure/gpt-4o, openai/gpt-4.1-mini)
    String n = m.substring(m.lastIndexOf('/') + 1);
    if (n.startsWith("ft:")) {
      // a fine-tuned model bills images as its base model (ft:gpt-4o-mini-2024-07-18:org::id)
      n = n.substring(3);
    }
    boolean lowDetail = detail == LOW;
    long each;
    long multiplierPercent; // what detail: original's 10,000 patches cost, where a model accepts it
    if (n.startsWith("gpt-4o-mini")) {
      each = lowDetail ? MINI_4O_LOW : MINI_4O_HIGH;
      multiplierPercent = PATCH_PERCENT;
    } else if (n.startsWith("gpt-4.1") || n.startsWith("gpt-5")) {
      // the mini and nano models bill patches (no low-detail figure); gpt-5.2 and later bill patches
      // times 1.2 (no low-detail figure either); the others bill tiles
      if (n.contains("-nano")) {
        each = PATCH_NANO;
        multiplierPercent = 246;
      } else if (n.contains("-mini")) {
        each = PATCH_MINI;
        multiplierPercent = 162;
      } else if (isGpt5Point2OrLater(n)) {
        each = PATCH_GPT_5_2;
        multiplierPercent = PATCH_PERCENT;
      } else {
        each = lowDetail ? TILE_LOW : TILE_HIGH;
        multiplierPercent = PATCH_PERCENT;
      }
    } else if (n.startsWith("o4-mini")) {
      each = PATCH_O4_MINI;
      multiplierPercent = 172;
    } else if (n.startsWith("gpt-4") || n.startsWith("chatgpt-4o") || n.startsWith("o1") || n.startsWith("o3")
        || n.startsWith("computer-use")) {
      // gpt-4o, gpt-4-turbo, gpt-4.5 at 85 + 170 a tile; o1/o3 at 75 + 150, which this covers
      each = lowDetail ? TILE_LOW : TILE_HIGH;
      multiplierPercent = PATCH_PERCENT;
    } else {
      return unplaced;
    }
    // A model that does not take detail: original refuses the request, which then costs nothing and
    // frees its reservation; so the larger figure is safe wherever original is asked for.
    return detail == ORIGINAL ? Math.max(each, ceil(ORIGINAL_PATCHES * multiplierPercent, 100)) : each;
  }

  /** gpt-5.2, gpt-5.4, gpt-5.10-…: a point release from 5.2 on, which bills 32 px patches × 1.2. */
  static boolean isGpt5Point2OrLater(String n) {
    if (!n.startsWith("gpt-5.") || n.length() == "gpt-5.".length()) {
      return false;
    }
    int minor = 0;
    int i = "gpt-5.".length();
    int digits = 0;
    while (i < n.length() && Character.isDigit(n.charAt(i)) && digits < 4) {
      minor = minor * 10 + (n.charAt(i++) - '0');
      digits++;
    }
    return digits > 0 && minor >= 2;
  }

  /**
   * Whether the Claude name whose "claude" ends at {@code at} is of a generation that reads images
   * at most 1,568 px (Claude 2 and 3, and 4 up to 4.6), in the spellings of Anthropic
   * (claude-3-5-sonnet-20241022, claude-sonnet-4-5-20250929, claude-opus-4-1), LiteLLM
   * (claude-4-opus-20250514), Bedrock (us.anthropic.claude-sonnet-4-20250514-v1:0) and Vertex
   * (claude-opus-4@20250514). Anything else (a later or an unreadable version) is not.
   */
  static boolean isClaudeBefore47(String m, int at) {
    int i = at;
    if (m.startsWith("-instant", i)) {
      return true;
    }
    for (String family : new String[] {"-opus", "-sonnet", "-haiku"}) {
      if (m.startsWith(family, i)) {
        i += family.length();
        break;
      }
    }
    if (i >= m.length() || (m.charAt(i) != '-' && m.charAt(i) != '_') || i + 1 >= m.length()
        || !Character.isDigit(m.charAt(i + 1))) {
      return false;
    }
    i++;
    int major = 0;
    int digits = 0;
    while (i < m.length() && Character.isDigit(m.charAt(i)) && digits < 3) {
      major = major * 10 + (m.charAt(i++) - '0');
      digits++;
    }
    if (digits > 2 || major == 0) {
      return false; // a date (claude-20250101), not a version
    }
    if (major < 4) {
      return true;
    }
    if (major > 4) {
      return false;
    }
    // 4: a minor of one or two digits after a separator (4-5, 4.6, 4-10); a date (4-20250514) or a
    // family word (4-opus) after it is 4.0
    if (i + 1 < m.length() && (m.charAt(i) == '-' || m.charAt(i) == '.')) {
      int minor = 0;
      int run = 0;
      for (int j = i + 1; j < m.length() && Character.isDigit(m.charAt(j)) && run < 3; j++, run++) {
        minor = minor * 10 + (m.charAt(j) - '0');
      }
      if (run == 1 || run == 2) {
        return minor <= 6;
      }
    }
    return true;
  }

  private static long saturatedSum(long a, long times, long b, long bTimes) {
    try {
      return Math.addExact(Math.multiplyExact(a, times), Math.multiplyExact(b, bTimes));
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long ceil(long n, long d) {
    return (n + d - 1) / d;
  }
}
