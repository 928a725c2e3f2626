package dev.llmbudget.agent.instrumentation.openai;

import static dev.llmbudget.agent.instrumentation.stainless.StainlessSdk.endsWith;

import dev.llmbudget.agent.instrumentation.stainless.Endpoint;
import dev.llmbudget.agent.instrumentation.stainless.StainlessSdk;
import java.util.List;

/**
 * openai-java ({@code com.openai:openai-java}, 1.x to 4.x): chat completions, legacy completions,
 * the Responses API and embeddings, created by POST. Retrievals, cancellations, files, batches and
 * the rest are not priced calls and pass untouched.
 */
public final class OpenAiInstrumentation {

  public static final StainlessSdk SDK = new StainlessSdk("com.openai.core.http", OpenAiInstrumentation::classify);

  private OpenAiInstrumentation() {}

  static Endpoint classify(String httpMethod, List<String> path) {
    if (!"POST".equals(httpMethod)) {
      return null;
    }
    if (endsWith(path, "chat", "completions")) {
      return Endpoint.CHAT_COMPLETIONS;
    }
    if (endsWith(path, "completions")) {
      return Endpoint.COMPLETIONS;
    }
    if (endsWith(path, "responses")) {
      return Endpoint.RESPONSES;
    }
    if (endsWith(path, "embeddings")) {
      return Endpoint.EMBEDDINGS;
    }
    return null;
  }
}
