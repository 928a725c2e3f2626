package dev.llmbudget.agent.instrumentation.springai;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into a Spring AI provider model. It only delegates to {@link SpringAiSeam};
 * Spring AI types are seen as {@code Object} so nothing of ours links against them.
 */
public final class ChatModelAdvice {

  private ChatModelAdvice() {}

  /** {@code ChatResponse call(Prompt)}. */
  public static final class Call {
    private Call() {}

    /** Throws {@code BudgetExceededError} before the provider is called; nothing else escapes. */
    @Advice.OnMethodEnter
    static Object enter(@Advice.This Object model, @Advice.Argument(0) Object prompt) {
      return SpringAiSeam.enterCall(model, prompt);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable thrown) {
      SpringAiSeam.exitCall(call, response, thrown);
    }
  }

  /** {@code Flux<ChatResponse> stream(Prompt)}. */
  public static final class Stream {
    private Stream() {}

    /** A refused stream skips the model's method; exit then returns a failing Flux. */
    @Advice.OnMethodEnter(skipOn = StreamRefusal.class)
    static Object enter(@Advice.This Object model, @Advice.Argument(0) Object prompt) {
      return SpringAiSeam.enterStream(model, prompt);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object flux,
        @Advice.Thrown Throwable thrown) {
      flux = SpringAiSeam.exitStream(call, flux, thrown);
    }
  }
}
