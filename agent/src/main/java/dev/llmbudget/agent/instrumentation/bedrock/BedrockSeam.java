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
 * What the Bedrock advice calls. Every failure of ours is logged once and the call goes on
 * unmetered; the only exceptions that reach the host on purpose are {@link BudgetExceededError}
 * and, when the unknown-model policy is {@code block}, {@link UnknownModelException}.
 */
public final class BedrockSeam {

  private BedrockSeam() {}

  /**
   * Reserves the worst-case cost of {@code operation} ({@code converse}, {@code converseStream},
   * {@code invokeModel}, {@code invokeModelWithResponseStream}) on the caller's thread; returns its
   * state, or {@code null} when it is not metered.
   */
  public static Object enter(String operation, Object request) {
    MeteredCall call = MeteredCall.reserve(MeteredCall.currentUser(), read(operation, request));
    return call == null ? null : new BedrockCall(call);
  }

  /** As {@link #enter}, but a refused call becomes a {@link Refusal} so the advice can skip the SDK method. */
  public static Object enterAsync(String operation, Object request) {
    Object state = MeteredCall.reserveOrRefuse(MeteredCall.currentUser(), read(operation, request));
    return state instanceof MeteredCall ? new BedrockCall((MeteredCall) state) : state;
  }

  private static LlmRequest read(String operation, Object request) {
    if (request == null) {
      return null;
    }
    try {
      return operation.startsWith("converse") ? BedrockRequest.fromConverse(request) : BedrockRequest.fromInvoke(request);
    } catch (Throwable t) {
      CallCounters.unmetered();
      Log.warnOnce("bedrock-enter:" + t.getClass().getName(), "llm-budget: could not read a Bedrock request ("
          + t + "); the call goes on unmetered", t);
      return null;
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
      } else if (failure != null || response == null) {
        call.release();
      } else {
        call.settle(response);
      }
      return response;
    });
  }
}
