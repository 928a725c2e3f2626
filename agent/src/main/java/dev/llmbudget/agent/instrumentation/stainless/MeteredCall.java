package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.Log;
import dev.llmbudget.tokens.TokenCounter;
import java.lang.ref.Cleaner;

/** One metered LLM call between its reservation and its settlement. */
final class MeteredCall {

  /** Tokens OpenAI adds per chat message and to prime the reply, as core counts them. */
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;

  private static final Cleaner ABANDONED = Cleaner.create(r -> {
    Thread t = new Thread(r, "llm-budget-abandoned-responses");
    t.setDaemon(true);
    return t;
  });

  final SdkHandles handles;
  private final Reservation reservation;
  private final LlmRequest request;

  MeteredCall(SdkHandles handles, Reservation reservation, LlmRequest request) {
    this.handles = handles;
    this.reservation = reservation;
    this.request = request;
  }

  String model() {
    return request.model();
  }

  /** A proxy of the SDK's {@code HttpResponse} whose body is metered; the response itself on failure. */
  Object wrap(Object response) {
    try {
      ResponseMeter meter = new ResponseMeter(this, handles.statusCode(response));
      Object proxy = handles.responseProxy(new MeteredResponse(handles, response, meter));
      // A response dropped unread and unclosed would hold its reservation for ever.
      ABANDONED.register(proxy, meter::finish);
      return proxy;
    } catch (Throwable t) {
      Log.warnOnce("wrap:" + t.getClass().getName(), "llm-budget: could not meter an LLM response (" + t
          + "); the call is not charged", t);
      release();
      return response;
    }
  }

  void commit(Usage usage) {
    reservation.commit(usage);
  }

  void release() {
    reservation.release();
  }

  /** The prompt's tokens as the provider would count them, for an estimate when it reports none. */
  long promptTokens() {
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    return TokenCounter.forModel(request.model()).count(request.prompt().toString()) + overhead;
  }

  long countTokens(String model, CharSequence text) {
    return text.length() == 0 ? 0 : TokenCounter.forModel(model).count(text.toString());
  }
}
