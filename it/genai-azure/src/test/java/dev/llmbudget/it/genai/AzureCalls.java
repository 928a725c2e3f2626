package dev.llmbudget.it.genai;

import com.azure.ai.openai.OpenAIAsyncClient;
import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.ai.openai.models.EmbeddingsOptions;
import com.azure.core.util.IterableStream;
import java.util.Iterator;
import java.util.List;

/** azure-ai-openai against the fake server: an Azure endpoint with an api-key header, calling deployment {@link #DEPLOYMENT}. */
final class AzureCalls implements LlmCalls {

  static final String DEPLOYMENT = "team-mini";
  static final String EMBEDDING_DEPLOYMENT = "team-embed";

  /** Streams an app abandoned but still holds. */
  private static final java.util.List<Object> ABANDONED = new java.util.ArrayList<>();
  private final OpenAIClient client;
  private final OpenAIAsyncClient asyncClient;
  private final long maxTokens;

  AzureCalls(String baseUrl, long maxTokens) {
    // The key goes in the api-key header as AzureKeyCredential would send it; azure-core refuses
    // that credential on plain HTTP, and the fake server listens on plain HTTP.
    OpenAIClientBuilder builder = new OpenAIClientBuilder().endpoint(baseUrl)
        .addPolicy((context, next) -> {
          context.getHttpRequest().setHeader("api-key", "test-azure-key");
          return next.process();
        });
    client = builder.buildClient();
    asyncClient = builder.buildAsyncClient();
    this.maxTokens = maxTokens;
  }

  private ChatCompletionsOptions options() {
    List<ChatRequestMessage> messages = List.of(new ChatRequestUserMessage("Say hello to the budget."));
    ChatCompletionsOptions options = new ChatCompletionsOptions(messages);
    // 0: no output cap at all, as most application code sends.
    return maxTokens > 0 ? options.setMaxTokens((int) maxTokens) : options;
  }

  @Override
  public void sync() {
    ChatCompletions c = client.getChatCompletions(DEPLOYMENT, options());
    check(c.getChoices().get(0).getMessage().getContent());
  }

  @Override
  public void async() {
    ChatCompletions c = asyncClient.getChatCompletions(DEPLOYMENT, options()).block();
    check(c.getChoices().get(0).getMessage().getContent());
  }

  /** OpenAIAsyncClient's stream, as Spring AI's AzureOpenAiChatModel.stream() drives it. */
  private void asyncStream() {
    StringBuilder text = new StringBuilder();
    asyncClient.getChatCompletionsStream(DEPLOYMENT, options()).doOnNext(chunk -> {
      if (!chunk.getChoices().isEmpty() && chunk.getChoices().get(0).getDelta() != null
          && chunk.getChoices().get(0).getDelta().getContent() != null) {
        text.append(chunk.getChoices().get(0).getDelta().getContent());
      }
    }).blockLast();
    check(text.toString());
  }

  @Override
  public void stream() {
    StringBuilder text = new StringBuilder();
    for (ChatCompletions chunk : client.getChatCompletionsStream(DEPLOYMENT, options())) {
      if (!chunk.getChoices().isEmpty() && chunk.getChoices().get(0).getDelta() != null
          && chunk.getChoices().get(0).getDelta().getContent() != null) {
        text.append(chunk.getChoices().get(0).getDelta().getContent());
      }
    }
    check(text.toString());
  }

  @Override
  public void streamEarly() {
    IterableStream<ChatCompletions> s = client.getChatCompletionsStream(DEPLOYMENT, options());
    Iterator<ChatCompletions> it = s.iterator();
    it.next();
  }

  @Override
  public void other(String name) throws Exception {
    if (name.equals("abandon")) {
      // A blocking stream the app keeps and never iterates: its answer is never read.
      ABANDONED.add(client.getChatCompletionsStream(DEPLOYMENT, options()));
    } else if (name.equals("sleep3")) {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (name.equals("image")) {
      CallsApp.printingRefusal(name, () -> check(client.getChatCompletions(DEPLOYMENT, ImageCall.options(maxTokens))
          .getChoices().get(0).getMessage().getContent()));
    } else if (name.equals("astream")) {
      asyncStream();
    } else if (name.equals("embeddings")) {
      int n = client.getEmbeddings(EMBEDDING_DEPLOYMENT, new EmbeddingsOptions(List.of("hello budget"))).getData().size();
      if (n != 1) {
        throw new IllegalStateException("embeddings: " + n);
      }
    } else {
      throw new IllegalArgumentException(name);
    }
  }

  /**
   * A user message of a text item and a high-detail base64 PNG image item, as a multimodal app sends
   * it. A class of its own, so a JVM that never sends it never links the content-item types.
   */
  private static final class ImageCall {
    static ChatCompletionsOptions options(long maxTokens) {
      List<com.azure.ai.openai.models.ChatMessageContentItem> items = List.of(
          new com.azure.ai.openai.models.ChatMessageTextContentItem("What is in this picture?"),
          new com.azure.ai.openai.models.ChatMessageImageContentItem(new com.azure.ai.openai.models.ChatMessageImageUrl(
              "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
              .setDetail(com.azure.ai.openai.models.ChatMessageImageDetailLevel.HIGH)));
      ChatCompletionsOptions options = new ChatCompletionsOptions(List.of(new ChatRequestUserMessage(items)));
      return maxTokens > 0 ? options.setMaxTokens((int) maxTokens) : options;
    }
  }

  private static void check(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalStateException("empty answer");
    }
  }
}
