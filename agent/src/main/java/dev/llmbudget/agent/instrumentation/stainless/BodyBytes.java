package dev.llmbudget.agent.instrumentation.stainless;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Collects what a request body writes. The Stainless SDKs' JSON body serializes once, keeps the
 * array and writes it whole in one call; that array is kept as it is, not copied (a large prompt
 * would otherwise be copied twice more). Any other pattern of writes is copied.
 */
final class BodyBytes extends OutputStream {

  private static final byte[] NONE = new byte[0];

  private byte[] buf = NONE;
  private int len;
  /** {@code buf} is the writer's own array, whole: it must be copied before anything is appended. */
  private boolean borrowed;

  @Override
  public void write(int b) {
    ensure(1);
    buf[len++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int n) {
    if (n <= 0) {
      return;
    }
    if (len == 0 && off == 0 && n == b.length && !borrowed) {
      buf = b;
      len = n;
      borrowed = true;
      return;
    }
    ensure(n);
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void ensure(int n) {
    if (borrowed || len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(Math.max(512, buf.length * 2), len + n));
      borrowed = false;
    }
  }

  /** What was written; the writer's own array when it came in one whole write. */
  byte[] bytes() {
    return len == buf.length ? buf : Arrays.copyOf(buf, len);
  }
}
