package dev.llmbudget.agent.instrumentation.stainless;

import java.nio.charset.StandardCharsets;

/**
 * Asks an OpenAI stream for its usage chunk when the app did not. Without {@code
 * stream_options.include_usage} OpenAI reports no usage in a stream, so a reasoning model's hidden
 * reasoning tokens (often several times the visible text) could only be missed by an estimate. The
 * option is spliced into the bytes the SDK serialized, where {@link RequestScan} found it missing;
 * no other byte changes.
 */
final class StreamUsage {

  private static final byte[] MEMBER = ascii("\"stream_options\":{\"include_usage\":true},");
  private static final byte[] OBJECT = ascii("{\"include_usage\":true}");
  private static final byte[] FIELD = ascii("\"include_usage\":true");
  private static final byte[] TRUE = ascii("true");

  private StreamUsage() {}

  /**
   * {@code body} with {@code stream_options.include_usage} set to {@code true}, or {@code null} when
   * it needs none (not a streamed chat or completions request, or the app asked already) or the
   * agent is not sure how to write it (a {@code stream_options} that is neither an object nor null,
   * a member named twice): such a stream is estimated, as before.
   */
  static byte[] asked(Endpoint endpoint, RequestScan scan, byte[] body) {
    if (endpoint != Endpoint.CHAT_COMPLETIONS && endpoint != Endpoint.COMPLETIONS || !scan.stream
        || scan.includeUsage || scan.streamOptionsRepeated) {
      return null;
    }
    int at = scan.streamOptionsStart;
    if (at < 0) {
      // The root object holds "stream": true, so it is not empty: the member goes first, with a comma.
      int brace = 0;
      while (brace < body.length && body[brace] != '{') {
        brace++;
      }
      return brace == body.length ? null : splice(body, brace + 1, brace + 1, MEMBER);
    }
    if (body[at] == 'n') {
      return splice(body, at, scan.streamOptionsEnd, OBJECT); // "stream_options": null
    }
    if (body[at] != '{') {
      return null;
    }
    if (scan.includeUsageStart >= 0) {
      return splice(body, scan.includeUsageStart, scan.includeUsageEnd, TRUE); // false, null, 0, ...
    }
    int next = at + 1;
    while (next < body.length && (body[next] == ' ' || body[next] == '\n' || body[next] == '\r' || body[next] == '\t')) {
      next++;
    }
    if (body[next] == '}') {
      return splice(body, at + 1, at + 1, FIELD);
    }
    byte[] field = new byte[FIELD.length + 1];
    System.arraycopy(FIELD, 0, field, 0, FIELD.length);
    field[FIELD.length] = ',';
    return splice(body, at + 1, at + 1, field);
  }

  private static byte[] splice(byte[] body, int from, int to, byte[] replacement) {
    byte[] out = new byte[body.length - (to - from) + replacement.length];
    System.arraycopy(body, 0, out, 0, from);
    System.arraycopy(replacement, 0, out, from, replacement.length);
    System.arraycopy(body, to, out, from + replacement.length, body.length - to);
    return out;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
