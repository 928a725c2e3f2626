package dev.llmbudget.agent.instrumentation.meter;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.tokens.TokenCounter;
import java.io.InputStream;
import java.util.function.Function;

/**
 * One LLM call between its reservation and its settlement. {@link #reserve} is the only method
 * that lets an exception reach the host, and only {@link BudgetExceededError} and (policy
 * {@code block}) {@link UnknownModelException}; every other failure of ours is logged once and the
 * call goes on unmetered.
 */
public final class MeteredCall {

  /** Tokens OpenAI adds per chat message and to prime the reply, as core counts them. */
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_PER_REPLY = 3;

  private final Reservation reservation;
  private final LlmRequest request;
  private final Function<String, ChunkReader> readers;

  private MeteredCall(Reservation reservation, LlmRequest request, Function<String, ChunkReader> readers) {
    this.reservation = reservation;
    this.request = request;
    this.readers = readers;
  }

  /**
   * Reserves the worst-case cost of {@code request} for {@code user} ({@code null}: the global
   * budget only); returns {@code null} when the call cannot be metered. {@code readers} makes the
   * reader of the response, given the model the request named.
   */
  public static MeteredCall reserve(String user, LlmRequest request, Function<String, ChunkReader> readers) {
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
      Log.warnOnce("reserve:" + t.getClass().getName(), "llm-budget: could not reserve the cost of an LLM call ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
    return new MeteredCall(reservation, request, readers);
  }

  /** As {@link #reserve}, but a refused call becomes a {@link Refusal} for an async SDK method to report. */
  public static Object reserveOrRefuse(String user, LlmRequest request, Function<String, ChunkReader> readers) {
    try {
      return reserve(user, request, readers);
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

  /** A stream that passes {@code body} through and settles this call at its end or close. */
  public InputStream meter(InputStream body, int status) {
    return new MeteringInputStream(body, new BodyMeter(this, readers.apply(request.model()), status));
  }

  /** Settles this call from a body that was read whole. */
  public void settle(byte[] body, int status) {
    BodyMeter meter = new BodyMeter(this, readers.apply(request.model()), status);
    meter.accept(body, 0, body.length);
    meter.finish();
  }

  /** Frees the reservation without a charge: the call failed before an answer came. */
  public void release() {
    try {
      reservation.release();
    } catch (Throwable t) {
      Log.warnOnce("release:" + t.getClass().getName(), "llm-budget: could not release a reservation (" + t + ")", t);
    }
  }

  /** Charges the reported usage, else (a successful call) an estimate, else nothing. */
  void settle(ChunkReader reader, boolean ok) {
    Usage usage = reader.usage();
    if (usage != null) {
      reservation.commit(usage);
    } else if (ok) {
      reservation.commit(estimate(reader));
    } else {
      reservation.release();
    }
  }

  private Usage estimate(ChunkReader reader) {
    String model = reader.model() == null ? request.model() : reader.model();
    CharSequence text = reader.text();
    long output = text.length() == 0 ? 0 : TokenCounter.forModel(model).count(text.toString());
    long overhead = request.messageCount() <= 0 ? 0
        : (long) request.messageCount() * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    long input = TokenCounter.forModel(model).count(request.prompt().toString()) + overhead;
    return new Usage(model, input, output, 0, 0, 0, 0, true);
  }
}
