package dev.llmbudget.agent.instrumentation.langchain4j;

import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.CallRequest;
import dev.llmbudget.internal.UsageJson;
import java.util.List;

/** Reads what the budget needs from LangChain4j's {@code ChatRequest} and {@code ChatResponse}. */
final class ChatRequests {

  private ChatRequests() {}

  /** What a request asks for, before the provider is called. */
  static final class Request implements CallRequest {
    final String model;
    final CharSequence prompt;
    final int messageCount;
    final long maxOutputTokens;
    /** {@code ImageContent}s of the user messages, and those with {@code DetailLevel.LOW}: not text. */
    int images;
    int lowDetailImages;
    /** {@code AudioContent}, {@code VideoContent} and {@code PdfFileContent}s: their tokens are not in their bytes. */
    int mediaParts;
    /** The OpenAI service tier asked for ({@code OpenAiChatRequestParameters.serviceTier()}), or null. */
    final String serviceTier;

    Request(String model, CharSequence prompt, int messageCount, long maxOutputTokens, String serviceTier) {
      this.model = model;
      this.prompt = prompt;
      this.messageCount = messageCount;
      this.maxOutputTokens = maxOutputTokens;
      this.serviceTier = serviceTier;
    }

    /** Reserves what this call may cost for {@code user}; {@code canRewrite} as the engine's. */
    BudgetEngine.CallReservation reserve(BudgetEngine engine, String user, boolean canRewrite) {
      return engine.reserveCall(user, this, canRewrite, "langchain4j");
    }

    @Override
    public String model() {
      return model;
    }

    @Override
    public CharSequence prompt() {
      return prompt;
    }

    @Override
    public int messageCount() {
      return messageCount;
    }

    @Override
    public long maxOutputTokens() {
      return maxOutputTokens;
    }

    @Override
    public int images() {
      return images;
    }

    @Override
    public int lowDetailImages() {
      return lowDetailImages;
    }

    @Override
    public int mediaParts() {
      return mediaParts;
    }

    @Override
    public String serviceTier() {
      return serviceTier;
    }
  }

  /**
   * The priced model name, prompt text and output cap of {@code request} sent by {@code chatModel};
   * {@code null} when no model name can be found. Unset parameters fall back to the model's
   * defaults, as LangChain4j merges them before calling the provider.
   */
  static Request read(Object chatModel, Object request) throws Throwable {
    Object params = Accessors.call(request, "parameters");
    Object defaults = null;
    String model = Accessors.string(params, "modelName");
    Object maxOutput = Accessors.call(params, "maxOutputTokens");
    if (model == null || maxOutput == null) {
      defaults = Accessors.call(chatModel, "defaultRequestParameters");
      if (model == null) {
        model = Accessors.string(defaults, "modelName");
      }
      if (maxOutput == null) {
        maxOutput = Accessors.call(defaults, "maxOutputTokens");
      }
    }
    if (model == null) {
      // Provider modules that predate default request parameters (langchain4j-anthropic 1.0.x) keep it here.
      Object field = Accessors.field(chatModel, "modelName");
      model = field instanceof String ? (String) field : null;
    }
    if (maxOutput == null) {
      // ... and their output cap too, which they send with every request.
      Object field = Accessors.field(chatModel, "maxTokens");
      maxOutput = field instanceof Number && ((Number) field).longValue() > 0 ? field : null;
    }
    if (model == null) {
      return null;
    }
    StringBuilder prompt = new StringBuilder(256);
    int count = 0;
    int images = 0;
    int low = 0;
    int media = 0;
    Object messages = Accessors.call(request, "messages");
    if (messages instanceof List) {
      for (Object message : (List<?>) messages) {
        appendText(message, prompt);
        count++;
        Object contents = Accessors.call(message, "contents");
        if (contents instanceof List) {
          for (Object content : (List<?>) contents) {
            // Content.type() is ContentType.IMAGE for an ImageContent; AUDIO, VIDEO, PDF are file parts
            Object type = Accessors.call(content, "type");
            String kind = type == null ? null : type.toString();
            if ("AUDIO".equals(kind) || "VIDEO".equals(kind) || "PDF".equals(kind)) {
              media++;
            }
            if ("IMAGE".equals(kind)) {
              images++;
              Object detail = Accessors.call(content, "detailLevel");
              if (detail != null && "LOW".equals(detail.toString())) {
                low++;
              }
            }
          }
        }
      }
    }
    long cap = maxOutput instanceof Number ? Math.max(0, ((Number) maxOutput).longValue()) : 0;
    // OpenAI's parameters (langchain4j-open-ai 1.19+) name the service tier; priority is reserved at its rates
    String tier = Accessors.string(params, "serviceTier");
    if (tier == null) {
      tier = Accessors.string(defaults != null ? defaults : Accessors.call(chatModel, "defaultRequestParameters"),
          "serviceTier");
    }
    Request read = new Request(pricedName(chatModel, model), prompt, count, cap,
        tier == null ? null : UsageJson.serviceTier(tier.toLowerCase(java.util.Locale.ROOT)));
    read.images = images;
    read.lowDetailImages = low;
    read.mediaParts = media;
    return read;
  }

  /**
   * The name the price table knows: Ollama's models are prefixed, because a bare {@code mistral}
   * would otherwise resolve to the dearest hosted Mistral instead of the local, free one.
   */
  static String pricedName(Object chatModel, String model) throws Throwable {
    Object provider = Accessors.call(chatModel, "provider");
    if (provider != null && "OLLAMA".equals(provider.toString()) && !model.startsWith("ollama/")) {
      return "ollama/" + model;
    }
    return model;
  }

  /** The text of a message: its text contents (user messages), else its text (system, AI, tool results). */
  static void appendText(Object message, StringBuilder out) throws Throwable {
    Object contents = Accessors.call(message, "contents");
    if (contents instanceof List) {
      for (Object content : (List<?>) contents) {
        String text = Accessors.string(content, "text");
        if (text != null) {
          out.append(text).append('\n');
        }
      }
      return;
    }
    String text = Accessors.string(message, "text");
    if (text != null) {
      out.append(text).append('\n');
    }
    Object tools = Accessors.call(message, "toolExecutionRequests");
    if (tools instanceof List) {
      for (Object tool : (List<?>) tools) {
        String args = Accessors.string(tool, "arguments");
        if (args != null) {
          out.append(args).append('\n');
        }
      }
    }
  }

  /** The answer's text, for an estimate when the provider reported no usage. */
  static String answerText(Object response) throws Throwable {
    StringBuilder out = new StringBuilder();
    Object message = Accessors.call(response, "aiMessage");
    if (message != null) {
      appendText(message, out);
    }
    return out.toString();
  }

  /**
   * The usage a {@code ChatResponse} reports, in core's non-overlapping shape, or {@code null}
   * when it reports none. Providers' {@code TokenUsage} subclasses add what they know:
   * OpenAI's cached prompt tokens (part of its input count) and reasoning tokens (part of its
   * output count); Anthropic's cache reads and writes (not part of its input count).
   */
  static Usage usage(Object chatModel, Object response, String requestedModel) throws Throwable {
    Object tokens = Accessors.call(response, "tokenUsage");
    if (tokens == null) {
      return null;
    }
    if (!Accessors.has(tokens, "inputTokenCount") && !Accessors.has(tokens, "outputTokenCount")) {
      // not a usage that reports nothing: one the agent cannot read, so the call pays what it reserved
      throw new IllegalStateException(tokens.getClass().getName() + " has neither inputTokenCount() nor "
          + "outputTokenCount(): a LangChain4j TokenUsage of a shape the agent does not know");
    }
    Object in = Accessors.call(tokens, "inputTokenCount");
    Object out = Accessors.call(tokens, "outputTokenCount");
    if (in == null && out == null) {
      return null;
    }
    long input = Accessors.count(tokens, "inputTokenCount");
    long output = Accessors.count(tokens, "outputTokenCount");
    long cacheRead = 0;
    long cacheWrite = 0;
    if (Accessors.has(tokens, "cacheReadInputTokens")) {
      cacheRead = Accessors.count(tokens, "cacheReadInputTokens");
      cacheWrite = Accessors.count(tokens, "cacheCreationInputTokens");
    } else if (Accessors.has(tokens, "inputTokensDetails")) {
      cacheRead = Math.min(input, Accessors.count(Accessors.call(tokens, "inputTokensDetails"), "cachedTokens"));
      input -= cacheRead;
    }
    long reasoning = 0;
    if (Accessors.has(tokens, "outputTokensDetails")) {
      reasoning = Math.min(output, Accessors.count(Accessors.call(tokens, "outputTokensDetails"), "reasoningTokens"));
    }
    String model = Accessors.string(response, "modelName");
    Object metadata = Accessors.call(response, "metadata");
    if (model == null) {
      model = Accessors.string(metadata, "modelName");
    }
    model = model == null || model.isEmpty() ? requestedModel : pricedName(chatModel, model);
    // OpenAI's metadata (OpenAiChatResponseMetadata) names the service tier that served the call
    String tier = UsageJson.serviceTier(Accessors.string(metadata, "serviceTier"));
    return new Usage(model, input, output, cacheRead, cacheWrite, 0, reasoning, false, tier);
  }
}
