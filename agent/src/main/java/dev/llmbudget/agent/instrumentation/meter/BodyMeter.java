package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.Usage;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.UsageBytes;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Reads the usage of one response from its bytes as they flow past and settles its call once, at
 * the end of the body or when it is closed. A body that starts with {@code {} or {@code [} is one
 * JSON document, read in place when its first read holds it whole, else parsed at its end; anything else is read as server-sent events, line by line,
 * keeping only the {@code data:} lines. The kind is told by the first byte, so the error body of a
 * streaming call is read as the JSON it is.
 *
 * <p>Memory is bounded whatever the body's size: what is kept is the body's skeleton, in which each
 * JSON string keeps at most {@link #MAX_STRING_BYTES} bytes (usage, model and event types are short;
 * only answer text is long) and the bytes dropped are counted as text for an estimate. A skeleton
 * that still outgrows its cap (a JSON body past {@link #MAX_JSON_BYTES}, an event line past {@link
 * #MAX_LINE_BYTES}) is dropped and counted the same way.
 */
public final class BodyMeter {

  /** Bytes of one JSON string kept; the rest of a longer one is counted, not kept. */
  static final int MAX_STRING_BYTES = 64 << 10;
  /** Beyond this a JSON body's skeleton is dropped; the call is estimated. */
  static final int MAX_JSON_BYTES = 8 << 20;
  /** Beyond this one event line's skeleton is dropped; the event is counted as text. */
  static final int MAX_LINE_BYTES = 1 << 20;
  private static final byte UNKNOWN = 0;
  private static final byte JSON = 1;
  private static final byte EVENTS = 2;
  private static final byte OVERFLOW = 3;
  /** A JSON answer whose usage was read in place from the read that held it whole; the rest is ignored. */
  private static final byte READ = 4;

  private final MeteredCall call;
  private final ChunkReader reader;
  private final int status;
  private static final AtomicIntegerFieldUpdater<BodyMeter> SETTLED =
      AtomicIntegerFieldUpdater.newUpdater(BodyMeter.class, "settled");
  private static final byte[] NOTHING = new byte[0];

  /**
   * Settles the meters of responses dropped unread and unclosed, which would otherwise hold their
   * reservations for ever. A meter that settles unregisters at once: a registration holds the
   * meter, its call and the request's bytes (144 KB for a long prompt) until the GC has found its
   * owner dead and this thread has run, so every call's graph was copied by a young GC and the heap
   * after each one was ~31 MB larger on the long-prompt benchmark.
   */
  private static final Cleaner ABANDONED = Cleaner.create(r -> {
    Thread t = new Thread(r, "llm-budget-abandoned-responses");
    t.setDaemon(true);
    return t;
  });

  private volatile int settled;
  /** The registration that settles this meter if its owner is collected first; null: none. */
  private volatile Cleaner.Cleanable abandoned;
  private byte kind = UNKNOWN;
  /** Allocated at the first bytes kept, at their size: a short answer often comes in one read. */
  private byte[] buf = NOTHING;
  private int len;
  /** For the SDK that reads byte by byte; made at its first such read. */
  private byte[] one;
  // Where the skeleton scan is: inside a JSON string, after a backslash, hex digits of a unicode escape left.
  private boolean inString;
  private boolean escape;
  private int hexLeft;
  private int stringBytes;
  private boolean dropping;
  /** The current event line outgrew its cap: the rest of it up to its newline is only counted. */
  private boolean lineDropped;
  /** Bytes seen but not kept, counted as answer text. */
  private long unkept;

  BodyMeter(MeteredCall call, int status) {
    this.call = call;
    this.reader = new ChunkReader(call.model());
    this.status = status;
  }

  /**
   * {@code body}, passed through unchanged while this meter reads it; its end or close settles
   * the call. {@code owner} is kept reachable while the stream is, for a caller that settles an
   * abandoned response when its owner is collected; {@code null} for none.
   */
  public InputStream stream(InputStream body, Object owner) {
    InputStream metered = new MeteringInputStream(body, this, owner);
    // The meter reads the usage chunk; only what the SDK reads goes without it.
    return call.hidesUsageChunk() ? new UsageChunkFilter(metered) : metered;
  }

  /**
   * Settles this meter when {@code owner} (e.g. the proxied response whose body it meters) is
   * collected before the body ends or is closed. The action must not reach {@code owner}.
   */
  public void settleWhenCollected(Object owner) {
    abandoned = ABANDONED.register(owner, this::finish);
    if (settled != 0) {
      abandoned.clean(); // settled meanwhile: nothing to wait for
    }
  }

  /** Reads {@code buffer}'s remaining bytes without moving its position: the SDK reads them next. */
  public void accept(java.nio.ByteBuffer buffer) {
    java.nio.ByteBuffer b = buffer.duplicate();
    int n = b.remaining();
    if (n == 0) {
      return;
    }
    if (b.hasArray()) {
      accept(b.array(), b.arrayOffset() + b.position(), n);
    } else {
      byte[] copy = new byte[Math.min(n, 8192)];
      while (b.hasRemaining()) {
        int k = Math.min(copy.length, b.remaining());
        b.get(copy, 0, k);
        accept(copy, 0, k);
      }
    }
  }

  void accept(int b) {
    if (one == null) {
      one = new byte[1];
    }
    one[0] = (byte) b;
    accept(one, 0, 1);
  }

  void accept(byte[] bytes, int off, int n) {
    if (settled != 0) {
      return;
    }
    try {
      int i = off;
      int end = off + n;
      if (kind == UNKNOWN) {
        while (i < end && Character.isWhitespace(bytes[i])) {
          i++;
        }
        if (i == end) {
          return;
        }
        kind = bytes[i] == '{' || bytes[i] == '[' ? JSON : EVENTS;
        if (kind == JSON && readWhole(bytes, i, end)) {
          return;
        }
      }
      if (kind == READ) {
        return;
      } else if (kind == OVERFLOW) {
        unkept += end - i;
      } else {
        scan(bytes, i, end);
      }
    } catch (RuntimeException e) {
      Log.warnOnce("meter:" + e.getClass().getName(), "llm-budget: could not read the usage of an LLM response ("
          + e + "); it is estimated", e);
      kind = OVERFLOW;
      buf = null;
    }
  }

  /**
   * Reads the usage of a JSON answer that this first read holds whole, while the bytes are still
   * the SDK's to give (a short answer usually comes in one read); nothing is copied. {@code false}
   * when the read ends before the answer does, or the answer needs the parser or reports no usage:
   * it is then kept as a skeleton and read at the end, as any other.
   */
  private boolean readWhole(byte[] bytes, int from, int end) {
    int last = end - 1;
    while (last > from && Character.isWhitespace(bytes[last])) {
      last--;
    }
    if (bytes[last] != '}') {
      return false; // a read that ends inside the answer rarely ends on a brace: not worth a pass
    }
    Usage reported = UsageBytes.read(bytes, from, last + 1, reader.model());
    if (reported == null) {
      return false;
    }
    reader.reported(reported);
    kind = READ;
    return true;
  }

  /**
   * Keeps the skeleton of {@code bytes[from, end)}: runs outside long strings are copied in bulk; in
   * an event stream each newline ends a line, which is read at once.
   */
  private void scan(byte[] bytes, int from, int end) {
    int run = from;
    for (int j = from; j < end; j++) {
      if (kind == EVENTS && j == run && len == 0 && !lineDropped && !inString) {
        // At a line's start: a whole line in this read, too short to hold a string past the cap,
        // is read where it is without the skeleton's byte-by-byte state.
        int nl = newline(bytes, j, Math.min(end, j + MAX_STRING_BYTES + 1));
        if (nl >= 0) {
          line(bytes, j, nl);
          run = nl + 1;
          j = nl;
          continue;
        }
      }
      byte b = bytes[j];
      if (kind == EVENTS && b == '\n') {
        if (len == 0 && !lineDropped && j - run <= MAX_LINE_BYTES) {
          // The whole line is in this read and nothing of it was dropped: read it where it is.
          line(bytes, run, j);
        } else {
          keep(bytes, run, j);
          if (!lineDropped) {
            line(buf, 0, len);
          }
        }
        len = 0;
        lineDropped = false;
        inString = escape = dropping = false;
        run = j + 1;
        continue;
      }
      if (!inString) {
        if (b == '"') {
          inString = true;
          stringBytes = 0;
          hexLeft = 0;
        }
        continue;
      }
      if (dropping) {
        if (escape) {
          escape = false;
        } else if (b == '\\') {
          escape = true;
        } else if (b == '"') {
          dropping = false;
          inString = false;
          run = j; // the closing quote is kept
          continue;
        }
        unkept++;
        continue;
      }
      if (escape) {
        escape = false;
        hexLeft = b == 'u' ? 4 : 0;
      } else if (hexLeft > 0) {
        hexLeft--;
      } else if (b == '"') {
        inString = false;
        continue;
      } else if (stringBytes >= MAX_STRING_BYTES && (b & 0xC0) != 0x80) {
        // Cut only between whole characters and escapes, so the skeleton stays valid JSON.
        keep(bytes, run, j);
        dropping = true;
        escape = b == '\\';
        unkept++;
        continue;
      } else if (b == '\\') {
        escape = true;
      }
      stringBytes++;
    }
    if (!dropping) {
      keep(bytes, run, end);
    }
  }

  /** The index of the first newline in {@code bytes[from, to)}, or -1. */
  private static int newline(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Appends {@code bytes[from, to)} to the skeleton, or counts them when it is over its cap. */
  private void keep(byte[] bytes, int from, int to) {
    int n = to - from;
    if (n <= 0) {
      return;
    }
    if (kind == OVERFLOW) {
      unkept += n;
      return;
    }
    if (kind == EVENTS) {
      if (lineDropped) {
        unkept += n;
        return;
      }
      if ((long) len + n > MAX_LINE_BYTES) {
        unkept += len + n;
        len = 0;
        lineDropped = true;
        return;
      }
    } else if ((long) len + n > MAX_JSON_BYTES) {
      unkept += len + n;
      len = 0;
      kind = OVERFLOW;
      buf = null;
      return;
    }
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
    System.arraycopy(bytes, from, buf, len, n);
    len += n;
  }

  /** One SSE line in {@code b[from, to)}; only {@code data:} lines with a JSON value matter. */
  private void line(byte[] b, int from, int to) {
    int end = to;
    if (end > from && b[end - 1] == '\r') {
      end--;
    }
    if (end - from < 5 || b[from] != 'd' || b[from + 1] != 'a' || b[from + 2] != 't' || b[from + 3] != 'a'
        || b[from + 4] != ':') {
      return;
    }
    int start = from + 5;
    if (start < end && b[start] == ' ') {
      start++;
    }
    if (end - start < 2 || (b[start] != '{' && b[start] != '[')) {
      return; // [DONE] and keep-alives
    }
    try {
      reader.event(b, start, end);
    } catch (IOException e) {
      // A malformed event is the SDK's to report; we only do not learn from it.
    }
  }

  /** Settles the call, once: with the reported usage, else an estimate, else (failed call) nothing. */
  public void finish() {
    if (!SETTLED.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      if (kind == JSON) {
        // The usage read in place, else (no usage, which an estimate needs the text for, or a shape
        // only a parser reads exactly) the whole tree.
        Usage reported = UsageBytes.read(buf, 0, len, reader.model());
        if (reported != null) {
          reader.reported(reported);
        } else {
          reader.chunk(SdkJson.MAPPER.readTree(buf, 0, len));
        }
      } else if (kind == EVENTS && len > 0 && !lineDropped) {
        line(buf, 0, len);
      }
      buf = null;
      reader.text().addUnkept(unkept);
      call.settle(reader, status >= 200 && status < 300);
    } catch (Throwable t) {
      if (status >= 200 && status < 300) {
        // Answered, so billed by the provider: it pays what it reserved, not nothing, and is counted.
        Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not read the usage of an LLM answer ("
            + t + "); the call is charged what it reserved and counted as unmetered", t);
        call.chargeReserved();
        CallCounters.unmetered();
      } else {
        Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not read a failed LLM call's answer ("
            + t + "); its reservation is released", t);
        call.release();
      }
    } finally {
      Cleaner.Cleanable registration = abandoned;
      if (registration != null) {
        registration.clean(); // its action is this method, which now returns at once
      }
    }
  }
}
