package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * The Azure OpenAI service as {@code com.azure:azure-ai-openai} calls it:
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=...} (JSON and
 * server-sent events) and {@code .../embeddings}. The request names a deployment, not a model; the
 * answer names the model behind it, as Azure does, unless told to leave it out.
 */
public final class AzureOpenAiApi implements FakeApi {

  private static final String PREFIX = "/openai/deployments/";

  private final FakeLlmServer server;
  private volatile String model = "gpt-4o-mini-2024-07-18";

  AzureOpenAiApi(FakeLlmServer server) {
    this.server = server;
  }

  /** The model behind every deployment, as the answers name it; {@code null} when they name none. */
  String model() {
    return model;
  }

  /** The model every answer names; {@code null} sends an empty one, so only the deployment tells the model. */
  public AzureOpenAiApi model(String reportedModel) {
    this.model = reportedModel;
    return this;
  }

  public static String chatPath(String deployment) {
    return PREFIX + deployment + "/chat/completions";
  }

  public static String embeddingsPath(String deployment) {
    return PREFIX + deployment + "/embeddings";
  }

  @Override
  public boolean answer(HttpExchange ex, String path, JsonNode body) throws IOException {
    if (!path.startsWith(PREFIX)) {
      return false;
    }
    String reported = model == null ? "" : model;
    if (path.endsWith("/chat/completions")) {
      if (body.path("stream").asBoolean(false)) {
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        FakeLlmServer.sendEvents(ex, server.chatEvents(reported, includeUsage));
      } else {
        FakeLlmServer.send(ex, 200, "application/json", server.chatCompletion(reported));
      }
      return true;
    }
    if (path.endsWith("/embeddings")) {
      FakeLlmServer.send(ex, 200, "application/json", server.embeddings(reported, body.get("input")));
      return true;
    }
    return false;
  }
}
