package dev.llmbudget.agent.instrumentation.azure;

import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Method handles on azure-core's {@code BinaryData} and {@code Response}, looked up once per class
 * of the object at hand (a request body or a response), in that class's loader.
 */
final class AzureHandles {

  private static final ClassValue<AzureHandles> BY_CLASS = new ClassValue<>() {
    @Override
    protected AzureHandles computeValue(Class<?> type) {
      try {
        return new AzureHandles(type);
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        // Cached, not null: every later call meets the failure policy, not a silent pass.
        AzureHandles unknown = new AzureHandles(type, e);
        dev.llmbudget.internal.Log.error("llm-budget: " + unknown.unknownShape.getMessage(), e);
        return unknown;
      }
    }
  };

  /**
   * Why the azure-core that this class sees cannot be read (a version the agent does not know), or
   * {@code null}: the calls it carries go to the failure policy with this as the cause.
   */
  final RuntimeException unknownShape;
  final Class<?> responseType;
  private final Class<?> binaryDataType;
  private final MethodHandle toBytes;
  private final MethodHandle toStream;
  private final MethodHandle isReplayable;
  private final MethodHandle fromStream;
  private final MethodHandle fromBytes;
  private final MethodHandle statusCode;
  private final MethodHandle value;

  private AzureHandles(Class<?> type, Throwable failure) {
    unknownShape = new IllegalStateException("azure-core as " + type.getName() + " sees it does not have the shape "
        + "this llm-budget agent knows (" + failure + "): Azure OpenAI calls cannot be metered; use an "
        + "azure-ai-openai version the agent supports, or a newer llm-budget", failure);
    responseType = null;
    binaryDataType = null;
    toBytes = null;
    toStream = null;
    isReplayable = null;
    fromStream = null;
    fromBytes = null;
    statusCode = null;
    value = null;
  }

  private AzureHandles(Class<?> type) throws ReflectiveOperationException {
    unknownShape = null;
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    ClassLoader loader = type.getClassLoader();
    Class<?> binaryData = Class.forName("com.azure.core.util.BinaryData", false, loader);
    binaryDataType = binaryData;
    responseType = Class.forName("com.azure.core.http.rest.Response", false, loader);
    toBytes = lookup.unreflect(binaryData.getMethod("toBytes")).asType(MethodType.methodType(byte[].class, Object.class));
    toStream = lookup.unreflect(binaryData.getMethod("toStream"))
        .asType(MethodType.methodType(InputStream.class, Object.class));
    isReplayable = lookup.unreflect(binaryData.getMethod("isReplayable"))
        .asType(MethodType.methodType(boolean.class, Object.class));
    fromStream = lookup.unreflect(binaryData.getMethod("fromStream", InputStream.class))
        .asType(MethodType.methodType(Object.class, InputStream.class));
    fromBytes = lookup.unreflect(binaryData.getMethod("fromBytes", byte[].class))
        .asType(MethodType.methodType(Object.class, byte[].class));
    statusCode = lookup.unreflect(responseType.getMethod("getStatusCode"))
        .asType(MethodType.methodType(int.class, Object.class));
    value = lookup.unreflect(responseType.getMethod("getValue")).asType(MethodType.methodType(Object.class, Object.class));
  }

  /**
   * The handles for the azure-core that {@code azureObject}'s class sees, or {@code null} for no
   * object or (on the answer's side) an azure-core the agent cannot read.
   */
  static AzureHandles of(Object azureObject) {
    AzureHandles h = azureObject == null ? null : BY_CLASS.get(azureObject.getClass());
    return h == null || h.unknownShape != null ? null : h;
  }

  /**
   * As {@link #of}, for a request body that must be read before it goes out: throws the {@link
   * #unknownShape} of an azure-core the agent cannot read, for the failure policy to decide.
   */
  static AzureHandles ofRequest(Object body) {
    AzureHandles h = BY_CLASS.get(body.getClass());
    if (h.unknownShape != null) {
      throw h.unknownShape;
    }
    return h;
  }

  boolean isBinaryData(Object o) {
    return binaryDataType.isInstance(o);
  }

  byte[] bytes(Object data) throws Throwable {
    return (byte[]) toBytes.invokeExact(data);
  }

  boolean replayable(Object data) throws Throwable {
    return (boolean) isReplayable.invokeExact(data);
  }

  InputStream stream(Object data) throws Throwable {
    return (InputStream) toStream.invokeExact(data);
  }

  Object fromStream(InputStream in) throws Throwable {
    return fromStream.invokeExact(in);
  }

  /** A replayable {@code BinaryData} of {@code bytes}. */
  Object fromBytes(byte[] bytes) throws Throwable {
    return fromBytes.invokeExact(bytes);
  }

  int status(Object response) throws Throwable {
    return (int) statusCode.invokeExact(response);
  }

  Object value(Object response) throws Throwable {
    return value.invokeExact(response);
  }
}
