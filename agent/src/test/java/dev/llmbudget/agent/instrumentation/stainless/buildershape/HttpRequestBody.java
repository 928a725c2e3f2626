package dev.llmbudget.agent.instrumentation.stainless.buildershape;

import java.io.OutputStream;

/** The body of {@link HttpRequest}, as the Stainless SDKs declare it. */
public interface HttpRequestBody extends AutoCloseable {

  void writeTo(OutputStream out);

  String contentType();

  long contentLength();

  boolean repeatable();

  @Override
  void close();
}
