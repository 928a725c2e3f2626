package dev.llmbudget.agent.instrumentation.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
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
 * Which LangChain4j types and methods get the metering advice: the two chat interfaces, whose
 * default {@code chat} methods call each provider's {@code doChat}, and any LangChain4j class that
 * implements them and overrides {@code chat} itself (e.g. langchain4j-anthropic 1.0.x).
 */
public final class LangChain4jInstrumentation implements Seam {

  public static final LangChain4jInstrumentation INSTANCE = new LangChain4jInstrumentation();

  static final String CHAT_MODEL = "dev.langchain4j.model.chat.ChatModel";
  static final String STREAMING_CHAT_MODEL = "dev.langchain4j.model.chat.StreamingChatModel";
  static final String CHAT_REQUEST = "dev.langchain4j.model.chat.request.ChatRequest";
  static final String CHAT_RESPONSE = "dev.langchain4j.model.chat.response.ChatResponse";
  static final String HANDLER = "dev.langchain4j.model.chat.response.StreamingChatResponseHandler";

  private LangChain4jInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of();
  }

  /** Provider modules live in {@code dev.langchain4j.*}: their classes are looked at, no others. */
  @Override
  public List<String> packagePrefixes() {
    return List.of("dev/langchain4j/");
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    // Every chat model, the interfaces included, is named *ChatModel: other LangChain4j classes
    // are handed back without reading their hierarchy.
    if (!typeName.endsWith("ChatModel")) {
      return null;
    }
    return AdviceWeaver.weaveIf(typeName, loader, classFile, Woven.TYPES, Woven.ADVICE);
  }

  /** The matchers and advice, built on the first LangChain4j chat model. */
  private static final class Woven {
    static final ElementMatcher<TypeDescription> TYPES = hasSuperType(namedOneOf(CHAT_MODEL, STREAMING_CHAT_MODEL));

    private static final ElementMatcher.Junction<MethodDescription> CHAT_WITH_REQUEST =
        named("chat").and(not(isAbstract())).and(takesArgument(0, named(CHAT_REQUEST)));

    static final AsmVisitorWrapper ADVICE = new AsmVisitorWrapper.Compound(
        // chat(ChatRequest) and, from 1.1x on, chat(ChatRequest, ChatRequestOptions).
        Advice.to(ChatModelAdvice.Chat.class, AdviceWeaver.AGENT_CLASSES).on(CHAT_WITH_REQUEST
            .and(returns(named(CHAT_RESPONSE))).and(takesArguments(1).or(takesArguments(2)))),
        // chat(ChatRequest, handler) and chat(ChatRequest, ChatRequestOptions, handler).
        Advice.to(ChatModelAdvice.Stream.class, AdviceWeaver.AGENT_CLASSES).on(CHAT_WITH_REQUEST
            .and(returns(void.class)).and(takesArgument(1, named(HANDLER)).or(takesArgument(2, named(HANDLER))))));
  }
}
