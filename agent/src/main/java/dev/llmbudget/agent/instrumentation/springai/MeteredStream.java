package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.FailurePolicy;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.Log;

/**
 * One subscription to a metered {@code stream(Prompt)}: it watches the chunks go by and settles
 * when the stream completes, fails or is cancelled. The usage is the largest each chunk reported
 * (providers report it cumulatively, often only in the last chunk); without any, the prompt and
 * the text received are counted and the charge is marked estimated.
 */
final class MeteredStream {

  private final MeteredChat call;
  private final Reservation reservation;
  /** Bounded: a huge stream keeps only a prefix and counts the rest. */
  private final StreamedText text = new StreamedText();
  private Usage usage;
  private String responseModel;
  private boolean settled;
  /** A chunk the agent could not read: the text received is short of what was answered. */
  private Throwable unreadChunk;

  private MeteredStream(MeteredChat call, Reservation reservation) {
    this.call = call;
    this.reservation = reservation;
  }

  /**
   * {@code Flux.defer(() -> flux.doOnNext(..).doFinally(..))}: each subscription sends the request
   * again, so each is reserved (the first one uses the reservation taken before the call) and
   * settled on its own.
   */
  static Object wrap(MeteredChat call, Object flux) {
    ReactorFlux reactor;
    try {
      reactor = ReactorFlux.of(call.model);
    } catch (Throwable t) {
      CallCounters.unmetered();
      Log.warnOnce("springai-stream:" + t.getClass().getName(), "llm-budget: could not meter a Spring AI stream ("
          + t + "); it goes on unmetered", t);
      call.release();
      return flux;
    }
    try {
      return reactor.defer(() -> subscribe(reactor, call, flux));
    } catch (Throwable t) {
      call.release();
      return unmetered(reactor, flux, t);
    }
  }

  /**
   * A stream that cannot be metered, not yet subscribed (nothing sent): as the failure policy
   * decides, a Flux failing with its refusal, or {@code flux} itself, counted.
   */
  private static Object unmetered(ReactorFlux reactor, Object flux, Throwable cause) {
    BudgetExceededError refused = FailurePolicy.get().refusalFor("a Spring AI stream", cause);
    if (refused == null) {
      return flux;
    }
    try {
      return reactor.error(refused);
    } catch (Throwable x) {
      CallCounters.unmetered();
      Log.warnOnce("springai-refuse:" + x.getClass().getName(), "llm-budget: could not refuse a Spring AI stream ("
          + x + ") as " + refused.getMessage() + " requires; it goes on unmetered", x);
      return flux;
    }
  }

  private static Object subscribe(ReactorFlux reactor, MeteredChat call, Object flux) {
    Reservation reservation;
    try {
      reservation = call.reservationForSubscription();
    } catch (Throwable t) {
      BudgetExceededError refused = FailurePolicy.get().refusalFor("a Spring AI stream", t);
      if (refused == null) {
        return flux;
      }
      try {
        return reactor.error(refused);
      } catch (Throwable x) {
        throw refused;
      }
    }
    MeteredStream meter = new MeteredStream(call, reservation);
    try {
      // Settled as the completion passes, before the caller's blockLast() returns (Reactor runs
      // doFinally only after the downstream saw it); doFinally settles errors and cancellations.
      return reactor.doFinally(reactor.doOnComplete(reactor.doOnNext(flux, meter::onNext), meter::onComplete),
          meter::onFinally);
    } catch (Throwable t) {
      reservation.release();
      return unmetered(reactor, flux, t);
    }
  }

  /** Never throws: an exception here would fail the host's stream. */
  synchronized void onNext(Object chunk) {
    try {
      Object metadata = Accessors.get(chunk, "getMetadata");
      if (metadata == null) {
        MeteredChat.checkShape(chunk); // only here: a ChatResponse always has metadata
      }
      String model = Accessors.string(metadata, "getModel");
      if (model != null && !model.isBlank()) {
        responseModel = model;
      }
      usage = UsageReader.max(usage, UsageReader.read(call.chargedModel(responseModel), Accessors.get(metadata, "getUsage")));
      text.append(MeteredChat.text(chunk));
    } catch (Throwable t) {
      Log.warnOnce("springai-chunk:" + t.getClass().getName(), "llm-budget: could not read a Spring AI stream chunk ("
          + t + "); unless the stream reports its usage, it is charged what it reserved", t);
      if (unreadChunk == null) {
        unreadChunk = t;
      }
    }
  }

  /** The stream completed: settled now, so that a caller who sees the end sees the charge. */
  void onComplete() {
    onFinally("ON_COMPLETE");
  }

  /** Called once with Reactor's {@code SignalType}: on completion, error or cancellation. */
  synchronized void onFinally(Object signal) {
    if (settled) {
      return;
    }
    settled = true;
    try {
      String model = call.chargedModel(responseModel);
      if (usage != null) {
        reservation.commit(withModel(usage, model));
      } else if (unreadChunk != null) {
        call.unreadable(reservation, "a Spring AI stream chunk", unreadChunk);
      } else if (!text.isEmpty() || "ON_COMPLETE".equals(String.valueOf(signal))) {
        reservation.commit(call.estimate(model, text));
      } else {
        reservation.release();
      }
    } catch (Throwable t) {
      call.unreadable(reservation, "a Spring AI stream's usage or text", t);
    }
  }

  private static Usage withModel(Usage u, String model) {
    return model.equals(u.model()) ? u : new Usage(model, u.inputTokens(), u.outputTokens(), u.cacheReadTokens(),
        u.cacheWrite5mTokens(), u.cacheWrite1hTokens(), u.reasoningTokens(), u.estimated(), u.serviceTier(),
        u.audioInputTokens(), u.audioOutputTokens());
  }
}
