package dev.llmbudget.testkit;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * One provider's HTTP API on the {@link FakeLlmServer}, beyond the OpenAI and Anthropic paths it
 * answers itself. The server has already counted the request and applied {@code failNext}.
 */
interface ProviderApi {

  /** True when {@code path} (decoded) belongs to this API. */
  boolean serves(String path);

  /** Answers one request whose body is {@code body}; the exchange is closed by the caller. */
  void answer(HttpExchange ex, byte[] body) throws IOException;
}
