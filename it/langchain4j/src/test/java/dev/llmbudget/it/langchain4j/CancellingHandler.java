package dev.llmbudget.it.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A consumer that cancels the stream after its first piece (LangChain4j 1.2+; loaded only there). */
final class CancellingHandler implements StreamingChatResponseHandler {

  private final CompletableFuture<Object> stopped = new CompletableFuture<>();

  static void runOn(StreamingChatModel model, ChatRequest request) throws Exception {
    CancellingHandler handler = new CancellingHandler();
    model.chat(request, handler);
    handler.stopped.get(60, TimeUnit.SECONDS);
  }

  @Override
  public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
    context.streamingHandle().cancel();
    stopped.complete(partial);
  }

  @Override
  public void onCompleteResponse(ChatResponse response) {
    stopped.complete(response);
  }

  @Override
  public void onError(Throwable error) {
    stopped.complete(error);
  }
}
