package dev.llmbudget.agent.instrumentation.azure;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Advice inlined into azure-ai-openai's service clients. It only delegates to {@link AzureSeam};
 * SDK types are seen as {@code Object}, so nothing of ours links against the SDK.
 */
public final class AzureAdvice {

  private AzureAdvice() {}

  /** {@code Response<BinaryData> get*WithResponse(String deploymentOrModelName, BinaryData body, RequestOptions)}. */
  public static final class WithResponse {
    private WithResponse() {}

    /** Throws the budget's error before anything is sent; nothing else escapes. */
    @Advice.OnMethodEnter
    static Object enter(@Advice.Argument(0) Object deployment,
        @Advice.Argument(value = 1, readOnly = false, typing = Assigner.Typing.DYNAMIC) Object body) {
      Object call = AzureSeam.enter(deployment, body);
      body = AzureSeam.sent(call, body);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Enter Object call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object response,
        @Advice.Thrown Throwable thrown) {
      response = AzureSeam.exit(call, response, thrown);
    }
  }

  /** {@code Mono<Response<BinaryData>> get*WithResponseAsync(String deploymentOrModelName, BinaryData body, RequestOptions)}. */
  public static final class WithResponseAsync {
    private WithResponseAsync() {}

    /** Nothing is sent yet: the Mono is reserved when it is subscribed. */
    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    static void exit(@Advice.Argument(0) Object deployment, @Advice.Argument(1) Object body,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object mono,
        @Advice.Thrown Throwable thrown) {
      mono = AzureSeam.exitAsync(deployment, body, mono, thrown);
    }
  }
}
