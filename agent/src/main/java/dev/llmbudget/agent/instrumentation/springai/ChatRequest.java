package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import java.util.List;

/**
 * What the agent reads from a {@code Prompt} before the call: the model (the prompt's options,
 * else the chat model's defaults), the messages' text, their number, the output cap, 0 when
 * neither sets one, and how many answers it asks for ({@code getN()}, Gemini's {@code
 * getCandidateCount()}; 1 when neither sets one), each of which may use the whole cap; and how many
 * images its messages carry ({@code getMedia()} of an {@code image/*} MIME type), which are not text,
 * and their other media (documents, audio, video: {@code mediaParts}), whose tokens their bytes do not bound.
 */
record ChatRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens, int choices,
    int images, int mediaParts) implements dev.llmbudget.internal.CallRequest {

  static ChatRequest read(Object chatModel, Object prompt) throws ReflectiveOperationException {
    StringBuilder text = new StringBuilder();
    int count = 0;
    int images = 0;
    int media = 0;
    Object instructions = Accessors.get(prompt, "getInstructions");
    if (instructions instanceof List) {
      for (Object message : (List<?>) instructions) {
        String t = Accessors.string(message, "getText");
        if (t != null) {
          if (text.length() > 0) {
            text.append('\n');
          }
          text.append(t);
        }
        images += media(message, true);
        media += media(message, false);
        count++;
      }
    }
    Object options = Accessors.get(prompt, "getOptions");
    String model = Accessors.string(options, "getModel");
    long maxTokens = maxTokens(options);
    long choices = choices(options);
    if (model == null || maxTokens == 0 || choices == 0) {
      Object defaults = Accessors.get(chatModel, "getDefaultOptions");
      if (model == null) {
        model = Accessors.string(defaults, "getModel");
      }
      if (maxTokens == 0) {
        maxTokens = maxTokens(defaults);
      }
      if (choices == 0) {
        choices = choices(defaults);
      }
    }
    return new ChatRequest(model, text, count, maxTokens, LlmRequest.choices(choices), images, media);
  }

  /** Reserves what this call may cost for {@code user}: its request cannot be rewritten, so {@code clamp} is {@code model_max}. */
  dev.llmbudget.Reservation reserve(String user) {
    return dev.llmbudget.internal.BudgetRuntime.get().engine().reserveCall(user, this, false, "spring-ai")
        .reservation();
  }

  /**
   * The media of {@code message} ({@code UserMessage.getMedia()}) whose MIME type is an image's
   * ({@code images}), else the others (Spring AI's {@code Media} always has a MIME type).
   */
  private static int media(Object message, boolean images) throws ReflectiveOperationException {
    Object media = Accessors.get(message, "getMedia");
    if (!(media instanceof Iterable)) {
      return 0;
    }
    int n = 0;
    for (Object m : (Iterable<?>) media) {
      String type = Accessors.string(m, "getMimeType");
      if (type != null && type.startsWith("image/") == images) {
        n++;
      }
    }
    return n;
  }

  /** {@code getN()} (OpenAI and compatible options), else {@code getCandidateCount()} (Gemini); 0 when neither. */
  private static long choices(Object options) throws ReflectiveOperationException {
    long n = Accessors.number(options, "getN");
    return n > 0 ? n : Accessors.number(options, "getCandidateCount");
  }

  /** {@code getMaxTokens()}, or OpenAI's {@code getMaxCompletionTokens()} for reasoning models. */
  private static long maxTokens(Object options) throws ReflectiveOperationException {
    long max = Accessors.number(options, "getMaxTokens");
    return max > 0 ? max : Accessors.number(options, "getMaxCompletionTokens");
  }
}
