package dev.llmbudget.agent.instrumentation.langchain4j;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.Log;
import dev.llmbudget.tokens.TokenCounter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One metered chat call between its reservation and its settlement, which happens exactly once:
 * at the response, at the first error, or when a stream's consumer cancels it.
 */
final class MeteredChat {

  /** Tokens OpenAI adds per chat message and to prime the reply, as core counts them. */
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;

  final Object chatModel;
  /** Set when the stream's handler could not be followed and the failure policy refuses the call. */
  BudgetExceededError refusal;
  private final Reservation reservation;
  private final ChatRequests.Request request;
  private final AtomicBoolean settled = new AtomicBoolean();
  /** Bounded: a huge stream keeps only a prefix and counts the rest. */
  private final StreamedText received = new StreamedText();
  /** The {@code ChatRequest} passed on in place of the caller's, with a clamped cap; null: the caller's. */
  private Object sentRequest;

  MeteredChat(Object chatModel, Reservation reservation, ChatRequests.Request request) {
    this.chatModel = chatModel;
    this.reservation = reservation;
    this.request = request;
  }

  /** Text a stream delivered so far, for the estimate if it never completes. */
  void sendInstead(Object request) {
    this.sentRequest = request;
  }

  Object requestToSend(Object original) {
    return sentRequest == null ? original : sentRequest;
  }

  void received(String text) {
    received.append(text);
  }

  /** Charges the response's reported usage, or an estimate when it reports none. */
  void complete(Object response) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      Usage usage = ChatRequests.usage(chatModel, response, request.model);
      if (usage == null) {
        usage = estimate(ChatRequests.answerText(response));
      }
      reservation.commit(usage);
    } catch (Throwable t) {
      Log.warnOnce("lc4j-commit:" + t.getClass().getName(), "llm-budget: could not charge a LangChain4j call ("
          + t + "); it is not charged", t);
      reservation.release();
    }
  }

  /** A failed call is charged for the text it streamed before failing, else nothing. */
  void fail() {
    stoppedEarly();
  }

  /** The consumer stopped the stream: it is charged for what was received, estimated. */
  void stoppedEarly() {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      if (received.isEmpty()) {
        reservation.release();
      } else {
        reservation.commit(estimate(received));
      }
    } catch (Throwable t) {
      Log.warnOnce("lc4j-partial:" + t.getClass().getName(), "llm-budget: could not charge a stopped LangChain4j "
          + "stream (" + t + "); it is not charged", t);
      reservation.release();
    }
  }

  /** Nothing is charged: the agent could not follow the call. */
  void release() {
    if (settled.compareAndSet(false, true)) {
      reservation.release();
    }
  }

  private Usage estimate(String answer) {
    StreamedText text = new StreamedText();
    text.append(answer);
    return estimate(text);
  }

  private Usage estimate(StreamedText answer) {
    TokenCounter counter = TokenCounter.forModel(request.model);
    long overhead = request.messageCount <= 0 ? 0
        : (long) request.messageCount * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    long prompt = counter.count(request.prompt.toString()) + overhead;
    long output = answer.tokens(counter);
    return Usage.of(request.model, prompt, output).asEstimated();
  }
}
