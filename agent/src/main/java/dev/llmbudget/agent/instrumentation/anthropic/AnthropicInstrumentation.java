package dev.llmbudget.agent.instrumentation.anthropic;

import static dev.llmbudget.agent.instrumentation.stainless.StainlessSdk.endsWith;

import dev.llmbudget.agent.instrumentation.stainless.Endpoint;
import dev.llmbudget.agent.instrumentation.stainless.StainlessSdk;
import java.util.List;

/**
 * anthropic-java ({@code com.anthropic:anthropic-java}, 2.x and 3.x): {@code POST v1/messages},
 * which the beta messages service also uses (with {@code ?beta=true}). Token counting, batches,
 * models and files are free or billed elsewhere and pass untouched.
 */
public final class AnthropicInstrumentation {

  public static final StainlessSdk SDK = new StainlessSdk("com.anthropic.core.http", AnthropicInstrumentation::classify);

  private AnthropicInstrumentation() {}

  static Endpoint classify(String httpMethod, List<String> path) {
    return "POST".equals(httpMethod) && endsWith(path, "messages") ? Endpoint.MESSAGES : null;
  }
}
