package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/** One provider's API on the fake server: it answers the paths it knows and leaves the rest. */
interface FakeApi {

  /** Answers {@code ex} and returns true when {@code path} is this API's; the request was counted and its body read. */
  boolean answer(HttpExchange ex, String path, JsonNode body) throws IOException;
}
