package dev.llmbudget.it.langchain4j;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.openaiofficial.OpenAiOfficialChatModel;
import dev.langchain4j.model.openaiofficial.OpenAiOfficialStreamingChatModel;
import dev.llmbudget.testkit.ChildApp;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The LangChain4j application the ITs run in a child JVM with the agent attached:
 * {@code ChatApp <openai|anthropic|ollama|official> <baseUrl> <maxTokens> <step>...}, a step being
 * {@code sync}, {@code text} (the {@code chat(String)} overload), {@code stream} or {@code early}
 * (a stream the consumer stops after its first piece), optionally {@code @user}, or
 * {@code budget:user=dollars}. Prints {@code STEP <step> OK|BLOCKED ...|ERROR ...} and the spend.
 */
public final class ChatApp {

  private static String PROVIDER;

  public static void main(String[] args) throws Exception {
    String provider = args[0];
    PROVIDER = provider;
    String baseUrl = args[1];
    int maxTokens = Integer.parseInt(args[2]);
    ChatModel chat = chatModel(provider, baseUrl, maxTokens);
    StreamingChatModel streaming = streamingModel(provider, baseUrl, maxTokens);
    ChildApp.runSteps(action -> run(chat, streaming, action), Arrays.copyOfRange(args, 3, args.length));
    System.exit(0);
  }

  /** {@code maxTokens} 0: no output cap at all, as most application code sends. */
  private static Integer cap(int maxTokens) {
    return maxTokens > 0 ? maxTokens : null;
  }

  static ChatModel chatModel(String provider, String baseUrl, int maxTokens) {
    switch (provider) {
      case "openai":
        return OpenAiChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("sk-test").modelName("gpt-4o-mini")
            .maxTokens(cap(maxTokens)).build();
      case "anthropic":
        return AnthropicChatModel.builder().baseUrl(baseUrl + "/v1/").apiKey("sk-ant-test")
            .modelName("claude-3-5-haiku-20241022").maxTokens(cap(maxTokens)).build();
      case "ollama":
        return OllamaChatModel.builder().baseUrl(baseUrl).modelName("llama3.1").numPredict(cap(maxTokens)).build();
      case "official":
        return OpenAiOfficialChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("sk-test").modelName("gpt-4o-mini")
            .maxCompletionTokens(cap(maxTokens)).build();
      default:
        throw new IllegalArgumentException(provider);
    }
  }

  static StreamingChatModel streamingModel(String provider, String baseUrl, int maxTokens) {
    switch (provider) {
      case "openai":
        return OpenAiStreamingChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("sk-test").modelName("gpt-4o-mini")
            .maxTokens(cap(maxTokens)).build();
      case "anthropic":
        return AnthropicStreamingChatModel.builder().baseUrl(baseUrl + "/v1/").apiKey("sk-ant-test")
            .modelName("claude-3-5-haiku-20241022").maxTokens(cap(maxTokens)).build();
      case "ollama":
        return OllamaStreamingChatModel.builder().baseUrl(baseUrl).modelName("llama3.1").numPredict(cap(maxTokens)).build();
      case "official":
        return OpenAiOfficialStreamingChatModel.builder().baseUrl(baseUrl + "/v1").apiKey("sk-test")
            .modelName("gpt-4o-mini").maxCompletionTokens(cap(maxTokens)).build();
      default:
        throw new IllegalArgumentException(provider);
    }
  }

  private static ChatRequest request() {
    return ChatRequest.builder()
        .messages(SystemMessage.from("You are terse."), UserMessage.from("Say hello to the budget."))
        .build();
  }

  /**
   * A user message of text and a high-detail base64 PNG {@code ImageContent}, as a multimodal app
   * sends it. A class of its own, so a JVM that never sends it never links the content types.
   */
  private static final class ImageRequest {
    static ChatRequest build() {
      return ChatRequest.builder().messages(UserMessage.from(
          dev.langchain4j.data.message.TextContent.from("What is in this picture?"),
          dev.langchain4j.data.message.ImageContent.from(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
              "image/png", dev.langchain4j.data.message.ImageContent.DetailLevel.HIGH))).build();
    }
  }

  private static void run(ChatModel chat, StreamingChatModel streaming, String action) throws Exception {
    switch (action) {
      case "sync": {
        ChatResponse r = chat.chat(request());
        require(r.aiMessage().text() != null, "no text");
        break;
      }
      case "text":
        require(chat.chat("Say hello to the budget.") != null, "no text");
        break;
      case "stream": {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request(), new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {}

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
        done.get(60, TimeUnit.SECONDS);
        break;
      }
      case "hanging": {
        // A stream to a server that never answers in time: its handler gets no callback at all.
        StreamingChatModel slow = streamingModel(PROVIDER, System.getProperty("it.slowBaseUrl"), 100);
        slow.chat(request(), new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {}

          @Override
          public void onCompleteResponse(ChatResponse response) {}

          @Override
          public void onError(Throwable error) {}
        });
        break;
      }
      case "sleep3":
        Thread.sleep(3000);
        break;
      case "image":
        try {
          require(chat.chat(ImageRequest.build()).aiMessage().text() != null, "no text");
        } catch (RuntimeException e) {
          for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof dev.llmbudget.BudgetExceededError) {
              System.out.println("REFUSAL image " + c.getMessage());
            }
          }
          throw e;
        }
        break;
      case "early":
        if (hasStreamingHandle()) {
          CancellingHandler.runOn(streaming, request());
        } else {
          stopByThrowing(streaming);
        }
        break;
      default:
        throw new IllegalArgumentException(action);
    }
  }

  /** LangChain4j 1.0.x has no way to cancel a stream; a consumer that gives up throws from its callback. */
  private static void stopByThrowing(StreamingChatModel streaming) throws Exception {
    CompletableFuture<Object> ended = new CompletableFuture<>();
    streaming.chat(request(), new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        throw new IllegalStateException("the consumer has seen enough");
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        ended.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        ended.complete(error);
      }
    });
    ended.get(60, TimeUnit.SECONDS);
  }

  private static boolean hasStreamingHandle() {
    try {
      Class.forName("dev.langchain4j.model.chat.response.StreamingHandle");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
