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
      case "image":
        ImageCall.send(client, maxTokens);
        break;
      default:
        throw new IllegalArgumentException(name);
    }
  }

  /**
   * A message with a text block and a base64 PNG image block, as a multimodal app sends it; prints
   * the refusal's message. A class of its own, so a JVM that never sends it never links the image types.
   */
  private static final class ImageCall {
    static void send(AnthropicClient client, long maxTokens) {
      java.util.List<com.anthropic.models.messages.ContentBlockParam> blocks = java.util.List.of(
          com.anthropic.models.messages.ContentBlockParam.ofText(
              com.anthropic.models.messages.TextBlockParam.builder().text("What is in this picture?").build()),
          com.anthropic.models.messages.ContentBlockParam.ofImage(com.anthropic.models.messages.ImageBlockParam.builder()
              .source(com.anthropic.models.messages.Base64ImageSource.builder()
                  .mediaType(com.anthropic.models.messages.Base64ImageSource.MediaType.IMAGE_PNG)
                  .data("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
                  .build())
              .build()));
      try {
        client.messages().create(MessageCreateParams.builder().model(MODEL).maxTokens(maxTokens)
            .addUserMessageOfContentBlockParams(blocks).build());
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
}
