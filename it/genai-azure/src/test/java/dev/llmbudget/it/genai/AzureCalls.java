package dev.llmbudget.it.genai;

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

  private final OpenAIClient client;
  private final long maxTokens;

  AzureCalls(String baseUrl, long maxTokens) {
    // The key goes in the api-key header as AzureKeyCredential would send it; azure-core refuses
    // that credential on plain HTTP, and the fake server listens on plain HTTP.
    client = new OpenAIClientBuilder().endpoint(baseUrl)
        .addPolicy((context, next) -> {
          context.getHttpRequest().setHeader("api-key", "test-azure-key");
          return next.process();
        })
        .buildClient();
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
    throw new UnsupportedOperationException("the ITs do not drive OpenAIAsyncClient");
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
  public void other(String name) {
    if (name.equals("embeddings")) {
      int n = client.getEmbeddings(EMBEDDING_DEPLOYMENT, new EmbeddingsOptions(List.of("hello budget"))).getData().size();
      if (n != 1) {
        throw new IllegalStateException("embeddings: " + n);
      }
    } else {
      throw new IllegalArgumentException(name);
    }
  }

  private static void check(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalStateException("empty answer");
    }
  }
}
