package dev.llmbudget.agent.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;

/**
 * Tells a framework seam (LangChain4j, Spring AI) whether the model object it is about to meter
 * talks to the provider through an SDK client that the agent already meters at its own seam, so
 * the call is charged once, by the layer nearest the network. Decided once per model class from
 * the types of its fields (and theirs, one level down), never per call.
 */
public final class MeteredBelow {

  /** Client types whose calls the agent meters at the SDK's own seam. */
  static final Set<String> METERED_CLIENTS = Set.of(
      "com.openai.client.OpenAIClient",
      "com.openai.client.OpenAIClientAsync",
      "com.anthropic.client.AnthropicClient",
      "com.anthropic.client.AnthropicClientAsync",
      "com.google.genai.Client",
      "com.google.genai.Models",
      "com.google.genai.AsyncModels",
      "software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient",
      "software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient",
      // Not OpenAIAsyncClient: the agent does not meter it (yet), so a framework must.
      "com.azure.ai.openai.OpenAIClient");

  private static final int DEPTH = 2;

  private static final ClassValue<Boolean> BELOW = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return holdsMeteredClient(type, DEPTH);
    }
  };

  private MeteredBelow() {}

  /** True when {@code model}'s calls reach the network through a client the agent meters itself. */
  public static boolean isMeteredBelow(Object model) {
    return model != null && BELOW.get(model.getClass());
  }

  static boolean holdsMeteredClient(Class<?> type, int depth) {
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      Field[] fields;
      try {
        fields = c.getDeclaredFields();
      } catch (Throwable e) {
        continue;
      }
      for (Field f : fields) {
        if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
          continue;
        }
        Class<?> ft = f.getType();
        if (isMeteredClient(ft)) {
          return true;
        }
        if (depth > 1 && !ft.getName().startsWith("java.") && !ft.isArray() && ft != type
            && holdsMeteredClient(ft, depth - 1)) {
          return true;
        }
      }
    }
    return false;
  }

  static boolean isMeteredClient(Class<?> type) {
    if (METERED_CLIENTS.contains(type.getName())) {
      return true;
    }
    for (Class<?> i : type.getInterfaces()) {
      if (isMeteredClient(i)) {
        return true;
      }
    }
    Class<?> sup = type.getSuperclass();
    return sup != null && sup != Object.class && isMeteredClient(sup);
  }
}
