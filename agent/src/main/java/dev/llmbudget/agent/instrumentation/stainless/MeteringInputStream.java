package dev.llmbudget.agent.instrumentation.stainless;

import java.io.IOException;
import java.io.InputStream;

/**
 * Passes a response body through unchanged while handing every byte to a {@link ResponseMeter};
 * end of stream or close settles the call.
 */
final class MeteringInputStream extends InputStream {

  private final InputStream in;
  private final ResponseMeter meter;
  /** The proxied response: while its body is read, it must not look abandoned to the cleaner. */
  @SuppressWarnings("unused")
  private final Object response;

  MeteringInputStream(InputStream in, ResponseMeter meter, Object response) {
    this.in = in;
    this.meter = meter;
    this.response = response;
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b < 0) {
      meter.finish();
    } else {
      meter.accept(b);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = in.read(buf, off, len);
    if (n < 0) {
      meter.finish();
    } else if (n > 0) {
      meter.accept(buf, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes must still be seen: the usage may be in them.
    byte[] scratch = new byte[(int) Math.min(8192, Math.max(n, 0))];
    long skipped = 0;
    while (skipped < n) {
      int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
      if (r < 0) {
        break;
      }
      skipped += r;
    }
    return skipped;
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    try {
      in.close();
    } finally {
      meter.finish();
    }
  }
}
