package dev.llmbudget.agent.instrumentation.stainless;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The prompt text of a request body, decoded on first use: most calls are reserved by the byte
 * bound and charged by the usage their answer reports, so they never need it.
 */
final class RequestText implements CharSequence {

  private final Endpoint endpoint;
  private final byte[] body;
  private volatile String text;

  RequestText(Endpoint endpoint, byte[] body) {
    this.endpoint = endpoint;
    this.body = body;
  }

  private String text() {
    String t = text;
    if (t == null) {
      try {
        t = RequestReader.text(endpoint, body);
      } catch (IOException e) {
        // The scan read these bytes, so this is not expected; whoever counts goes to its failure path.
        throw new UncheckedIOException("could not decode the prompt of an LLM request", e);
      }
      text = t;
    }
    return t;
  }

  @Override
  public int length() {
    return text().length();
  }

  @Override
  public char charAt(int index) {
    return text().charAt(index);
  }

  @Override
  public CharSequence subSequence(int start, int end) {
    return text().subSequence(start, end);
  }

  @Override
  public String toString() {
    return text();
  }
}
