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
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
      s.stream().forEach(c -> { });
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
      case "stream-nousage":
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params())) {
          s.stream().forEach(c -> { });
        }
        break;
      case "raw":
        client.chat().completions().withRawResponse().create(params()).parse();
        break;
      case "responses":
        ResponseCreateParams.Builder responses = ResponseCreateParams.builder().model(MODEL).input("Say hello.");
        client.responses().create(maxTokens > 0 ? responses.maxOutputTokens(maxTokens).build() : responses.build());
        break;
      case "embeddings":
        client.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
            .input("embed me").build());
        break;
      default:
        throw new IllegalArgumentException(name);
    }
  }
}
