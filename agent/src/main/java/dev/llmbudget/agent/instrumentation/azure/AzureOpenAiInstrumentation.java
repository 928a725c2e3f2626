package dev.llmbudget.agent.instrumentation.azure;

import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.TypeInstrumentation;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;

/** Azure OpenAI ({@code com.azure:azure-ai-openai}): the service clients it instruments; see the package doc. */
public final class AzureOpenAiInstrumentation implements TypeInstrumentation {

  public static final AzureOpenAiInstrumentation INSTANCE = new AzureOpenAiInstrumentation();

  private AzureOpenAiInstrumentation() {}

  @Override
  public List<String> typeNames() {
    return List.of("com.azure.ai.openai.implementation.OpenAIClientImpl",
        "com.azure.ai.openai.implementation.NonAzureOpenAIClientImpl");
  }

  @Override
  public AgentBuilder.Transformer transformer() {
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice withResponse = Advice.to(AzureAdvice.WithResponse.class, locator);
    return (builder, type, loader, module, protectionDomain) -> builder.visit(withResponse.on(
        namedOneOf("getChatCompletionsWithResponse", "getCompletionsWithResponse", "getEmbeddingsWithResponse")
            .and(takesArguments(3))));
  }
}
