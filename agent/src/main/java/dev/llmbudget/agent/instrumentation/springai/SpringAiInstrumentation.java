package dev.llmbudget.agent.instrumentation.springai;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Which Spring AI types and methods are instrumented: concrete classes named {@code *ChatModel}
 * in {@code org.springframework.ai.*} that implement {@code ChatModel} or {@code
 * StreamingChatModel} (every provider model follows that naming), and on them {@code
 * call(Prompt)} and {@code stream(Prompt)}.
 */
public final class SpringAiInstrumentation {

  static final String CHAT_MODEL = "org.springframework.ai.chat.model.ChatModel";
  static final String STREAMING_CHAT_MODEL = "org.springframework.ai.chat.model.StreamingChatModel";
  static final String PROMPT = "org.springframework.ai.chat.prompt.Prompt";

  /**
   * A test on the name alone, cheap enough for the agent's ignore list: every class that does not
   * pass it is never looked at again.
   */
  public static final ElementMatcher.Junction<TypeDescription> CANDIDATES =
      nameStartsWith("org.springframework.ai.").and(nameEndsWith("ChatModel"));

  private SpringAiInstrumentation() {}

  /** Adds the Spring AI advice to {@code builder}. */
  public static AgentBuilder install(AgentBuilder builder) {
    return builder.type(CANDIDATES.and(not(isInterface())).and(not(isAbstract()))
            .and(hasSuperType(namedOneOf(CHAT_MODEL, STREAMING_CHAT_MODEL))), SpringAiInstrumentation::hasSpringAi)
        .transform(transformer());
  }

  /** The class-loader guard: the loader (or a parent) can see Spring AI's {@code ChatModel}. */
  static boolean hasSpringAi(ClassLoader loader) {
    return loader != null && loader.getResource(CHAT_MODEL.replace('.', '/') + ".class") != null;
  }

  static AgentBuilder.Transformer transformer() {
    // The advice classes live in the bootstrap loader; read their bytes from the agent jar,
    // which the JVM also put on the system class path.
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice call = Advice.to(ChatModelAdvice.Call.class, locator);
    Advice stream = Advice.to(ChatModelAdvice.Stream.class, locator);
    return (builder, type, loader, module, protectionDomain) -> builder
        .visit(call.on(named("call").and(takesPrompt())))
        .visit(stream.on(named("stream").and(takesPrompt())));
  }

  private static ElementMatcher.Junction<net.bytebuddy.description.method.MethodDescription> takesPrompt() {
    return takesArguments(1).and(takesArgument(0, named(PROMPT))).and(not(isAbstract())).and(not(isBridge()));
  }
}
