package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.tokens.TokenCounter;

/**
 * The text an answer streamed, kept only for an estimate when no usage is reported: the first
 * {@link #KEPT_CHARS} chars are kept, the rest only counted, so a huge answer costs a bounded
 * amount of memory. Thread-safe, since a stream's chunks may come from several threads.
 */
public final class StreamedText {

  /** Chars kept for the tokenizer; 1 Mi chars is at most 2 MB of heap. */
  static final int KEPT_CHARS = 1 << 20;
  /**
   * Chars per token charged for text that was not kept. English runs at about 4 chars per token, so
   * 3 leans towards over-charging, which an estimate should; the kept text's own rate wins when it is
   * denser (e.g. CJK text, about one token per char).
   */
  static final int CHARS_PER_UNKEPT_TOKEN = 3;

  /** Room made at the first text: a short answer's, since a stream with usage never reads it. */
  private static final int INITIAL_CHARS = 64;

  private final int keep;
  private StringBuilder kept;
  private long unkept;

  public StreamedText() {
    this(KEPT_CHARS);
  }

  StreamedText(int keep) {
    this.keep = keep;
  }

  /** Adds {@code text}; null and empty add nothing. */
  public synchronized void append(CharSequence text) {
    if (text == null || text.length() == 0) {
      return;
    }
    int have = kept == null ? 0 : kept.length();
    int room = keep - have;
    int n = text.length();
    if (room > 0) {
      if (kept == null) {
        kept = new StringBuilder(Math.min(keep, Math.max(INITIAL_CHARS, n)));
      }
      int take = Math.min(room, n);
      kept.append(text, 0, take);
      n -= take;
    }
    unkept += n;
  }

  /**
   * Adds the contents of the JSON string {@code b[from, to)} (UTF-8 with escapes), decoded straight
   * into the kept text when it fits, which it does but at the very end of a huge answer.
   */
  synchronized void appendJson(byte[] b, int from, int to, EventLine scratch) {
    if (to <= from) {
      return;
    }
    int have = kept == null ? 0 : kept.length();
    // A JSON string has no more chars than bytes; a longer one near the cap goes the long way.
    if (to - from <= keep - have) {
      if (kept == null) {
        kept = new StringBuilder(Math.min(keep, Math.max(INITIAL_CHARS, to - from)));
      }
      EventLine.decode(b, from, to, kept);
    } else {
      StringBuilder decoded = scratch.scratch();
      EventLine.decode(b, from, to, decoded);
      append(decoded);
    }
  }

  /** Chars that came but were not kept, e.g. a JSON body's string contents dropped by a bounded reader. */
  public synchronized void addUnkept(long chars) {
    if (chars > 0) {
      unkept += chars;
    }
  }

  /** {@code true} when nothing came. */
  public synchronized boolean isEmpty() {
    return unkept == 0 && (kept == null || kept.length() == 0);
  }

  /**
   * The tokens of everything that came: the kept text counted by {@code counter}, the rest at the
   * kept text's rate or one token per {@link #CHARS_PER_UNKEPT_TOKEN} chars, whichever is more.
   */
  public synchronized long tokens(TokenCounter counter) {
    int keptChars = kept == null ? 0 : kept.length();
    long counted = keptChars == 0 ? 0 : counter.count(kept.toString());
    if (unkept == 0) {
      return counted;
    }
    long atFixedRate = (unkept + CHARS_PER_UNKEPT_TOKEN - 1) / CHARS_PER_UNKEPT_TOKEN;
    long atKeptRate = keptChars == 0 ? 0 : (long) Math.ceil((double) counted * unkept / keptChars);
    return counted + Math.max(atFixedRate, atKeptRate);
  }

  @Override
  public synchronized String toString() {
    return kept == null ? "" : kept.toString();
  }
}
