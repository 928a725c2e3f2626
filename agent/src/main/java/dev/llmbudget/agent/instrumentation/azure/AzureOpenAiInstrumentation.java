package dev.llmbudget.agent.instrumentation.azure;

import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.agent.internal.Seam;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;

/** Azure OpenAI ({@code com.azure:azure-ai-openai}): the service clients it instruments; see the package doc. */
public final class AzureOpenAiInstrumentation implements Seam {

  public static final AzureOpenAiInstrumentation INSTANCE = new AzureOpenAiInstrumentation();

  private AzureOpenAiInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of("com/azure/ai/openai/implementation/OpenAIClientImpl",
        "com/azure/ai/openai/implementation/NonAzureOpenAIClientImpl");
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    return AdviceWeaver.weave(typeName, loader, classFile, Woven.WITH_RESPONSE);
  }

  /** The advice, built on the first Azure class so that a JVM without Azure never builds it. */
  private static final class Woven {
    static final AsmVisitorWrapper WITH_RESPONSE = new AsmVisitorWrapper.Compound(
        Advice.to(AzureAdvice.WithResponse.class, AdviceWeaver.AGENT_CLASSES)
            .on(namedOneOf("getChatCompletionsWithResponse", "getCompletionsWithResponse", "getEmbeddingsWithResponse")
                .and(takesArguments(3))),
        // OpenAIAsyncClient's path: a Mono that sends on each subscription, so it is reserved there.
        Advice.to(AzureAdvice.WithResponseAsync.class, AdviceWeaver.AGENT_CLASSES)
            .on(namedOneOf("getChatCompletionsWithResponseAsync", "getCompletionsWithResponseAsync",
                "getEmbeddingsWithResponseAsync").and(takesArguments(3))));
  }
}
