package dev.llmbudget.agent.instrumentation.springai;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.agent.internal.Seam;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Which Spring AI types and methods get the metering advice: concrete classes named
 * {@code *ChatModel} in {@code org.springframework.ai.*} that implement {@code ChatModel} or
 * {@code StreamingChatModel} (every provider model follows that naming), and on them
 * {@code call(Prompt)} and {@code stream(Prompt)}.
 */
public final class SpringAiInstrumentation implements Seam {

  public static final SpringAiInstrumentation INSTANCE = new SpringAiInstrumentation();

  static final String CHAT_MODEL = "org.springframework.ai.chat.model.ChatModel";
  static final String STREAMING_CHAT_MODEL = "org.springframework.ai.chat.model.StreamingChatModel";
  static final String PROMPT = "org.springframework.ai.chat.prompt.Prompt";

  private SpringAiInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of();
  }

  /** Provider models live in {@code org.springframework.ai.*}: their classes are looked at, no others. */
  @Override
  public List<String> packagePrefixes() {
    return List.of("org/springframework/ai/");
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    // Every provider model is named *ChatModel: other Spring AI classes are handed back without
    // reading their hierarchy.
    if (!typeName.endsWith("ChatModel") || loader == null) {
      return null;
    }
    return AdviceWeaver.weaveIf(typeName, loader, classFile, Woven.TYPES, Woven.ADVICE);
  }

  /** The matchers and advice, built on the first Spring AI chat model. */
  private static final class Woven {
    static final ElementMatcher<TypeDescription> TYPES = not(isInterface()).and(not(isAbstract()))
        .and(hasSuperType(namedOneOf(CHAT_MODEL, STREAMING_CHAT_MODEL)));

    /** {@code call(Prompt)}/{@code stream(Prompt)} themselves, not the {@code ModelRequest} bridges. */
    private static final ElementMatcher.Junction<MethodDescription> TAKES_PROMPT =
        takesArguments(1).and(takesArgument(0, named(PROMPT))).and(not(isAbstract())).and(not(isBridge()));

    static final AsmVisitorWrapper ADVICE = new AsmVisitorWrapper.Compound(
        Advice.to(ChatModelAdvice.Call.class, AdviceWeaver.AGENT_CLASSES).on(named("call").and(TAKES_PROMPT)),
        Advice.to(ChatModelAdvice.Stream.class, AdviceWeaver.AGENT_CLASSES).on(named("stream").and(TAKES_PROMPT)));
  }
}
