package dev.llmbudget.agent.instrumentation.bedrock;

import dev.llmbudget.agent.instrumentation.meter.Refusal;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into {@code DefaultBedrockRuntimeClient} and {@code DefaultBedrockRuntimeAsyncClient}.
 * It only delegates to {@link BedrockSeam}; SDK types are seen as {@code Object} so nothing of ours
 * links against the SDK.
 */
public final class BedrockAdvice {

  private BedrockAdvice() {}

  /** Blocking {@code converse(ConverseRequest)} and {@code invokeModel(InvokeModelRequest)}. */
  public static final class Blocking {
    private Blocking() {}

    /** Throws {@code BudgetExceededError} before anything is sent; nothing else escapes. */
    @Advice.OnMethodEnter
    static Object enter(@Advice.Origin("#m") String operation,
        @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
      Object call = BedrockSeam.enter(operation, request);
      request = BedrockSeam.sent(call, request);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call, @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable thrown) {
      BedrockSeam.exit(call, response, thrown);
    }
  }

  /** Async {@code converse} and {@code invokeModel}, returning {@code CompletableFuture}. */
  public static final class Async {
    private Async() {}

    /** A refused call skips the SDK method; exit then returns the failed future. */
    @Advice.OnMethodEnter(skipOn = Refusal.class)
    static Object enter(@Advice.Origin("#m") String operation,
        @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
      Object call = BedrockSeam.enterAsync(operation, request);
      request = BedrockSeam.sent(call, request);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = BedrockSeam.exitAsync(call, future, thrown, false);
    }
  }

  /** Async {@code converseStream} and {@code invokeModelWithResponseStream}: the handler is replaced by a metering one. */
  public static final class Stream {
    private Stream() {}

    @Advice.OnMethodEnter(skipOn = Refusal.class)
    static Object enter(@Advice.This Object client, @Advice.Origin("#m") String operation,
        @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request,
        @Advice.Argument(value = 1, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object handler) {
      Object call = BedrockSeam.enterStream(operation, request, handler);
      request = BedrockSeam.sent(call, request);
      handler = BedrockSeam.handler(call, client, handler, operation);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = BedrockSeam.exitAsync(call, future, thrown, true);
    }
  }
}
