package dev.llmbudget.agent.instrumentation.genai;

import dev.llmbudget.agent.instrumentation.meter.Refusal;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into {@code com.google.genai} classes. It only delegates to {@link GenAiSeam};
 * SDK types are seen as {@code Object}, so nothing of ours links against the SDK.
 */
public final class GenAiAdvice {

  private GenAiAdvice() {}

  /** {@code HttpApiClient.request(String method, String path, String body, Optional<HttpOptions>)}. */
  public static final class Request {
    private Request() {}

    /** Throws the budget's error before anything is sent; nothing else escapes. */
    @Advice.OnMethodEnter
    static Object enter(@Advice.Argument(1) String path, @Advice.Argument(value = 2, readOnly = false) String body) {
      Object call = GenAiSeam.enter(path, body);
      body = GenAiSeam.sent(call, body);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable thrown) {
      response = GenAiSeam.exit(call, response, thrown);
    }
  }

  /** {@code HttpApiClient.asyncRequest(String, String, String, Optional)} (2.x): a refused call skips the send. */
  public static final class AsyncRequest {
    private AsyncRequest() {}

    @Advice.OnMethodEnter(skipOn = Refusal.class)
    static Object enter(@Advice.Argument(1) String path, @Advice.Argument(value = 2, readOnly = false) String body) {
      Object call = GenAiSeam.enterAsync(path, body);
      body = GenAiSeam.sent(call, body);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object future,
        @Advice.Thrown Throwable thrown) {
      future = GenAiSeam.exitAsync(call, future, thrown);
    }
  }

  /** {@code AsyncModels.generateContent*(String, List<Content>, config)}: on the caller's thread. */
  public static final class TagCaller {
    private TagCaller() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.Argument(1) Object contents) {
      GenAiSeam.tagCaller(contents);
    }
  }

  /** {@code Models.generateContent*(String, List<Content>, config)}: where a 1.x async call's pool thread enters. */
  public static final class HandOver {
    private HandOver() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static String enter(@Advice.Argument(1) Object contents) {
      return GenAiSeam.handOver(contents);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter String previous) {
      GenAiSeam.restore(previous);
    }
  }
}
