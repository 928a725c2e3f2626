package dev.llmbudget.agent.instrumentation.bedrock;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * AWS SDK for Java 2.x Bedrock Runtime ({@code software.amazon.awssdk:bedrockruntime}): {@code
 * converse} and {@code invokeModel} on the blocking and the async client, {@code converseStream} and
 * {@code invokeModelWithResponseStream} on the async client.
 */
public final class BedrockInstrumentation implements TypeInstrumentation {

  public static final BedrockInstrumentation INSTANCE = new BedrockInstrumentation();

  private static final String PACKAGE = "software.amazon.awssdk.services.bedrockruntime.";
  static final String BLOCKING_CLIENT = PACKAGE + "DefaultBedrockRuntimeClient";
  static final String ASYNC_CLIENT = PACKAGE + "DefaultBedrockRuntimeAsyncClient";
  private static final String MODEL = PACKAGE + "model.";

  private BedrockInstrumentation() {}

  @Override
  public List<String> typeNames() {
    return List.of(BLOCKING_CLIENT, ASYNC_CLIENT);
  }

  @Override
  public AgentBuilder.Transformer transformer() {
    // The advice classes live in the bootstrap loader; read their bytes from the agent jar,
    // which the JVM also put on the system class path.
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice blocking = Advice.to(BedrockAdvice.Blocking.class, locator);
    Advice async = Advice.to(BedrockAdvice.Async.class, locator);
    Advice stream = Advice.to(BedrockAdvice.Stream.class, locator);
    ElementMatcher.Junction<MethodDescription> whole =
        operation("converse", "ConverseRequest").or(operation("invokeModel", "InvokeModelRequest"));
    ElementMatcher.Junction<MethodDescription> streams =
        operation("converseStream", "ConverseStreamRequest", "ConverseStreamResponseHandler")
            .or(operation("invokeModelWithResponseStream", "InvokeModelWithResponseStreamRequest",
                "InvokeModelWithResponseStreamResponseHandler"));
    return (builder, type, loader, module, protectionDomain) -> type.getName().equals(BLOCKING_CLIENT)
        ? builder.visit(blocking.on(whole))
        : builder.visit(async.on(whole.and(returns(named("java.util.concurrent.CompletableFuture")))))
            .visit(stream.on(streams));
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
