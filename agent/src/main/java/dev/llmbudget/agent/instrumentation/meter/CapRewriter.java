package dev.llmbudget.agent.instrumentation.meter;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes an output cap into a JSON request body and leaves every other byte as it was: the value of
 * the first cap field present is replaced in place, or, when none is, a field is inserted right
 * after the opening brace of the object that holds it. A field is a top-level name ({@code
 * max_tokens}) or one level down ({@code inferenceConfig.maxTokens}).
 */
public final class CapRewriter {

  private CapRewriter() {}

  /**
   * {@code json} with {@code cap} as the value of the first of {@code fields} it has, else with
   * {@code fields[0]} added.
   *
   * @throws IOException if {@code json} is not a JSON object
   */
  public static byte[] withCap(byte[] json, long cap, String... fields) throws IOException {
    for (String field : fields) {
      long[] span = find(json, field);
      if (span != null && span[2] == 1) {
        return splice(json, (int) span[0], (int) span[1], Long.toString(cap));
      }
    }
    String field = fields[0];
    int dot = field.indexOf('.');
    if (dot < 0) {
      return insert(json, openingBrace(json, null), "\"" + field + "\":" + cap);
    }
    String parent = field.substring(0, dot);
    String child = field.substring(dot + 1);
    long[] parentSpan = find(json, parent);
    if (parentSpan != null && json[(int) parentSpan[0]] == '{') {
      return insert(json, (int) parentSpan[0], "\"" + child + "\":" + cap);
    }
    if (parentSpan != null) {
      // e.g. "inferenceConfig": null; replace the value with an object holding the cap
      return splice(json, (int) parentSpan[0], (int) parentSpan[1], "{\"" + child + "\":" + cap + "}");
    }
    return insert(json, openingBrace(json, null), "\"" + parent + "\":{\"" + child + "\":" + cap + "}");
  }

  /** The integer value at {@code field}, or -1 when it is absent or not an integer. */
  public static long valueOf(byte[] json, String field) throws IOException {
    long[] span = find(json, field);
    if (span == null || span[2] != 1) {
      return -1;
    }
    return Long.parseLong(new String(json, (int) span[0], (int) (span[1] - span[0]), StandardCharsets.US_ASCII).trim());
  }

  /** {@code {start, end, isInteger}} of {@code field}'s value (byte offsets), or {@code null}. */
  private static long[] find(byte[] json, String field) throws IOException {
    int dot = field.indexOf('.');
    String first = dot < 0 ? field : field.substring(0, dot);
    String second = dot < 0 ? null : field.substring(dot + 1);
    try (JsonParser p = SdkJson.MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a request body that is not a JSON object");
      }
      int depth = 1;
      boolean inParent = false;
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          boolean match = depth == 1 && second == null && name.equals(first)
              || depth == 2 && inParent && second != null && name.equals(second);
          JsonToken value = p.nextToken();
          if (match) {
            long start = p.currentTokenLocation().getByteOffset();
            if (value.isStructStart()) {
              p.skipChildren();
            }
            long end = p.currentLocation().getByteOffset();
            return new long[] {start, end, value == JsonToken.VALUE_NUMBER_INT ? 1 : 0};
          }
          if (value.isStructStart()) {
            if (depth == 1 && second != null && name.equals(first) && value == JsonToken.START_OBJECT) {
              inParent = true;
              depth++;
            } else {
              p.skipChildren();
            }
          }
        } else if (t.isStructEnd()) {
          depth--;
          inParent = false;
          if (depth == 0) {
            return null;
          }
        }
      }
      return null;
    }
  }

  private static int openingBrace(byte[] json, Object unused) throws IOException {
    for (int i = 0; i < json.length; i++) {
      if (json[i] == '{') {
        return i;
      }
      if (!Character.isWhitespace(json[i]) && (json[i] & 0xff) != 0xEF && (json[i] & 0xff) != 0xBB
          && (json[i] & 0xff) != 0xBF) {
        break;
      }
    }
    throw new IOException("a request body that is not a JSON object");
  }

  /** {@code field} inserted after the brace at {@code brace}, with a comma unless the object is empty. */
  private static byte[] insert(byte[] json, int brace, String field) {
    int next = brace + 1;
    while (next < json.length && Character.isWhitespace(json[next])) {
      next++;
    }
    boolean empty = next < json.length && json[next] == '}';
    return splice(json, brace + 1, brace + 1, empty ? field : field + ",");
  }

  private static byte[] splice(byte[] json, int from, int to, String replacement) {
    byte[] r = replacement.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[json.length - (to - from) + r.length];
    System.arraycopy(json, 0, out, 0, from);
    System.arraycopy(r, 0, out, from, r.length);
    System.arraycopy(json, to, out, from + r.length, json.length - to);
    return out;
  }
}
