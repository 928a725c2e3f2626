package dev.llmbudget.agent.instrumentation.bedrock;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import java.util.concurrent.CompletableFuture;

/**
 * What the Bedrock advice calls.
 * Every failure of ours before the call goes out is decided by the failure policy
 * ({@code llmbudget.on_error}: refused or counted as unmetered); the only exceptions that reach the
 * host on purpose are {@link BudgetExceededError} and its subclasses ({@link UnknownModelException},
 * {@code BudgetUnavailableError}).
 */
public final class BedrockSeam {

  /** How the ledger names the SDK of the calls metered here. */
  private static final String SDK = "bedrock";

  private BedrockSeam() {}

  /**
   * Reserves the worst-case cost of {@code operation} ({@code converse}, {@code converseStream},
   * {@code invokeModel}, {@code invokeModelWithResponseStream}) on the caller's thread; returns its
   * state, or {@code null} when it is not metered.
   */
  public static Object enter(String operation, Object request) {
    String user = MeteredCall.currentUser();
    LlmRequest llm = read(operation, request);
    MeteredCall call = MeteredCall.reserve(user, llm, llm != null && rewritable(operation, request), SDK);
    call = (MeteredCall) withCap(call, operation, request, user, llm, false);
    return call == null ? null : new BedrockCall(call);
  }

  /** As {@link #enter}, but a refused call becomes a {@link Refusal} so the advice can skip the SDK method. */
  public static Object enterAsync(String operation, Object request) {
    String user = MeteredCall.currentUser();
    LlmRequest llm;
    try {
      llm = read(operation, request);
    } catch (BudgetExceededError e) {
      return MeteredCall.refusal(e); // the failure policy refused a request it could not read
    }
    Object state = MeteredCall.reserveOrRefuse(user, llm, llm != null && rewritable(operation, request), SDK);
    state = withCap(state, operation, request, user, llm, true);
    return state instanceof MeteredCall ? new BedrockCall((MeteredCall) state) : state;
  }

  /** The request the advice sends: the copy with the cap the budget can pay for, else {@code request}. */
  public static Object sent(Object state, Object request) {
    return state instanceof BedrockCall ? ((BedrockCall) state).requestToSend(request) : request;
  }

  private static boolean rewritable(String operation, Object request) {
    try {
      return BedrockCaps.canRewrite(operation, request);
    } catch (Throwable t) {
      return false;
    }
  }

  /**
   * Makes a clamped call's request carry its cap; if it cannot, the call is reserved again as
   * {@code model_max} would, so it stays bounded.
   */
  private static Object withCap(Object state, String operation, Object request, String user, LlmRequest llm,
      boolean async) {
    if (!(state instanceof MeteredCall) || ((MeteredCall) state).capToSend() <= 0) {
      return state;
    }
    MeteredCall call = (MeteredCall) state;
    try {
      call.sendInstead(BedrockCaps.withCap(operation, request, call.capToSend()));
      return call;
    } catch (Throwable t) {
      Log.warnOnce("bedrock-cap:" + t.getClass().getName(), "llm-budget: could not write the output cap into a "
          + "Bedrock request (" + t + "); its model's maximum output is reserved instead", t);
      call.release();
      return async ? MeteredCall.reserveOrRefuse(user, llm, false, SDK) : MeteredCall.reserve(user, llm, false, SDK);
    }
  }

  private static LlmRequest read(String operation, Object request) {
    if (request == null) {
      return null;
    }
    try {
      return operation.startsWith("converse") ? BedrockRequest.fromConverse(request) : BedrockRequest.fromInvoke(request);
    } catch (Throwable t) {
      return MeteredCall.unreadable("a Bedrock call (reading its request)", t);
    }
  }

  /**
   * As {@link #enterAsync} for an event stream; a refused stream's handler hears the error through
   * {@code exceptionOccurred}, as it would hear any failure from the SDK.
   */
  public static Object enterStream(String operation, Object request, Object handler) {
    Object state = enterAsync(operation, request);
    if (state instanceof Refusal && handler != null) {
      MeteredStream.refuse(handler, ((Refusal) state).error);
    }
    return state;
  }

  /** The handler the SDK gets: one that meters the stream when the call is metered. */
  public static Object handler(Object state, Object client, Object handler, String operation) {
    if (!(state instanceof BedrockCall)) {
      return handler;
    }
    String iface = operation.equals("converseStream")
        ? "software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler"
        : "software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler";
    return MeteredStream.handler((BedrockCall) state, client, handler, iface);
  }

  /** Settles a blocking call from its response; a failed call is charged nothing. */
  public static void exit(Object state, Object response, Throwable thrown) {
    if (!(state instanceof BedrockCall)) {
      return;
    }
    BedrockCall call = (BedrockCall) state;
    if (thrown != null || response == null) {
      call.release();
    } else {
      call.settle(response);
    }
  }

  /**
   * The future the caller gets: it completes as the SDK's does, after the call is settled, so a
   * caller that reads its spend after {@code join()} sees the charge. A refused call's future fails
   * with the budget error.
   */
  @SuppressWarnings("unchecked")
  public static Object exitAsync(Object state, Object future, Throwable thrown, boolean stream) {
    if (state instanceof Refusal) {
      return CompletableFuture.failedFuture(((Refusal) state).error);
    }
    if (!(state instanceof BedrockCall)) {
      return future;
    }
    BedrockCall call = (BedrockCall) state;
    if (thrown != null || !(future instanceof CompletableFuture)) {
      call.release();
      return future;
    }
    return MeteredCall.whenDone((CompletableFuture<Object>) future, (response, failure) -> {
      if (stream) {
        // Normally settled already by the stream's end; this covers a handler that never subscribed.
        call.finish(failure != null);
      } else if (MeteredCall.wasCancelled(failure)) {
        call.chargeSent();
      } else if (failure != null || response == null) {
        call.release();
      } else {
        call.settle(response);
      }
      return response;
    });
  }
}
