package dev.llmbudget.agent.instrumentation.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.TypeInstrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Which LangChain4j types and methods get the metering advice: the two chat interfaces, whose
 * default {@code chat} methods call each provider's {@code doChat}, and any LangChain4j class that
 * implements them and overrides {@code chat} itself (e.g. langchain4j-anthropic 1.0.x).
 */
public final class LangChain4jInstrumentation implements TypeInstrumentation {

  public static final LangChain4jInstrumentation INSTANCE = new LangChain4jInstrumentation();

  static final String CHAT_MODEL = "dev.langchain4j.model.chat.ChatModel";
  static final String STREAMING_CHAT_MODEL = "dev.langchain4j.model.chat.StreamingChatModel";
  static final String CHAT_REQUEST = "dev.langchain4j.model.chat.request.ChatRequest";
  static final String CHAT_RESPONSE = "dev.langchain4j.model.chat.response.ChatResponse";
  static final String HANDLER = "dev.langchain4j.model.chat.response.StreamingChatResponseHandler";

  private LangChain4jInstrumentation() {}

  @Override
  public ElementMatcher.Junction<TypeDescription> candidates() {
    return nameStartsWith("dev.langchain4j.");
  }

  @Override
  public ElementMatcher<TypeDescription> types() {
    return hasSuperType(namedOneOf(CHAT_MODEL, STREAMING_CHAT_MODEL));
  }

  @Override
  public AgentBuilder.Transformer transformer() {
    // The advice lives in the bootstrap loader; its bytes come from the agent jar.
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice chat = Advice.to(ChatModelAdvice.Chat.class, locator);
    Advice stream = Advice.to(ChatModelAdvice.Stream.class, locator);
    ElementMatcher.Junction<MethodDescription> chatWithRequest =
        named("chat").and(not(isAbstract())).and(takesArgument(0, named(CHAT_REQUEST)));
    return (builder, type, loader, module, protectionDomain) -> builder
        // chat(ChatRequest) and, from 1.1x on, chat(ChatRequest, ChatRequestOptions).
        .visit(chat.on(chatWithRequest.and(returns(named(CHAT_RESPONSE)))
            .and(takesArguments(1).or(takesArguments(2)))))
        // chat(ChatRequest, handler) and chat(ChatRequest, ChatRequestOptions, handler).
        .visit(stream.on(chatWithRequest.and(returns(void.class))
            .and(takesArgument(1, named(HANDLER)).or(takesArgument(2, named(HANDLER))))));
  }
}
