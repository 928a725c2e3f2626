package dev.llmbudget.agent.instrumentation.langchain4j;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.tokens.TokenCounter;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One metered chat call between its reservation and its settlement, which happens exactly once:
 * at the response, at the first error, or when a stream's consumer cancels it. An answer the agent
 * could not read is charged what the call reserved and counted as unmetered.
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
  /** A partial response the agent could not read: {@link #received} is short of what was answered. */
  private volatile Throwable unreadPart;
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

  /** A streamed part could not be read: without a reported usage, the stream is charged what it reserved. */
  void unreadPart(Throwable cause) {
    if (unreadPart == null) {
      unreadPart = cause;
    }
  }

  /**
   * Charges the response's reported usage, or an estimate when it reports none; a response the
   * agent cannot read (or, streamed, whose text it could not all read) is charged what was reserved.
   */
  void complete(Object response) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      Usage usage = ChatRequests.usage(chatModel, response, request.model);
      if (usage == null) {
        // looked for only here, so an answer that reports its usage costs no lookup
        if (response != null && !Accessors.has(response, "tokenUsage") && !Accessors.has(response, "aiMessage")) {
          throw new IllegalStateException(response.getClass().getName() + " has neither tokenUsage() nor "
              + "aiMessage(): a LangChain4j answer of a shape the agent does not know");
        }
        if (unreadPart != null) {
          chargeReserved("a LangChain4j stream's partial response", unreadPart);
          return;
        }
        usage = estimate(ChatRequests.answerText(response));
      }
      reservation.commit(usage);
    } catch (Throwable t) {
      chargeReserved("a LangChain4j answer", t);
    }
  }

  /**
   * The call was answered (the provider bills it) but the agent cannot read what it cost: it pays
   * its reservation, the worst case, and is counted as unmetered rather than released uncharged.
   */
  private void chargeReserved(String what, Throwable cause) {
    Log.warnOnce("lc4j-unread:" + cause.getClass().getName(), "llm-budget: could not read " + what + " (" + cause
        + "); the call is charged what it reserved and counted as unmetered", cause);
    try {
      reservation.commit(reservation.amount(), request.model);
    } catch (Throwable again) {
      Log.warnOnce("lc4j-reserved:" + again.getClass().getName(), "llm-budget: could not charge a LangChain4j call "
          + "what it reserved (" + again + "); the reservation stays held until its lease ends", again);
    }
    CallCounters.unmetered();
  }

  /** A failed call is charged for the text it streamed before failing, else nothing. */
  void fail() {
    stoppedEarly();
  }

  /**
   * The consumer stopped the stream: it is charged for what was received, estimated; nothing
   * received, nothing charged. Text the agent could not read or estimate costs what was reserved.
   */
  void stoppedEarly() {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      if (unreadPart != null) {
        chargeReserved("a LangChain4j stream's partial response", unreadPart);
      } else if (received.isEmpty()) {
        reservation.release();
      } else {
        reservation.commit(estimate(received));
      }
    } catch (Throwable t) {
      chargeReserved("a stopped LangChain4j stream's partial text", t);
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
    long prompt = withMedia(counter.count(request.prompt.toString()) + overhead + imageTokens());
    long output = answer.tokens(counter);
    // a priority request is estimated at priority rates, as it was reserved
    return Usage.of(request.model, prompt, output).asEstimated()
        .withServiceTier(dev.llmbudget.internal.UsageJson.PRIORITY_TIER.equals(request.serviceTier)
            ? dev.llmbudget.internal.UsageJson.PRIORITY_TIER : null);
  }

  /** {@code prompt} with what the request's file parts were reserved at, as for images. */
  private long withMedia(long prompt) {
    if (request.mediaParts <= 0) {
      return prompt;
    }
    try {
      return dev.llmbudget.internal.BudgetEngine.mediaPromptTokens(reservation, request.model, request.mediaParts,
          prompt);
    } catch (RuntimeException e) {
      return prompt;
    }
  }

  /** What the request's images were reserved at: billed, and not in the text a tokenizer counts. */
  private long imageTokens() {
    if (request.images <= 0) {
      return 0;
    }
    try {
      return dev.llmbudget.internal.BudgetEngine.imageTokens(reservation, request.model, request.images,
          request.lowDetailImages, 0);
    } catch (RuntimeException e) {
      return 0;
    }
  }
}
