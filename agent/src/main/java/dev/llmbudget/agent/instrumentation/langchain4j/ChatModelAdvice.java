package dev.llmbudget.agent.instrumentation.langchain4j;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into LangChain4j's chat methods. It only delegates to {@link ChatSeam}; LangChain4j
 * types are seen as {@code Object} so nothing of ours links against the framework.
 */
public final class ChatModelAdvice {

  private ChatModelAdvice() {}

  /** {@code ChatResponse chat(ChatRequest[, ChatRequestOptions])}. */
  public static final class Chat {
    private Chat() {}

    /** Throws {@code BudgetExceededError} before the provider is called; nothing else escapes. */
    @Advice.OnMethodEnter
    static Object enter(@Advice.This Object model,
        @Advice.Argument(value = 0, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object request) {
      Object call = ChatSeam.enter(model, request);
      request = ChatSeam.sent(call, request);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call, @Advice.Return Object response, @Advice.Thrown Throwable thrown) {
      ChatSeam.exit(call, response, thrown);
    }
  }

  /** {@code void chat(ChatRequest[, ChatRequestOptions], StreamingChatResponseHandler)}. */
  public static final class Stream {
    private Stream() {}

    /** A refused call skips the method; exit then hands the budget error to the handler's {@code onError}. */
    @Advice.OnMethodEnter(skipOn = StreamRefusal.class)
    static Object enter(@Advice.This Object model,
        @Advice.AllArguments(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object[] args) {
      Object call = ChatSeam.enterStream(model, args);
      args = ChatSeam.streamArguments(call, args);
      return ChatSeam.streamState(call);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call, @Advice.AllArguments Object[] args, @Advice.Thrown Throwable thrown) {
      ChatSeam.exitStream(call, args, thrown);
    }
  }
}
