package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.tokens.TokenCounter;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** One metered Spring AI call, from its reservation to its settlement. */
final class MeteredChat {

  /** Tokens OpenAI adds per chat message and to prime the reply, as core counts them. */
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;

  final Object model;
  private final String user;
  private final ChatRequest request;
  /** Held for the call, or for a stream's first subscription; later subscriptions reserve anew. */
  private final AtomicReference<Reservation> reserved;

  MeteredChat(Object model, String user, ChatRequest request, Reservation reservation) {
    this.model = model;
    this.user = user;
    this.request = request;
    this.reserved = new AtomicReference<>(reservation);
  }

  /** The reservation of one subscription: the one taken before the call, then new ones (which may be refused). */
  Reservation reservationForSubscription() {
    Reservation first = reserved.getAndSet(null);
    if (first != null) {
      return first;
    }
    return request.reserve(user);
  }

  void release() {
    Reservation r = reserved.getAndSet(null);
    if (r != null) {
      r.release();
    }
  }

  /** Charges a blocking call's response. */
  void settle(Object response) {
    Reservation r = reserved.getAndSet(null);
    if (r == null) {
      return;
    }
    try {
      Object metadata = Accessors.get(response, "getMetadata");
      if (metadata == null) {
        checkShape(response); // only here: a ChatResponse always has metadata, so the usual answer costs no lookup
      }
      String model = chargedModel(Accessors.string(metadata, "getModel"));
      Usage usage = UsageReader.read(model, Accessors.get(metadata, "getUsage"));
      if (usage == null) {
        usage = estimate(model, text(response));
      }
      r.commit(usage);
    } catch (Throwable t) {
      unreadable(r, "the usage of a Spring AI response", t);
    }
  }

  /** Throws for a {@code ChatResponse} (or stream chunk) without the getters the agent reads: a Spring AI it does not know. */
  static void checkShape(Object response) {
    if (response != null && !Accessors.has(response, "getMetadata") && !Accessors.has(response, "getResults")) {
      throw new IllegalStateException(response.getClass().getName() + " has neither getMetadata() nor getResults():"
          + " a Spring AI answer of a shape the agent does not know");
    }
  }

  /**
   * The call was answered (the provider bills it) but the agent cannot read what it cost: it pays
   * its reservation, the worst case, and is counted as unmetered rather than released uncharged.
   */
  void unreadable(Reservation r, String what, Throwable cause) {
    Log.warnOnce("springai-unread:" + cause.getClass().getName(), "llm-budget: could not read " + what + " (" + cause
        + "); the call is charged what it reserved and counted as unmetered", cause);
    chargeReserved(r);
    CallCounters.unmetered();
  }

  /** Where the usage cannot be read, the reserved worst case is the honest charge. */
  void chargeReserved(Reservation r) {
    try {
      r.commit(r.amount(), request.model());
    } catch (RuntimeException e) {
      r.release();
    }
  }

  /** The response's model when the price table knows it (a dated snapshot), else the requested one. */
  String chargedModel(String responseModel) {
    if (responseModel != null && !responseModel.isBlank() && !responseModel.equals(request.model())) {
      try {
        BudgetEngine engine = BudgetRuntime.get().engine();
        if (engine.prices().resolve(responseModel).isPresent()) {
          return responseModel;
        }
      } catch (RuntimeException e) {
        // fall back to the requested model
      }
    }
    return request.model();
  }

  /** The provider reported no usage: the prompt as counted and the text received, marked estimated. */
  Usage estimate(String model, CharSequence received) {
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    TokenCounter counter = TokenCounter.forModel(model);
    long input = withMedia(model, counter.count(request.prompt().toString()) + overhead + imageTokens(model));
    long output = received.length() == 0 ? 0 : counter.count(received.toString());
    return Usage.of(model, input, output).asEstimated();
  }

  /** As {@link #estimate(String, CharSequence)}, for a stream's text of which only a bounded part was kept. */
  Usage estimate(String model, StreamedText received) {
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    TokenCounter counter = TokenCounter.forModel(model);
    long input = withMedia(model, counter.count(request.prompt().toString()) + overhead + imageTokens(model));
    return Usage.of(model, input, received.tokens(counter)).asEstimated();
  }

  /** {@code input} with what the request's file parts were reserved at, as for images. */
  private long withMedia(String model, long input) {
    if (request.mediaParts() <= 0) {
      return input;
    }
    try {
      return dev.llmbudget.internal.BudgetRuntime.get().engine().mediaPromptTokens(model, request.mediaParts(), input);
    } catch (RuntimeException e) {
      return input;
    }
  }

  /** What the request's images were reserved at: billed, and not in the text a tokenizer counts. */
  private long imageTokens(String model) {
    if (request.images() <= 0) {
      return 0;
    }
    try {
      // the engine that reserved the call (ChatRequest.reserve)
      return dev.llmbudget.internal.BudgetRuntime.get().engine().imageTokens(model, request.images(), 0, 0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The text of every generation in a response (or stream chunk). */
  static String text(Object response) throws ReflectiveOperationException {
    Object results = Accessors.get(response, "getResults");
    if (!(results instanceof List)) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    for (Object generation : (List<?>) results) {
      String t = Accessors.string(Accessors.get(generation, "getOutput"), "getText");
      if (t != null) {
        sb.append(t);
      }
    }
    return sb.toString();
  }
}
