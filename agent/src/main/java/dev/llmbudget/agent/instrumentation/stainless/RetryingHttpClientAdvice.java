package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.meter.Refusal;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into a Stainless SDK's {@code RetryingHttpClient} and {@code PrepareRequest}. It only delegates to {@link
 * HttpSeam}; SDK types are seen as {@code Object} so nothing of ours links against an SDK.
 * {@link StainlessWeaver} emits the same calls with plain ASM and is what normally runs; this
 * advice is its fallback, so a change to one is a change to both.
 */
public final class RetryingHttpClientAdvice {

  private RetryingHttpClientAdvice() {}

  /** {@code HttpResponse execute(HttpRequest, RequestOptions)}. */
  public static final class Execute {
    private Execute() {}

    /**
     * Throws {@code BudgetExceededError} before anything is sent; nothing else escapes. The request
     * may be replaced by one with a lower output cap ({@code llmbudget.output_reserve=clamp}) or
     * one that asks a stream for its usage; exit may send the app's own again through {@code this}
     * (a server that rejected the usage option), which its advice lets pass.
     */
    @Advice.OnMethodEnter
    static Object enter(@Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
      Object call = HttpSeam.enter(request);
      request = HttpSeam.sent(call, request);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.This Object client, @Advice.Argument(1) Object options, @Advice.Enter Object call,
        @Advice.Argument(0) Object request,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable thrown) {
      response = HttpSeam.exit(client, options, call, request, response, thrown);
    }
  }

  /** {@code CompletableFuture<HttpResponse> executeAsync(HttpRequest, RequestOptions)}. */
  public static final class ExecuteAsync {
    private ExecuteAsync() {}

    /** A refused call skips the SDK method; exit then returns the failed future. */
    @Advice.OnMethodEnter(skipOn = Refusal.class)
    static Object enter(@Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
      Object call = HttpSeam.enterAsync(request);
      request = HttpSeam.sent(call, request);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.This Object client, @Advice.Argument(1) Object options, @Advice.Enter Object call,
        @Advice.Argument(0) Object request,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = HttpSeam.exitAsync(client, options, call, request, future, thrown);
    }
  }

  /** {@code static CompletableFuture<HttpRequest> PrepareRequest.prepareAsync(...)}, on the caller's thread. */
  public static final class PrepareAsync {
    private PrepareAsync() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future) {
      future = HttpSeam.rememberCaller(future);
    }
  }
}
