package dev.llmbudget.agent.instrumentation.langchain4j;

import java.util.List;

/**
 * Sets a clamped output cap on a LangChain4j {@code ChatRequest}: a new request with the same
 * messages and the caller's parameters overridden by {@code maxOutputTokens}, which every provider
 * module maps to its API's cap field. Used only when {@code llmbudget.output_reserve=clamp} lowers a cap.
 */
final class ChatRequestCaps {

  private static final String REQUEST = "dev.langchain4j.model.chat.request.";

  private ChatRequestCaps() {}

  /**
   * True for the provider modules known to honour {@code maxOutputTokens} on a request: LangChain4j's
   * OpenAI module, in every tested version. Others are not clamped (their calls reserve as {@code
   * model_max} does): the Anthropic module of LangChain4j 1.0 refuses the parameter with an
   * {@code UnsupportedFeatureException}, which would fail the host's call.
   */
  static boolean supports(Object chatModel) {
    return chatModel.getClass().getName().startsWith("dev.langchain4j.model.openai.");
  }

  static Object withCap(Object request, long cap) throws ReflectiveOperationException {
    ClassLoader loader = request.getClass().getClassLoader();
    Class<?> requestType = Class.forName(REQUEST + "ChatRequest", false, loader);
    Class<?> parametersType = Class.forName(REQUEST + "ChatRequestParameters", false, loader);
    Object capBuilder = parametersType.getMethod("builder").invoke(null);
    capBuilder.getClass().getMethod("maxOutputTokens", Integer.class).invoke(capBuilder, (int) Math.min(cap, Integer.MAX_VALUE));
    Object capOnly = capBuilder.getClass().getMethod("build").invoke(capBuilder);
    Object parameters = requestType.getMethod("parameters").invoke(request);
    Object merged = parameters == null ? capOnly
        : parametersType.getMethod("overrideWith", parametersType).invoke(parameters, capOnly);
    Object builder = requestType.getMethod("builder").invoke(null);
    Class<?> builderType = builder.getClass();
    builderType.getMethod("messages", List.class).invoke(builder, requestType.getMethod("messages").invoke(request));
    builderType.getMethod("parameters", parametersType).invoke(builder, merged);
    return builderType.getMethod("build").invoke(builder);
  }
}
