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
        dev.llmbudget.internal.Log.warnOnce("azure-handles:" + type.getName(), "llm-budget: " + type.getName()
            + " does not have the shape the agent knows; Azure OpenAI calls are not metered", e);
        return null;
      }
    }
  };

  final Class<?> responseType;
  private final Class<?> binaryDataType;
  private final MethodHandle toBytes;
  private final MethodHandle toStream;
  private final MethodHandle isReplayable;
  private final MethodHandle fromStream;
  private final MethodHandle fromBytes;
  private final MethodHandle statusCode;
  private final MethodHandle value;

  private AzureHandles(Class<?> type) throws ReflectiveOperationException {
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

  /** The handles for the azure-core that {@code azureObject}'s class sees, or {@code null}. */
  static AzureHandles of(Object azureObject) {
    return azureObject == null ? null : BY_CLASS.get(azureObject.getClass());
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
