package dev.llmbudget.agent.instrumentation.bedrock;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.agent.internal.Seam;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * AWS SDK for Java 2.x Bedrock Runtime ({@code software.amazon.awssdk:bedrockruntime}): {@code
 * converse} and {@code invokeModel} on the blocking and the async client, {@code converseStream} and
 * {@code invokeModelWithResponseStream} on the async client.
 */
public final class BedrockInstrumentation implements Seam {

  public static final BedrockInstrumentation INSTANCE = new BedrockInstrumentation();

  private static final String PACKAGE = "software.amazon.awssdk.services.bedrockruntime.";
  static final String BLOCKING_CLIENT = PACKAGE + "DefaultBedrockRuntimeClient";
  static final String ASYNC_CLIENT = PACKAGE + "DefaultBedrockRuntimeAsyncClient";
  private static final String MODEL = PACKAGE + "model.";

  private BedrockInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of(BLOCKING_CLIENT.replace('.', '/'), ASYNC_CLIENT.replace('.', '/'));
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    return AdviceWeaver.weave(typeName, loader, classFile, typeName.equals(BLOCKING_CLIENT) ? Woven.BLOCKING : Woven.ASYNC);
  }

  /** The advice, built on the first Bedrock class so that a JVM without Bedrock never builds it. */
  private static final class Woven {
    private static final ElementMatcher.Junction<MethodDescription> WHOLE =
        operation("converse", "ConverseRequest").or(operation("invokeModel", "InvokeModelRequest"));
    private static final ElementMatcher.Junction<MethodDescription> STREAMS =
        operation("converseStream", "ConverseStreamRequest", "ConverseStreamResponseHandler")
            .or(operation("invokeModelWithResponseStream", "InvokeModelWithResponseStreamRequest",
                "InvokeModelWithResponseStreamResponseHandler"));
    static final AsmVisitorWrapper BLOCKING =
        Advice.to(BedrockAdvice.Blocking.class, AdviceWeaver.AGENT_CLASSES).on(WHOLE);
    static final AsmVisitorWrapper ASYNC = new AsmVisitorWrapper.Compound(
        Advice.to(BedrockAdvice.Async.class, AdviceWeaver.AGENT_CLASSES)
            .on(WHOLE.and(returns(named("java.util.concurrent.CompletableFuture")))),
        Advice.to(BedrockAdvice.Stream.class, AdviceWeaver.AGENT_CLASSES).on(STREAMS));
  }

  /** The public generated method taking exactly these model types. */
  private static ElementMatcher.Junction<MethodDescription> operation(String name, String... argumentTypes) {
    ElementMatcher.Junction<MethodDescription> m = named(name).and(takesArguments(argumentTypes.length));
    for (int i = 0; i < argumentTypes.length; i++) {
      m = m.and(takesArgument(i, named(MODEL + argumentTypes[i])));
    }
    return m;
  }
}
