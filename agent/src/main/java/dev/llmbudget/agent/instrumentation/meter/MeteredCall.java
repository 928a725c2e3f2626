package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.tokens.TokenCounter;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiFunction;

/**
 * One LLM call between its reservation and its settlement, which happens once: a commit or a
 * release, whichever comes first. {@link #reserve} is the only method that lets an exception
 * reach the host, and only {@link BudgetExceededError} and (policy {@code block}) {@link
 * UnknownModelException}; every other failure of ours is logged once and the call goes on
 * unmetered.
 */
public final class MeteredCall {

  /** Tokens OpenAI adds per chat message and to prime the reply, as core counts them. */
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;
  private static final AtomicIntegerFieldUpdater<MeteredCall> SETTLED =
      AtomicIntegerFieldUpdater.newUpdater(MeteredCall.class, "settled");

  /** How a seam hands back its SDK's response with the body metered by the call, or settles it there. */
  @FunctionalInterface
  public interface ResponseWrapper {
    /** {@code response} metered by {@code call}; a response it cannot meter is returned after {@code call.release()}. */
    Object wrap(MeteredCall call, Object response) throws Throwable;
  }

  private final Reservation reservation;
  private final LlmRequest request;
  private volatile int settled;

  MeteredCall(Reservation reservation, LlmRequest request) {
    this.reservation = reservation;
    this.request = request;
  }

  /**
   * Reserves the worst-case cost of {@code request} for {@code user} ({@code null}: the global
   * budget only); returns {@code null} when there is no request or the call cannot be metered.
   */
  public static MeteredCall reserve(String user, LlmRequest request) {
    if (request == null) {
      return null;
    }
    Reservation reservation;
    try {
      reservation = BudgetRuntime.get().engine().reserveForCall(user, request.model(), request.prompt(),
          request.messageCount(), request.maxOutputTokens());
    } catch (BudgetExceededError | UnknownModelException e) {
      throw e;
    } catch (Throwable t) {
      CallCounters.unmetered();
      Log.warnOnce("reserve:" + t.getClass().getName(), "llm-budget: could not reserve the cost of an LLM call ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
    return new MeteredCall(reservation, request);
  }

  /** As {@link #reserve}, but a refused call becomes a {@link Refusal} for an async SDK method to report. */
  public static Object reserveOrRefuse(String user, LlmRequest request) {
    try {
      return reserve(user, request);
    } catch (BudgetExceededError | UnknownModelException e) {
      return new Refusal(e);
    }
  }

  /** The user the current thread works for, or {@code null}; never throws. */
  public static String currentUser() {
    try {
      return BudgetContext.currentUser();
    } catch (Throwable t) {
      Log.warnOnce("user:" + t.getClass().getName(), "llm-budget: could not tell the user of an LLM call (" + t
          + "); it is charged to the global budget only", t);
      return null;
    }
  }

  /**
   * What a blocking method's exit advice returns: {@code response} metered through {@code wrapper}
   * when {@code state} is a call that got one; a call that failed is released.
   */
  public static Object exit(Object state, Object response, Throwable thrown, ResponseWrapper wrapper) {
    if (!(state instanceof MeteredCall)) {
      return response;
    }
    MeteredCall call = (MeteredCall) state;
    if (thrown != null || response == null) {
      call.release();
      return response;
    }
    return call.wrap(response, wrapper);
  }

  /**
   * The async form of {@link #exit}: a future that completes as {@code future} does, with the
   * response metered; a refused call's future fails with the budget's error. Cancelling it cancels
   * the SDK's.
   */
  @SuppressWarnings("unchecked")
  public static Object exitAsync(Object state, Object future, Throwable thrown, ResponseWrapper wrapper) {
    if (state instanceof Refusal) {
      return CompletableFuture.failedFuture(((Refusal) state).error);
    }
    if (!(state instanceof MeteredCall)) {
      return future;
    }
    MeteredCall call = (MeteredCall) state;
    if (thrown != null || !(future instanceof CompletableFuture)) {
      call.release();
      return future;
    }
    return whenDone((CompletableFuture<Object>) future, (response, failure) -> {
      if (failure != null || response == null) {
        call.release();
        return response;
      }
      return call.wrap(response, wrapper);
    });
  }

  /**
   * A future that completes as {@code source} does, after {@code settle} saw how it completed: with
   * the value {@code settle} returns, or {@code source}'s failure. Cancelling it cancels {@code source}.
   */
  public static CompletableFuture<Object> whenDone(CompletableFuture<Object> source,
      BiFunction<Object, Throwable, Object> settle) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    source.whenComplete((response, failure) -> {
      Object value = response;
      try {
        value = settle.apply(response, failure);
      } finally {
        if (failure != null) {
          done.completeExceptionally(failure);
        } else {
          done.complete(value);
        }
      }
    });
    done.whenComplete((r, t) -> {
      if (done.isCancelled()) {
        source.cancel(false);
      }
    });
    return done;
  }

  private Object wrap(Object response, ResponseWrapper wrapper) {
    try {
      return wrapper.wrap(this, response);
    } catch (Throwable t) {
      Log.warnOnce("wrap:" + t.getClass().getName(), "llm-budget: could not meter an LLM response (" + t
          + "); the call is not charged", t);
      release();
      return response;
    }
  }

  /** The model the request named. */
  public String model() {
    return request.model();
  }

  /** A meter of this call's response body, which settles the call when it ends. */
  public BodyMeter body(int status) {
    return new BodyMeter(this, status);
  }

  /** A stream that passes {@code body} through and settles this call at its end or close. */
  public InputStream meter(InputStream body, int status) {
    return body(status).stream(body, null);
  }

  /** Settles this call from a body that was read whole. */
  public void settle(byte[] body, int status) {
    BodyMeter meter = body(status);
    meter.accept(body, 0, body.length);
    meter.finish();
  }

  /** Charges {@code usage}, unless the call is settled already; a failed charge releases the reservation. */
  public void commit(Usage usage) {
    if (!SETTLED.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      reservation.commit(usage);
    } catch (Throwable t) {
      Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not charge an LLM call (" + t
          + "); its reservation is released", t);
      releaseReservation();
    }
  }

  /** Frees the reservation without a charge, unless the call is settled already: it failed before an answer came. */
  public void release() {
    if (SETTLED.compareAndSet(this, 0, 1)) {
      releaseReservation();
    }
  }

  private void releaseReservation() {
    try {
      reservation.release();
    } catch (Throwable t) {
      Log.warnOnce("release:" + t.getClass().getName(), "llm-budget: could not release a reservation (" + t + ")", t);
    }
  }

  /**
   * An estimate for an answer that reported no usage: the prompt and {@code output} counted with
   * {@code model}'s tokenizer, plus the per-message overhead.
   */
  public Usage estimate(String model, CharSequence output) {
    TokenCounter counter = TokenCounter.forModel(model);
    long out = output.length() == 0 ? 0 : counter.count(output.toString());
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    long input = counter.count(request.prompt().toString()) + overhead;
    return new Usage(model, input, out, 0, 0, 0, 0, true);
  }

  /** Charges the reported usage, else (a successful call) an estimate, else nothing. */
  void settle(ChunkReader reader, boolean ok) {
    Usage usage = reader.usage();
    if (usage != null) {
      commit(usage);
    } else if (ok) {
      commit(estimate(reader.model() == null ? request.model() : reader.model(), reader.text()));
    } else {
      release();
    }
  }
}
