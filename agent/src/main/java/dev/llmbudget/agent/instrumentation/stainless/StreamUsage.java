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
  private static final byte[] FIELD_AND_COMMA = ascii("\"include_usage\":true,");
  private static final byte[] TRUE = ascii("true");

  private StreamUsage() {}

  /**
   * Where {@code body} gets {@code stream_options.include_usage: true}: its bytes {@code [from, to)}
   * replaced by {@code bytes}. Kept apart from the body so that the body is written around it, not
   * copied.
   */
  static final class Splice {
    final int from;
    final int to;
    final byte[] bytes;

    Splice(int from, int to, byte[] bytes) {
      this.from = from;
      this.to = to;
      this.bytes = bytes;
    }

    /** {@code body} with the splice made, a new array. */
    byte[] applyTo(byte[] body) {
      byte[] out = new byte[body.length - (to - from) + bytes.length];
      System.arraycopy(body, 0, out, 0, from);
      System.arraycopy(bytes, 0, out, from, bytes.length);
      System.arraycopy(body, to, out, from + bytes.length, body.length - to);
      return out;
    }
  }

  /**
   * How {@code body} is made to ask for {@code stream_options.include_usage}, or {@code null} when
   * it needs not (not a streamed chat or completions request, or the app asked already) or the
   * agent is not sure how to write it (a {@code stream_options} that is neither an object nor null,
   * a member named twice): such a stream is estimated, as before.
   */
  static Splice asked(Endpoint endpoint, RequestScan scan, byte[] body) {
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
      return brace == body.length ? null : new Splice(brace + 1, brace + 1, MEMBER);
    }
    if (body[at] == 'n') {
      return new Splice(at, scan.streamOptionsEnd, OBJECT); // "stream_options": null
    }
    if (body[at] != '{') {
      return null;
    }
    if (scan.includeUsageStart >= 0) {
      return new Splice(scan.includeUsageStart, scan.includeUsageEnd, TRUE); // false, null, 0, ...
    }
    int next = at + 1;
    while (next < body.length && (body[next] == ' ' || body[next] == '\n' || body[next] == '\r' || body[next] == '\t')) {
      next++;
    }
    return new Splice(at + 1, at + 1, body[next] == '}' ? FIELD : FIELD_AND_COMMA);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
