package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.FailurePolicy;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.UsageJson;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.tokens.TokenCounter;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiFunction;

/**
 * One LLM call between its reservation and its settlement, which happens once: a commit or a
 * release, whichever comes first. {@link #reserve} is the only method that lets an exception
 * reach the host, and only {@link BudgetExceededError} (which {@link UnknownModelException} and
 * the failure policy's refusal are); every other failure of ours goes to {@link FailurePolicy}.
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
    /** {@code response} metered by {@code call}; a response it cannot meter is returned as it is, the call charged what it reserved. */
    Object wrap(MeteredCall call, Object response) throws Throwable;
  }

  /**
   * Test-only ({@code -Dllmbudget.test.check_reservations=true}): every charge is compared with its
   * reservation, and one above it is printed as a line starting {@code LLMBUDGET RESERVATION
   * EXCEEDED}, for the ITs to find.
   */
  private static final boolean CHECK_RESERVATIONS = Boolean.getBoolean("llmbudget.test.check_reservations");

  private final Reservation reservation;
  private final LlmRequest request;
  private volatile int settled;
  /** The output cap the request must go out with; 0: as it is. */
  private long capToSend;
  /** The SDK request sent in place of the caller's, carrying {@link #capToSend}; null: the caller's. */
  private Object sentRequest;
  /** The agent, not the app, asked the stream for its usage chunk: the SDK must not see it. */
  private boolean hideUsageChunk;
  /** What to send if the server rejects the usage option the agent added; null: the agent added none. */
  private Object unasked;

  MeteredCall(Reservation reservation, LlmRequest request) {
    this.reservation = reservation;
    this.request = request;
  }

  /**
   * Reserves the worst-case cost of {@code request} for {@code user} ({@code null}: the global
   * budget only); returns {@code null} when there is no request or the call cannot be metered.
   */
  public static MeteredCall reserve(String user, LlmRequest request) {
    return reserve(user, request, false);
  }

  /**
   * As {@link #reserve(String, LlmRequest)}; {@code canRewrite}: the seam can send the request
   * with the cap {@link #capToSend()} says, which {@code llmbudget.output_reserve=clamp} needs.
   */
  public static MeteredCall reserve(String user, LlmRequest request, boolean canRewrite) {
    return reserve(user, request, canRewrite, null);
  }

  /**
   * As {@link #reserve(String, LlmRequest, boolean)}; {@code sdk} names the SDK or framework whose call
   * it is (e.g. {@code openai-java}), booked in a ledger beside the charge.
   */
  public static MeteredCall reserve(String user, LlmRequest request, boolean canRewrite, String sdk) {
    if (request == null) {
      return null;
    }
    BudgetEngine.CallReservation reservation;
    try {
      reservation = BudgetRuntime.get().engine().reserveCall(user, request, canRewrite, sdk);
    } catch (Throwable t) {
      FailurePolicy.get().onMeteringFailure("an LLM call", t);
      return null;
    }
    MeteredCall call = new MeteredCall(reservation.reservation(), request);
    call.capToSend = reservation.rewrite() ? reservation.outputCap() : 0;
    return call;
  }

  /**
   * What a seam returns for a request it could not read: {@code null} (the call goes on unmetered)
   * when the failure policy allows it, else the policy's {@link BudgetExceededError} is thrown.
   */
  public static LlmRequest unreadable(String what, Throwable cause) {
    FailurePolicy.get().onMeteringFailure(what, cause);
    return null;
  }

  /** The {@link Refusal} an async SDK method reports for {@code error}. */
  public static Refusal refusal(BudgetExceededError error) {
    return new Refusal(error);
  }

  /** As {@link #reserve}, but a refused call becomes a {@link Refusal} for an async SDK method to report. */
  public static Object reserveOrRefuse(String user, LlmRequest request) {
    return reserveOrRefuse(user, request, false);
  }

  /** As {@link #reserveOrRefuse(String, LlmRequest)}, with {@link #reserve(String, LlmRequest, boolean)}'s {@code canRewrite}. */
  public static Object reserveOrRefuse(String user, LlmRequest request, boolean canRewrite) {
    return reserveOrRefuse(user, request, canRewrite, null);
  }

  /** As {@link #reserveOrRefuse(String, LlmRequest, boolean)}, naming the SDK as {@link #reserve(String, LlmRequest, boolean, String)} does. */
  public static Object reserveOrRefuse(String user, LlmRequest request, boolean canRewrite, String sdk) {
    try {
      return reserve(user, request, canRewrite, sdk);
    } catch (BudgetExceededError e) {
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
      if (wasCancelled(failure)) {
        call.chargeSent();
        return response;
      }
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
      // The call went out and was answered: the provider bills it, so it pays what it reserved (an
      // upper bound of its cost) rather than nothing, and is counted as a failure of ours.
      Log.warnOnce("wrap:" + t.getClass().getName(), "llm-budget: could not meter an LLM response (" + t
          + "); the call is charged what it reserved and counted as unmetered", t);
      chargeReserved();
      dev.llmbudget.internal.CallCounters.unmetered();
      return response;
    }
  }

  /**
   * Charges what the call reserved, unless it is settled already: for a call that went out and was
   * answered with something the agent cannot read (the provider bills it whatever we could read).
   */
  public void chargeReserved() {
    if (SETTLED.compareAndSet(this, 0, 1)) {
      commitReserved();
    }
  }

  private void commitReserved() {
    try {
      reservation.commit(reservation.amount(), request.model());
    } catch (Throwable again) {
      Log.warnOnce("settle-reserved:" + again.getClass().getName(), "llm-budget: could not charge an LLM call what "
          + "it reserved (" + again + "); the reservation stays held until its lease ends", again);
    }
  }

  /**
   * The output cap the request must be sent with (lowered, or added where it had none), or 0 when
   * it goes out as it is. A seam that cannot write it must {@link #release()} the call and refuse.
   */
  public long capToSend() {
    return capToSend;
  }

  /** Records the SDK request that goes out in place of the caller's, carrying {@link #capToSend()}. */
  public void sendInstead(Object rewrittenRequest) {
    this.sentRequest = rewrittenRequest;
  }

  /**
   * Records that the request sent asks its stream for the usage chunk the app did not ask for
   * (OpenAI's {@code stream_options.include_usage}): the chunk is read, then removed from the body
   * the SDK reads, since an app that reads {@code choices().get(0)} of every chunk would fail on it.
   */
  public void hideUsageChunk() {
    this.hideUsageChunk = true;
  }

  /**
   * As {@link #hideUsageChunk()}, remembering {@code unasked}: the request (or a seam's recipe for it)
   * to send in its place if a server that rejects unknown fields answers the option with 400 or 422.
   */
  public void hideUsageChunk(Object unasked) {
    this.hideUsageChunk = true;
    this.unasked = unasked;
  }

  /** What {@link #hideUsageChunk(Object)} remembered, or {@code null} when the agent asked for no usage. */
  public Object unaskedRequest() {
    return unasked;
  }

  /**
   * Records that the request was sent again without the usage option: its answer carries no usage
   * chunk to hide (one the app asked for is the app's), so it is estimated as any such stream.
   */
  public void sentUnasked() {
    this.hideUsageChunk = false;
    this.unasked = null;
  }

  boolean hidesUsageChunk() {
    return hideUsageChunk;
  }

  /** The request to send: the rewritten one, if any, else {@code original}. */
  public Object requestToSend(Object original) {
    return sentRequest == null ? original : sentRequest;
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

  /** Charges {@code usage}, unless the call is settled already; if that fails, the call is charged what it reserved. */
  public void commit(Usage usage) {
    if (!SETTLED.compareAndSet(this, 0, 1)) {
      return;
    }
    try {
      // in picodollars: the charge is not made a BigDecimal only to be compared
      long charged = BudgetEngine.commitPicos(reservation, usage);
      if (CHECK_RESERVATIONS && charged > BudgetEngine.amountPicos(reservation)) {
        System.out.println("LLMBUDGET RESERVATION EXCEEDED reserved=" + reservation.amount().toPlainString()
            + " charged=" + dev.llmbudget.store.Picodollars.toDollars(charged).toPlainString() + " usage=" + usage
            + " request=" + request.model()
            + " maxOutputTokens=" + request.maxOutputTokens() + " capToSend=" + capToSend);
      }
    } catch (Throwable t) {
      // the call was answered: it pays what it reserved rather than nothing (core keeps a charge its
      // store refuses and retries it, so this is only for a failure of ours before the store)
      Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not charge an LLM call (" + t
          + "); it is charged what it reserved", t);
      commitReserved();
    }
  }

  /**
   * {@code true} when an async call's future ended by a cancel. The SDK had the request by then
   * (its send method returned the future), so the provider may well have processed it.
   */
  public static boolean wasCancelled(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.util.concurrent.CancellationException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Charges what was sent, unless the call is settled already: the prompt as counted (with the
   * per-message overhead) and no output, marked estimated. For a call cancelled after the SDK sent
   * it, whose answer the provider bills whether or not anyone reads it.
   */
  public void chargeSent() {
    commit(estimate(request.model(), ""));
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
    return estimate(model, counter, output.length() == 0 ? 0 : counter.count(output.toString()));
  }

  /** As {@link #estimate(String, CharSequence)}, for a text of which only a bounded part was kept. */
  public Usage estimate(String model, StreamedText output) {
    TokenCounter counter = TokenCounter.forModel(model);
    return estimate(model, counter, output.tokens(counter));
  }

  private Usage estimate(String model, TokenCounter counter, long out) {
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    long input = mediaTokens(model, counter.count(request.prompt().toString()) + overhead + imageTokens(model));
    // a priority request whose answer named no tier is estimated as priority: the dearer, as reserved
    return new Usage(model, input, out, 0, 0, 0, 0, true,
        UsageJson.PRIORITY_TIER.equals(request.serviceTier()) ? UsageJson.PRIORITY_TIER : null);
  }

  /**
   * What the request's images were reserved at: they were billed, and their text is not in the
   * prompt a tokenizer counts, so an estimate that left them out would charge a multimodal call as
   * if it had sent text alone. 0 without images, or when the engine cannot say.
   */
  private long imageTokens(String model) {
    if (request.images() <= 0) {
      return 0;
    }
    try {
      return BudgetEngine.imageTokens(reservation, model, request.images(), request.lowDetailImages(),
          request.originalDetailImages());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /**
   * {@code input} with what the request's file and audio parts were reserved at, as for images: they
   * were billed, and a tokenizer sees none of them. {@code input} without such parts, or when the
   * engine cannot say.
   */
  private long mediaTokens(String model, long input) {
    if (request.mediaParts() <= 0) {
      return input;
    }
    try {
      return BudgetEngine.mediaPromptTokens(reservation, model, request.mediaParts(), input);
    } catch (RuntimeException e) {
      return input;
    }
  }

  /**
   * Charges the reported usage, else (a successful call) an estimate, else nothing. A background
   * Responses call answers at once without usage (it is queued): it is charged what it reserved,
   * the bound of what it will cost, since its usage comes only with a later retrieval.
   */
  void settle(ChunkReader reader, boolean ok) {
    Usage usage = reader.usage();
    if (usage != null) {
      commit(usage);
    } else if (ok && request.background()) {
      Log.warnOnce("background", "llm-budget: an OpenAI Responses call runs in the background, so its answer "
          + "reports no usage yet; it is charged what it reserved (its prompt and its output cap: set "
          + "max_output_tokens to bound it), not what it will use", null);
      chargeReserved();
    } else if (ok) {
      commit(estimate(reader.model() == null ? request.model() : reader.model(), reader.text()));
    } else {
      release();
    }
  }
}
