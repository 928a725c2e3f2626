package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads the usage of one response from its bytes as they flow past and settles its call once, at
 * the end of the body or when it is closed. A body that starts with {@code {} or {@code [} is one
 * JSON document, buffered and parsed at its end; anything else is read as server-sent events,
 * line by line, keeping only the {@code data:} lines.
 */
final class BodyMeter {

  /** Beyond this a JSON body is passed through without being parsed; the call is estimated. */
  private static final int MAX_JSON_BYTES = 64 << 20;
  private static final byte UNKNOWN = 0;
  private static final byte JSON = 1;
  private static final byte EVENTS = 2;
  private static final byte OVERFLOW = 3;

  private final MeteredCall call;
  private final ChunkReader reader;
  private final int status;
  private final AtomicBoolean settled = new AtomicBoolean();
  private byte kind = UNKNOWN;
  private byte[] buf = new byte[512];
  private int len;

  BodyMeter(MeteredCall call, ChunkReader reader, int status) {
    this.call = call;
    this.reader = reader;
    this.status = status;
  }

  void accept(byte[] bytes, int off, int n) {
    if (settled.get()) {
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
      }
      if (kind == JSON) {
        if ((long) len + (end - i) > MAX_JSON_BYTES) {
          kind = OVERFLOW;
          buf = null;
        } else {
          append(bytes, i, end - i);
        }
      } else if (kind == EVENTS) {
        for (int j = i; j < end; j++) {
          if (bytes[j] == '\n') {
            append(bytes, i, j - i);
            line();
            len = 0;
            i = j + 1;
          }
        }
        append(bytes, i, end - i);
      }
    } catch (RuntimeException e) {
      Log.warnOnce("meter:" + e.getClass().getName(), "llm-budget: could not read the usage of an LLM response ("
          + e + "); it is estimated", e);
      kind = OVERFLOW;
    }
  }

  private void append(byte[] bytes, int off, int n) {
    if (n <= 0) {
      return;
    }
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
    System.arraycopy(bytes, off, buf, len, n);
    len += n;
  }

  /** One SSE line in {@code buf[0, len)}; only {@code data:} lines with a JSON value matter. */
  private void line() {
    int end = len;
    if (end > 0 && buf[end - 1] == '\r') {
      end--;
    }
    if (end < 5 || buf[0] != 'd' || buf[1] != 'a' || buf[2] != 't' || buf[3] != 'a' || buf[4] != ':') {
      return;
    }
    int start = 5;
    if (start < end && buf[start] == ' ') {
      start++;
    }
    if (end - start < 2 || (buf[start] != '{' && buf[start] != '[')) {
      return; // [DONE] and keep-alives
    }
    try {
      reader.chunk(SdkJson.MAPPER.readTree(buf, start, end - start));
    } catch (IOException e) {
      // A malformed event is the SDK's to report; we only do not learn from it.
    }
  }

  /** Settles the call, once: with the reported usage, else an estimate, else (failed call) nothing. */
  void finish() {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      if (kind == JSON) {
        reader.chunk(SdkJson.MAPPER.readTree(buf, 0, len));
      } else if (kind == EVENTS && len > 0) {
        line();
      }
      buf = null;
      call.settle(reader, status >= 200 && status < 300);
    } catch (Throwable t) {
      Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not charge an LLM call (" + t
          + "); its reservation is released", t);
      call.release();
    }
  }
}
