package dev.llmbudget.agent.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.ResponseCreateParams;

/** openai-java calls, written against the API that 1.x and 4.x share. */
final class OpenAiCalls implements LlmCalls {
  static final String MODEL = "gpt-4o-mini";
  private final String model = System.getProperty("it.model", MODEL);
  /** Responses an app abandoned but still holds, so no cleaner can settle them. */
  private static final java.util.List<Object> ABANDONED = new java.util.ArrayList<>();
  private final OpenAIClient client;
  private final long maxTokens;

  OpenAiCalls(String baseUrl, long maxTokens) {
    this.client = OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey("sk-test").maxRetries(2).build();
    this.maxTokens = maxTokens;
  }

  /** A chat request; with {@code maxTokens} 0 it sets no output cap at all, as most application code does. */
  private ChatCompletionCreateParams params() {
    ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(model)
        .addUserMessage("Say hello to the budget.");
    return maxTokens > 0 ? b.maxCompletionTokens(maxTokens).build() : b.build();
  }

  /** A chat request to gpt-4o-audio-preview that asks for a spoken answer beside its text. */
  private ChatCompletionCreateParams audioParams() {
    return params().toBuilder().model("gpt-4o-audio-preview")
        .addModality(ChatCompletionCreateParams.Modality.TEXT).addModality(ChatCompletionCreateParams.Modality.AUDIO)
        .audio(com.openai.models.chat.completions.ChatCompletionAudioParam.builder().voice("alloy")
            .format(com.openai.models.chat.completions.ChatCompletionAudioParam.Format.WAV).build())
        .build();
  }

  @Override
  public void sync() {
    client.chat().completions().create(params());
  }

  @Override
  public void async() throws Exception {
    client.async().chat().completions().create(params()).get();
  }

  @Override
  public void stream() {
    ChatCompletionCreateParams p = params().toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    boolean[] usageChunk = {false};
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
      s.stream().forEach(c -> usageChunk[0] |= c.choices().isEmpty() && c.usage().isPresent());
    }
    if (!usageChunk[0]) {
      throw new IllegalStateException("the app asked for the usage chunk and did not get it");
    }
  }

  @Override
  public void streamEarly() {
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params())) {
      s.stream().findFirst();
    }
  }

  @Override
  public void other(String name) throws Exception {
    switch (name) {
      case "stream-nousage": {
        // As most apps read a stream: the first choice of every chunk, which a usage chunk has not.
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params())) {
          s.stream().forEach(c -> text.append(c.choices().get(0).delta().content().orElse("")));
        }
        System.out.println("STREAMED sync " + text);
        break;
      }
      case "async-stream-nousage": {
        StringBuilder text = new StringBuilder();
        client.async().chat().completions().createStreaming(params())
            .subscribe(c -> text.append(c.choices().get(0).delta().content().orElse(""))).onCompleteFuture().get();
        System.out.println("STREAMED async " + text);
        break;
      }
      case "raw":
        client.chat().completions().withRawResponse().create(params()).parse();
        break;
      case "responses":
        ResponseCreateParams.Builder responses = ResponseCreateParams.builder().model(MODEL).input("Say hello.");
        client.responses().create(maxTokens > 0 ? responses.maxOutputTokens(maxTokens).build() : responses.build());
        break;
      case "background":
        // Queued: the answer reports no usage; it comes with a later retrieval.
        client.responses().create(ResponseCreateParams.builder().model(model).input("Say hello.")
            .background(true).maxOutputTokens(100).build());
        break;
      case "priority":
        // Priority processing, billed at its own (higher) rates; 4.x only (1.x has no PRIORITY).
        client.chat().completions().create(params().toBuilder()
            .serviceTier(ChatCompletionCreateParams.ServiceTier.PRIORITY).build());
        break;
      case "priority-stream":
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params().toBuilder()
            .serviceTier(ChatCompletionCreateParams.ServiceTier.PRIORITY)
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
          s.stream().forEach(c -> { });
        }
        break;
      case "audio":
        // gpt-4o-audio-preview asked to answer in audio: its audio tokens are billed at their own rates.
        client.chat().completions().create(audioParams());
        break;
      case "audio-stream":
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(audioParams()
            .toBuilder().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
          s.stream().forEach(c -> { });
        }
        break;
      case "n3":
        // Three answers, each may use the whole cap, each billed.
        client.chat().completions().create(params().toBuilder().n(3).build());
        break;
      case "stored-prompt":
        // No model: the stored prompt chooses it (Responses only).
        client.responses().create(ResponseCreateParams.builder()
            .prompt(com.openai.models.responses.ResponsePrompt.builder().id("pmpt_budget").build())
            .input("Say hello.").build());
        break;
      case "embeddings":
        client.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
            .input("embed me").build());
        break;
      case "abandon":
        // A streaming response the app neither reads nor closes, and keeps: only a lease frees its reservation.
        ABANDONED.add(client.chat().completions().createStreaming(params()));
        break;
      case "image":
      case "image-text":
        ImageCall.send(client, model, maxTokens, name.equals("image"));
        break;
      case "image-original":
      case "image-auto":
        OriginalImageCall.send(client, maxTokens, name.equals("image-original"));
        break;
      case "file":
        FileCall.send(client, model, maxTokens);
        break;
      case "sleep3":
        Thread.sleep(3000);
        break;
      case "prepare-unsent":
        prepareUnsent(12_000);
        break;
      default:
        throw new IllegalArgumentException(name);
    }
  }

  /**
   * A chat request with a text part and (with {@code image}) a high-detail base64 image part, as a
   * multimodal app sends it; prints the refusal's message. A class of its own, so the oldest SDK's
   * JVM, which never sends it, never links the content-part types.
   */
  private static final class ImageCall {
    static void send(OpenAIClient client, String model, long maxTokens, boolean image) {
      java.util.List<com.openai.models.chat.completions.ChatCompletionContentPart> parts = new java.util.ArrayList<>();
      parts.add(com.openai.models.chat.completions.ChatCompletionContentPart.ofText(
          com.openai.models.chat.completions.ChatCompletionContentPartText.builder().text("What is in this picture?")
              .build()));
      if (image) {
        parts.add(com.openai.models.chat.completions.ChatCompletionContentPart.ofImageUrl(
            com.openai.models.chat.completions.ChatCompletionContentPartImage.builder().imageUrl(
                com.openai.models.chat.completions.ChatCompletionContentPartImage.ImageUrl.builder()
                    .url("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
                    .detail(com.openai.models.chat.completions.ChatCompletionContentPartImage.ImageUrl.Detail.HIGH)
                    .build()).build()));
      }
      ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(model)
          .addUserMessageOfArrayOfContentParts(parts);
      try {
        client.chat().completions().create(maxTokens > 0 ? b.maxCompletionTokens(maxTokens).build() : b.build());
      } catch (RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
          if (c instanceof dev.llmbudget.BudgetExceededError) {
            System.out.println("IMAGE REFUSAL " + c.getMessage());
          }
        }
        throw e;
      }
    }
  }

  /**
   * A chat request with a text part and a {@code file} part that names an uploaded PDF by its id, a
   * few bytes that may bill the model's whole context window; prints the refusal's message. A class
   * of its own, so the oldest SDK's JVM never links the content-part types.
   */
  private static final class FileCall {
    static void send(OpenAIClient client, String model, long maxTokens) {
      ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model(model)
          .addUserMessageOfArrayOfContentParts(java.util.List.of(
              com.openai.models.chat.completions.ChatCompletionContentPart.ofText(
                  com.openai.models.chat.completions.ChatCompletionContentPartText.builder()
                      .text("Summarize this report.").build()),
              com.openai.models.chat.completions.ChatCompletionContentPart.ofFile(
                  com.openai.models.chat.completions.ChatCompletionContentPart.File.builder().file(
                      com.openai.models.chat.completions.ChatCompletionContentPart.File.FileObject.builder()
                          .fileId("file-report100pages").build()).build())));
      try {
        client.chat().completions().create(maxTokens > 0 ? b.maxCompletionTokens(maxTokens).build() : b.build());
      } catch (RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
          if (c instanceof dev.llmbudget.BudgetExceededError) {
            System.out.println("FILE REFUSAL " + c.getMessage());
          }
        }
        throw e;
      }
    }
  }

  /**
   * A gpt-5.4 Responses request with one image part, at {@code detail: original} (up to 10,000
   * patches, 12,000 tokens) or {@code auto} (1,844 at most); prints the refusal's message. A class of
   * its own: the oldest SDK has no {@code Detail.ORIGINAL}.
   */
  private static final class OriginalImageCall {
    static void send(OpenAIClient client, long maxTokens, boolean original) {
      com.openai.models.responses.ResponseInputImage image = com.openai.models.responses.ResponseInputImage.builder()
          .detail(original ? com.openai.models.responses.ResponseInputImage.Detail.ORIGINAL
              : com.openai.models.responses.ResponseInputImage.Detail.AUTO)
          .imageUrl("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
          .build();
      ResponseCreateParams.Builder b = ResponseCreateParams.builder().model("gpt-5.4").inputOfResponse(
          java.util.List.of(com.openai.models.responses.ResponseInputItem.ofMessage(
              com.openai.models.responses.ResponseInputItem.Message.builder()
                  .role(com.openai.models.responses.ResponseInputItem.Message.Role.USER)
                  .addInputTextContent("Read the small print.").addContent(image).build())));
      try {
        client.responses().create(maxTokens > 0 ? b.maxOutputTokens(maxTokens).build() : b.build());
      } catch (RuntimeException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
          if (c instanceof dev.llmbudget.BudgetExceededError) {
            System.out.println("IMAGE REFUSAL " + c.getMessage());
          }
        }
        throw e;
      }
    }
  }

  /**
   * Prepares {@code n} async requests the way the async client does before it sends one, and never
   * sends them, as an app whose calls are prepared and then abandoned would.
   */
  private void prepareUnsent(int n) throws Exception {
    com.openai.core.ClientOptions options = com.openai.core.ClientOptions.builder()
        .httpClient(com.openai.client.okhttp.OkHttpClient.builder().build()).apiKey("sk-test")
        .baseUrl("http://127.0.0.1:9/v1").build();
    // Reflection: javac does not see this Kotlin-internal method, the JVM (and the agent) do.
    java.lang.reflect.Method prepare = null;
    for (java.lang.reflect.Method m : com.openai.core.PrepareRequest.class.getMethods()) {
      if (m.getName().equals("prepareAsync") && m.getParameterCount() == 4) {
        prepare = m;
      }
    }
    Object security = Class.forName("com.openai.core.SecurityOptions").getMethod("all").invoke(null);
    for (int i = 0; i < n; i++) {
      com.openai.core.http.HttpRequest request = com.openai.core.http.HttpRequest.builder()
          .method(com.openai.core.http.HttpMethod.POST).baseUrl("http://127.0.0.1:9/v1")
          .addPathSegments("chat", "completions").build();
      ((java.util.concurrent.CompletableFuture<?>) prepare.invoke(null, request, options, params(), security)).get();
    }
  }
}
