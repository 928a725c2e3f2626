package dev.llmbudget.agent.instrumentation.genai;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
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
import net.bytebuddy.matcher.ElementMatcher;

/** Google GenAI ({@code com.google.genai:google-genai}): the types it instruments; see the package doc for why these. */
public final class GenAiInstrumentation implements Seam {

  public static final GenAiInstrumentation INSTANCE = new GenAiInstrumentation();

  static final String HTTP_CLIENT = "com.google.genai.HttpApiClient";
  static final String MODELS = "com.google.genai.Models";
  static final String ASYNC_MODELS = "com.google.genai.AsyncModels";

  private GenAiInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of(HTTP_CLIENT.replace('.', '/'), MODELS.replace('.', '/'), ASYNC_MODELS.replace('.', '/'));
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    switch (typeName) {
      case HTTP_CLIENT:
        return AdviceWeaver.weave(typeName, loader, classFile, Woven.HTTP_CLIENT);
      case MODELS:
        return AdviceWeaver.weave(typeName, loader, classFile, Woven.MODELS);
      case ASYNC_MODELS:
        return AdviceWeaver.weave(typeName, loader, classFile, Woven.ASYNC_MODELS);
      default:
        return null;
    }
  }

  /** The advice, built on the first GenAI class so that a JVM without GenAI never builds it. */
  private static final class Woven {
    // The JSON overload only (byte[] carries uploads), and never the covariant bridge, which calls it.
    private static final ElementMatcher.Junction<MethodDescription> JSON =
        takesArguments(4).and(takesArgument(2, String.class)).and(not(isBridge()));
    private static final ElementMatcher.Junction<MethodDescription> GENERATE =
        namedOneOf("generateContent", "generateContentStream").and(takesArguments(3)).and(takesArgument(1, List.class));

    static final AsmVisitorWrapper HTTP_CLIENT = new AsmVisitorWrapper.Compound(
        Advice.to(GenAiAdvice.Request.class, AdviceWeaver.AGENT_CLASSES).on(named("request").and(JSON)),
        Advice.to(GenAiAdvice.AsyncRequest.class, AdviceWeaver.AGENT_CLASSES).on(named("asyncRequest").and(JSON)));
    static final AsmVisitorWrapper MODELS =
        Advice.to(GenAiAdvice.HandOver.class, AdviceWeaver.AGENT_CLASSES).on(GENERATE);
    static final AsmVisitorWrapper ASYNC_MODELS =
        Advice.to(GenAiAdvice.TagCaller.class, AdviceWeaver.AGENT_CLASSES).on(GENERATE);
  }
}
