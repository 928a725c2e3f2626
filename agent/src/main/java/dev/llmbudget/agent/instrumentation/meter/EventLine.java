package dev.llmbudget.agent.instrumentation.meter;

import java.nio.charset.StandardCharsets;

/**
 * Reads one server-sent event's JSON in place, without a tree, for the events that carry no usage
 * (the text deltas, almost all of a stream): their answer text goes to the {@link StreamedText}
 * and a chat chunk's {@code model} is noted, as {@link ChunkReader} does from a tree. Events that
 * report usage are told apart in the same pass ({@link #readUnlessUsage}): read in place by core's
 * {@code UsageBytes} when they name no {@code type} ({@link #namesType}), else as a tree: one or
 * two a stream.
 */
final class EventLine {

  private static final int DELTA_TOP = 1;
  private static final int DELTA_BLOCK = 2;
  private static final int NESTED_TEXT = 4;

  private static final byte[] TYPE = ascii("type");
  private static final byte[] MODEL = ascii("model");
  private static final byte[] DELTA = ascii("delta");
  private static final byte[] CHOICES = ascii("choices");
  private static final byte[] CANDIDATES = ascii("candidates");
  private static final byte[] USAGE = ascii("usage");
  private static final byte[] USAGE_METADATA = ascii("usageMetadata");
  private static final byte[] EVAL_COUNT = ascii("eval_count");
  private static final byte[] PROMPT_EVAL_COUNT = ascii("prompt_eval_count");
  /** Typed events whose {@code delta} string is answer text (OpenAI Responses). */
  private static final byte[][] TEXT_DELTA_TYPES = {ascii("response.output_text.delta"),
      ascii("response.refusal.delta"), ascii("response.function_call_arguments.delta"),
      ascii("response.reasoning_summary_text.delta")};
  private static final byte[] CONTENT_BLOCK_DELTA = ascii("content_block_delta");
  /** Typed events that {@link ChunkReader} reads only for usage, which these lines do not have. */
  private static final byte[][] USAGE_TYPES = {ascii("response.completed"), ascii("response.incomplete"),
      ascii("response.failed"), ascii("message_start"), ascii("message_delta")};
  /** Anthropic's content_block_delta: text under {@code delta}. */
  private static final byte[][] BLOCK_FIELDS = {ascii("text"), ascii("partial_json"), ascii("thinking")};
  /** Chat and Gemini chunks, under choices or candidates: a delta's or message's text, a tool call's arguments, a part's text. */
  private static final byte[][] CHUNK_FIELDS = {ascii("content"), ascii("refusal"), ascii("arguments"), ascii("text")};

  private final StreamedText text;
  /** For the rare string decoded apart: a model name that changes, text past the kept cap. */
  private StringBuilder scratch;
  /** Per string value found: start, end (inside the quotes) and the kinds it may be. */
  private int[] spans = new int[24];
  private int spanCount;
  private boolean sawUsage;

  EventLine(StreamedText text) {
    this.text = text;
  }

  /**
   * {@code true} when the member whose name is {@code b[keyStart, keyEnd)} and whose value starts
   * at or after {@code value} reports usage: a {@code usage} or {@code usageMetadata} that is not
   * null (a chat chunk's {@code "usage":null} does not count), or one of Ollama's counts.
   */
  private static boolean reportsUsage(byte[] b, int keyStart, int keyEnd, int value, int to) {
    int n = keyEnd - keyStart;
    if (n == 5 || n == 13) {
      if (b[keyStart] != 'u' || !(equals(b, keyStart, keyEnd, USAGE) || equals(b, keyStart, keyEnd, USAGE_METADATA))) {
        return false;
      }
      int j = value;
      while (j < to && isSpace(b[j])) {
        j++;
      }
      return j < to && b[j] != 'n';
    }
    return (n == 10 && equals(b, keyStart, keyEnd, EVAL_COUNT))
        || (n == 17 && equals(b, keyStart, keyEnd, PROMPT_EVAL_COUNT));
  }

  /** Whether the last {@link #readUnlessUsage} stopped at a member that reports usage. */
  boolean sawUsage() {
    return sawUsage;
  }

  /**
   * {@code true} when {@code b[from, to)} has a member named {@code type} at any depth: such an
   * event may be a typed one (OpenAI Responses, Anthropic), which only a tree tells apart.
   */
  static boolean namesType(byte[] b, int from, int to) {
    for (int i = from; i + 6 < to; i++) {
      if (b[i] == '"' && b[i + 1] == 't' && b[i + 2] == 'y' && b[i + 3] == 'p' && b[i + 4] == 'e'
          && b[i + 5] == '"') {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads the text of the event in {@code b[from, to)}; returns the model a chat chunk names when
   * it differs from {@code model}, else {@code model}.
   */
  String read(byte[] b, int from, int to, String model) {
    return read(b, from, to, model, false);
  }

  /**
   * As {@link #read}, in the same pass that looks for usage: an event that reports it (see {@link
   * #sawUsage}) is left unread, its text not taken and {@code model} returned, for the caller to
   * read its usage first. One pass over the bytes of each of a stream's text deltas, not two.
   */
  String readUnlessUsage(byte[] b, int from, int to, String model) {
    return read(b, from, to, model, true);
  }

  private String read(byte[] b, int from, int to, String model, boolean stopAtUsage) {
    sawUsage = false;
    spanCount = 0;
    int typeStart = -1;
    int typeEnd = -1;
    int modelStart = -1;
    int modelEnd = -1;
    int depth = 0;
    int keyStart = -1;
    int keyEnd = -1;
    boolean underDelta = false; // inside the value of the top-level "delta"
    boolean underChoices = false; // inside the value of the top-level "choices" or "candidates"
    boolean expectValue = false;
    int i = from;
    while (i < to) {
      byte c = b[i];
      if (c == '"') {
        int start = i + 1;
        int end = stringEnd(b, start, to);
        if (end < 0) {
          return model;
        }
        i = end + 1;
        if (expectValue) {
          expectValue = false;
          if (depth == 1) {
            if (equals(b, keyStart, keyEnd, TYPE)) {
              typeStart = start;
              typeEnd = end;
            } else if (equals(b, keyStart, keyEnd, MODEL)) {
              modelStart = start;
              modelEnd = end;
            } else if (equals(b, keyStart, keyEnd, DELTA)) {
              span(start, end, DELTA_TOP);
            }
          } else {
            int kinds = (underDelta && depth == 2 && any(b, keyStart, keyEnd, BLOCK_FIELDS) ? DELTA_BLOCK : 0)
                | (underChoices && any(b, keyStart, keyEnd, CHUNK_FIELDS) ? NESTED_TEXT : 0);
            if (kinds != 0) {
              span(start, end, kinds);
            }
          }
        } else {
          keyStart = start;
          keyEnd = end;
          while (i < to && isSpace(b[i])) {
            i++;
          }
          if (i < to && b[i] == ':') {
            i++;
            expectValue = true;
            if (stopAtUsage && reportsUsage(b, keyStart, keyEnd, i, to)) {
              sawUsage = true;
              return model;
            }
            if (depth == 1) {
              underDelta = equals(b, keyStart, keyEnd, DELTA);
              underChoices = equals(b, keyStart, keyEnd, CHOICES) || equals(b, keyStart, keyEnd, CANDIDATES);
            }
          }
        }
        continue;
      }
      if (c == '{' || c == '[') {
        depth++;
        expectValue = false;
      } else if (c == '}' || c == ']') {
        depth--;
        if (depth == 1) {
          underDelta = underChoices = false;
        }
      } else if (c == ',') {
        expectValue = false;
      } else if (!isSpace(c)) {
        expectValue = false; // a number, true, false or null
      }
      i++;
    }
    int want = NESTED_TEXT;
    if (typeStart >= 0) {
      if (any(b, typeStart, typeEnd, TEXT_DELTA_TYPES)) {
        want = DELTA_TOP;
      } else if (equals(b, typeStart, typeEnd, CONTENT_BLOCK_DELTA)) {
        want = DELTA_BLOCK;
      } else if (any(b, typeStart, typeEnd, USAGE_TYPES)) {
        want = 0;
      }
    }
    for (int s = 0; s < spanCount; s++) {
      if ((spans[s * 3 + 2] & want) != 0) {
        text.appendJson(b, spans[s * 3], spans[s * 3 + 1], this);
      }
    }
    if (want == NESTED_TEXT && modelStart >= 0 && !sameText(b, modelStart, modelEnd, model)) {
      StringBuilder named = scratch();
      decode(b, modelStart, modelEnd, named);
      return named.toString();
    }
    return model;
  }

  /** An empty builder, made at first use. */
  StringBuilder scratch() {
    if (scratch == null) {
      scratch = new StringBuilder();
    }
    scratch.setLength(0);
    return scratch;
  }

  private void span(int start, int end, int kinds) {
    if (spanCount * 3 + 3 > spans.length) {
      spans = java.util.Arrays.copyOf(spans, spans.length * 2);
    }
    spans[spanCount * 3] = start;
    spans[spanCount * 3 + 1] = end;
    spans[spanCount * 3 + 2] = kinds;
    spanCount++;
  }

  /** The index of the quote that ends the string starting at {@code start}, or -1. */
  private static int stringEnd(byte[] b, int start, int to) {
    for (int i = start; i < to; i++) {
      if (b[i] == '\\') {
        i++;
      } else if (b[i] == '"') {
        return i;
      }
    }
    return -1;
  }

  /** Appends the JSON string contents {@code b[from, to)} (UTF-8, escapes) to {@code out} as chars. */
  static void decode(byte[] b, int from, int to, StringBuilder out) {
    int i = from;
    while (i < to) {
      int c = b[i] & 0xff;
      if (c == '\\' && i + 1 < to) {
        byte e = b[i + 1];
        i += 2;
        switch (e) {
          case 'n':
            out.append('\n');
            break;
          case 't':
            out.append('\t');
            break;
          case 'r':
            out.append('\r');
            break;
          case 'b':
            out.append('\b');
            break;
          case 'f':
            out.append('\f');
            break;
          case 'u':
            if (i + 4 <= to) {
              int v = 0;
              for (int k = 0; k < 4; k++) {
                int d = Character.digit(b[i + k], 16);
                v = d < 0 ? -1 : v < 0 ? -1 : v << 4 | d;
              }
              out.append(v < 0 ? '\uFFFD' : (char) v);
              i += 4;
            }
            break;
          default:
            out.append((char) e);
            break;
        }
      } else if (c < 0x80) {
        out.append((char) c);
        i++;
      } else {
        int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (n == 1 || i + n > to) {
          out.append('\uFFFD');
          i++;
          continue;
        }
        int cp = c & (0xFF >> (n + 1));
        for (int k = 1; k < n; k++) {
          cp = cp << 6 | (b[i + k] & 0x3F);
        }
        out.appendCodePoint(Character.isValidCodePoint(cp) ? cp : 0xFFFD);
        i += n;
      }
    }
  }

  private static boolean sameText(byte[] b, int from, int to, String s) {
    if (s == null || s.length() != to - from) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (b[i] != s.charAt(i - from)) {
        return false;
      }
    }
    return true;
  }

  private static boolean any(byte[] b, int from, int to, byte[][] names) {
    for (byte[] name : names) {
      if (equals(b, from, to, name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean equals(byte[] b, int from, int to, byte[] name) {
    if (to - from != name.length) {
      return false;
    }
    for (int i = 0; i < name.length; i++) {
      if (b[from + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] b, int at, int to, String s) {
    if (at + s.length() > to) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
