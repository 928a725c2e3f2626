package dev.llmbudget.agent.instrumentation.stainless.buildershape;

import java.io.InputStream;

/** The response of this SDK shape, as the Stainless SDKs declare it. */
public interface HttpResponse extends AutoCloseable {

  int statusCode();

  InputStream body();

  @Override
  void close();
}
