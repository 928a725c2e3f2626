package dev.llmbudget.agent.instrumentation.bedrock;

import dev.llmbudget.agent.instrumentation.meter.CapRewriter;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Locale;

/**
 * Writes a lower output cap into a Bedrock request, as a copy made with the SDK's own builders:
 * Converse's {@code inferenceConfig.maxTokens}, or the field of the model family's own JSON in an
 * InvokeModel body. Used only when {@code llmbudget.output_reserve=clamp} lowers a cap.
 */
final class BedrockCaps {

  private static final String MODEL = "software.amazon.awssdk.services.bedrockruntime.model.";

  private BedrockCaps() {}

  /** True when the agent can write a cap into {@code request}: Converse always, InvokeModel for the families it knows. */
  static boolean canRewrite(String operation, Object request) {
    return operation.startsWith("converse") || invokeFields(Accessors.text(request, "modelId")) != null;
  }

  /**
   * The cap fields of an InvokeModel body, first the one to add when there is none, by the model
   * family in the model id (which may carry a region prefix or be an inference-profile ARN).
   */
  static String[] invokeFields(String modelId) {
    if (modelId == null) {
      return null;
    }
    String id = modelId.toLowerCase(Locale.ROOT);
    if (id.contains("anthropic.") || id.contains("mistral.") || id.contains("cohere.command") || id.contains("ai21.")) {
      return new String[] {"max_tokens"};
    }
    if (id.contains("meta.llama")) {
      return new String[] {"max_gen_len"};
    }
    if (id.contains("amazon.titan-text")) {
      return new String[] {"textGenerationConfig.maxTokenCount"};
    }
    if (id.contains("amazon.nova")) {
      return new String[] {"inferenceConfig.max_new_tokens"};
    }
    if (id.contains("openai.")) {
      return new String[] {"max_completion_tokens", "max_tokens"};
    }
    return null;
  }

  /** A copy of {@code request} whose output cap is {@code cap}. */
  static Object withCap(String operation, Object request, long cap) throws ReflectiveOperationException, IOException {
    ClassLoader loader = request.getClass().getClassLoader();
    Class<?> builderType = Class.forName(request.getClass().getName() + "$Builder", false, loader);
    Object builder = request.getClass().getMethod("toBuilder").invoke(request);
    if (operation.startsWith("converse")) {
      Class<?> configType = Class.forName(MODEL + "InferenceConfiguration", false, loader);
      Class<?> configBuilderType = Class.forName(MODEL + "InferenceConfiguration$Builder", false, loader);
      Object config = Accessors.get(request, "inferenceConfig");
      Object configBuilder = config != null ? configType.getMethod("toBuilder").invoke(config)
          : configType.getMethod("builder").invoke(null);
      configBuilderType.getMethod("maxTokens", Integer.class).invoke(configBuilder, (int) Math.min(cap, Integer.MAX_VALUE));
      Object capped = configBuilderType.getMethod("build").invoke(configBuilder);
      builderType.getMethod("inferenceConfig", configType).invoke(builder, capped);
    } else {
      String[] fields = invokeFields(Accessors.text(request, "modelId"));
      byte[] body = Accessors.bytes(Accessors.get(request, "body"));
      if (fields == null || body == null) {
        throw new IOException("no output cap the agent can write for " + Accessors.text(request, "modelId"));
      }
      Class<?> sdkBytes = Class.forName("software.amazon.awssdk.core.SdkBytes", false, loader);
      Object bytes = sdkBytes.getMethod("fromByteArray", byte[].class).invoke(null, CapRewriter.withCap(body, cap, fields));
      Method setBody = builderType.getMethod("body", sdkBytes);
      setBody.invoke(builder, bytes);
    }
    return builderType.getMethod("build").invoke(builder);
  }
}
