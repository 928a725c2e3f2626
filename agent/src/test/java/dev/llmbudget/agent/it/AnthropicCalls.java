package dev.llmbudget.agent.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;

/** anthropic-java calls, written against the API that 2.x and 3.x share. */
final class AnthropicCalls implements LlmCalls {
  static final String MODEL = "claude-3-5-haiku-20241022";
  private final AnthropicClient client;
  private final long maxTokens;

  AnthropicCalls(String baseUrl, long maxTokens) {
    this.client = AnthropicOkHttpClient.builder().baseUrl(baseUrl).apiKey("sk-ant-test").maxRetries(2).build();
    this.maxTokens = maxTokens;
  }

  private MessageCreateParams params() {
    return MessageCreateParams.builder().model(MODEL).maxTokens(maxTokens).addUserMessage("Say hello to the budget.")
        .build();
  }

  @Override
  public void sync() {
    client.messages().create(params());
  }

  @Override
  public void async() throws Exception {
    client.async().messages().create(params()).get();
  }

  @Override
  public void stream() {
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params())) {
      s.stream().forEach(e -> { });
    }
  }

  @Override
  public void streamEarly() {
    try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params())) {
      s.stream().limit(3).forEach(e -> { });
    }
  }

  @Override
  public void other(String name) {
    switch (name) {
      case "beta":
        client.beta().messages().create(com.anthropic.models.beta.messages.MessageCreateParams.builder().model(MODEL)
            .maxTokens(maxTokens).addUserMessage("Say hello.").build());
        break;
      case "raw":
        client.messages().withRawResponse().create(params()).parse();
        break;
      default:
        throw new IllegalArgumentException(name);
    }
  }
}
