package dev.llmbudget.agent.instrumentation.meter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Removes OpenAI's usage chunk (an event whose JSON has {@code "choices":[]} and a {@code "usage"}
 * object) from a server-sent event stream, as a whole event, and passes every other byte through
 * unchanged and in order. An event is held back only until it shows it is not that chunk: a text
 * chunk does at its {@code "choices":[{}, about 150 bytes in; an event without choices (such as
 * {@code [DONE]}) is held to its end. So at most one event is held, never the stream, and one
 * that outgrows {@link #MAX_HELD} undecided is passed on as it is.
 *
 * <p>Bytes are read into the reader's own array and decided there: a read that ends on an event's
 * end (as a provider flushes them) passes with no copy and no buffer of ours. Only the undecided
 * tail of a read is copied aside, into a buffer made at the first such tail, and the reads after it
 * go through that buffer until nothing is held. The reader's array past the bytes a read returns
 * may hold that tail: {@code InputStream} says it is left unaffected, but it is the free end of the
 * reader's buffer (a decoder's, the SDK's line reader's), which nothing reads before a read fills it.
 */
final class UsageChunkFilter extends InputStream {

  /** OpenAI's usage chunk is well under 1 KB: an event held this long undecided is passed on. */
  static final int MAX_HELD = 64 << 10;
  /** The least a hold buffer is made; grown only for a longer held event. */
  private static final int INITIAL = 256;
  private static final byte[] NONE = new byte[0];
  private static final byte[] CHOICES = "\"choices\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  /** {@link #match}'s answer when the byte given starts the member's value. */
  private static final int VALUE = -1;
  /** {@link #choices}: after {@code "choices":[}, waiting for the first element or the {@code ]}. */
  private static final int IN_ARRAY = -2;
  /** {@link #choices}: seen whole, an empty array. */
  private static final int EMPTY = -3;

  private final InputStream in;
  /** Made at the first undecided tail of a read, or the first one-byte read. */
  private byte[] buf = NONE;
  // buf[start, ready): decided, for the reader; buf[ready, pos): the current event, held undecided;
  // buf[pos, filled): read, not yet looked at. start == filled: nothing is held, reads go to the
  // reader's array, where these index it for the time of one read.
  private int start;
  private int ready;
  private int pos;
  private int filled;
  private boolean eof;
  /** The current event is not the usage chunk: its bytes go to the reader as they are looked at. */
  private boolean passing;
  /** Bytes on the current line, a CR not counted: a newline on an empty line ends the event. */
  private int lineLength;
  /** Where the searches for {@code "choices": [} and {@code "usage": {} are in the current event. */
  private int choices;
  private int usage;
  private boolean usageObject;

  UsageChunkFilter(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    return haveReady() ? buf[start++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    while (start == filled) {
      if (eof) {
        return -1;
      }
      int n = in.read(b, off, len);
      if (n < 0) {
        eof = true;
        return -1;
      }
      start = off;
      ready = off;
      pos = off;
      filled = off + n;
      look(b);
      int held = filled - ready;
      if (held > 0) {
        if (buf.length < held) {
          buf = new byte[Math.max(INITIAL, Integer.highestOneBit(held) << 1)];
        }
        System.arraycopy(b, ready, buf, 0, held);
      }
      int decided = ready - off;
      start = 0;
      ready = 0;
      pos = held;
      filled = held;
      if (decided > 0) {
        return decided; // else all was held, or it was the usage chunk: read on
      }
    }
    if (!haveReady()) {
      return -1;
    }
    int n = Math.min(len, ready - start);
    System.arraycopy(buf, start, b, off, n);
    start += n;
    return n;
  }

  @Override
  public int available() {
    return ready - start;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Reads and looks until some bytes are ready for the reader; {@code false} at the end of the stream. */
  private boolean haveReady() throws IOException {
    while (ready == start) {
      if (pos < filled) {
        look(buf);
      } else if (eof) {
        // The last event, unterminated: the usage chunk is still dropped whole, anything else passes.
        if (ready < pos) {
          endEvent(buf);
        }
        return ready > start;
      } else {
        fill();
      }
    }
    return true;
  }

  private void fill() throws IOException {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, filled - start);
      ready -= start;
      pos -= start;
      filled -= start;
      start = 0;
    }
    if (filled == buf.length) {
      // only an event held whole grows it
      buf = java.util.Arrays.copyOf(buf, Math.max(INITIAL, buf.length * 2));
    }
    int n = in.read(buf, filled, buf.length - filled);
    if (n < 0) {
      eof = true;
    } else {
      filled += n;
    }
  }

  /**
   * Looks at every byte read: it passes, is held, or (the usage chunk, at its end) is dropped. The
   * state is worked on in locals, written back at an event's end: fields in the loop cost ~3x.
   */
  private void look(byte[] b) {
    int p = pos;
    int end = filled;
    int line = lineLength;
    boolean through = passing;
    int ch = choices;
    int us = usage;
    boolean object = usageObject;
    while (p < end) {
      byte c = b[p++];
      if (c == '\n') {
        if (line == 0) {
          pos = p;
          passing = through;
          choices = ch;
          usageObject = object;
          endEvent(b);
          p = pos;
          end = filled;
          line = 0;
          through = false;
          ch = 0;
          us = 0;
          object = false;
          continue;
        }
        line = 0;
      } else if (c != '\r') {
        line++;
      }
      if (through) {
        continue;
      }
      if (ch == IN_ARRAY) {
        if (!isSpace(c)) {
          if (c == ']') {
            ch = EMPTY;
          } else {
            through = true; // a chunk with choices: what the app reads
            ready = p;
            continue;
          }
        }
      } else if (ch != EMPTY) {
        int s = match(CHOICES, ch, c);
        ch = s != VALUE ? s : c == '[' ? IN_ARRAY : 0;
      }
      if (!object) {
        int s = match(USAGE, us, c);
        object = s == VALUE && c == '{';
        us = s == VALUE ? 0 : s;
      }
      if (p - ready > MAX_HELD) {
        through = true;
        ready = p;
      }
    }
    if (through) {
      ready = p;
    }
    pos = p;
    lineLength = line;
    passing = through;
    choices = ch;
    usage = us;
    usageObject = object;
  }

  /** The held event ends at {@code pos}: the usage chunk is dropped, anything else is ready; the next one starts. */
  private void endEvent(byte[] b) {
    if (!passing && choices == EMPTY && usageObject) {
      System.arraycopy(b, pos, b, ready, filled - pos);
      filled -= pos - ready;
      pos = ready;
    } else {
      ready = pos;
    }
    passing = false;
    lineLength = 0;
    choices = 0;
    usage = 0;
    usageObject = false;
  }

  /**
   * One byte more of a search for {@code key} (quotes included), a colon and a value, spaces
   * allowed between: the new state, or {@link #VALUE} when {@code c} is the value's first byte. A
   * key cannot occur inside a JSON string, whose quotes are escaped.
   */
  private static int match(byte[] key, int state, byte c) {
    int k = key.length;
    if (state < k) {
      return c == key[state] ? state + 1 : c == '"' ? 1 : 0;
    }
    if (isSpace(c)) {
      return state;
    }
    if (state == k) {
      return c == ':' ? k + 1 : c == '"' ? 1 : 0;
    }
    return VALUE;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }
}
