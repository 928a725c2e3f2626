package dev.llmbudget.agent.instrumentation.genai;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/** Google GenAI ({@code com.google.genai:google-genai}): the types it instruments; see the package doc for why these. */
public final class GenAiInstrumentation implements TypeInstrumentation {

  public static final GenAiInstrumentation INSTANCE = new GenAiInstrumentation();

  static final String HTTP_CLIENT = "com.google.genai.HttpApiClient";
  static final String MODELS = "com.google.genai.Models";
  static final String ASYNC_MODELS = "com.google.genai.AsyncModels";

  private GenAiInstrumentation() {}

  @Override
  public List<String> typeNames() {
    return List.of(HTTP_CLIENT, MODELS, ASYNC_MODELS);
  }

  @Override
  public AgentBuilder.Transformer transformer() {
    // The advice classes live in the bootstrap loader; read their bytes from the agent jar.
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice request = Advice.to(GenAiAdvice.Request.class, locator);
    Advice asyncRequest = Advice.to(GenAiAdvice.AsyncRequest.class, locator);
    Advice tagCaller = Advice.to(GenAiAdvice.TagCaller.class, locator);
    Advice handOver = Advice.to(GenAiAdvice.HandOver.class, locator);
    // The JSON overload only (byte[] carries uploads), and never the covariant bridge, which calls it.
    ElementMatcher.Junction<MethodDescription> json = takesArguments(4).and(takesArgument(2, String.class))
        .and(not(isBridge()));
    ElementMatcher.Junction<MethodDescription> generate = namedOneOf("generateContent", "generateContentStream")
        .and(takesArguments(3)).and(takesArgument(1, List.class));
    return (builder, type, loader, module, protectionDomain) -> {
      switch (type.getName()) {
        case HTTP_CLIENT:
          return builder.visit(request.on(named("request").and(json)))
              .visit(asyncRequest.on(named("asyncRequest").and(json)));
        case MODELS:
          return builder.visit(handOver.on(generate));
        case ASYNC_MODELS:
          return builder.visit(tagCaller.on(generate));
        default:
          return builder;
      }
    };
  }
}
