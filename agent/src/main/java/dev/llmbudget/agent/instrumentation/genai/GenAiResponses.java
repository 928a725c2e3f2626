package dev.llmbudget.agent.instrumentation.genai;

import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.internal.Log;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Rebuilds the SDK's {@code HttpApiResponse} around a metered body. The SDK reads that class's one
 * field, the HTTP library's response, which changed with the library: OkHttp's final
 * {@code Response} in later versions (a copy is built with a body read through our stream),
 * Apache HttpClient's {@code CloseableHttpResponse} interface in early 1.x (a proxy whose entity
 * hands out our stream).
 */
final class GenAiResponses {

  private static final ClassValue<Rebuilder> BY_RESPONSE_CLASS = new ClassValue<>() {
    @Override
    protected Rebuilder computeValue(Class<?> type) {
      try {
        Field field = type.getDeclaredField("response");
        field.setAccessible(true);
        Constructor<?> constructor = type.getDeclaredConstructor(field.getType());
        constructor.setAccessible(true);
        switch (field.getType().getName()) {
          case "okhttp3.Response":
            return new OkHttp(field, constructor);
          case "org.apache.http.client.methods.CloseableHttpResponse":
            return new Apache(field, constructor);
          default:
            throw new IllegalStateException("unknown HTTP response type " + field.getType().getName());
        }
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        Log.warnOnce("genai-response:" + type.getName(), "llm-budget: " + type.getName()
            + " does not have the shape the agent knows; Gemini calls are not charged", e);
        return null;
      }
    }
  };

  private GenAiResponses() {}

  /** {@code response} with its body metered by {@code call}; the response itself (call released) when that fails. */
  static Object wrap(MeteredCall call, Object response) {
    try {
      Rebuilder r = BY_RESPONSE_CLASS.get(response.getClass());
      if (r != null) {
        return r.rebuild(call, response);
      }
    } catch (Throwable t) {
      Log.warnOnce("genai-wrap:" + t.getClass().getName(), "llm-budget: could not meter a Gemini response (" + t
          + "); the call is not charged", t);
    }
    call.release();
    return response;
  }

  private abstract static class Rebuilder {
    final Field field;
    final Constructor<?> constructor;

    Rebuilder(Field field, Constructor<?> constructor) {
      this.field = field;
      this.constructor = constructor;
    }

    final Object rebuild(MeteredCall call, Object apiResponse) throws Throwable {
      Object http = field.get(apiResponse);
      return http == null ? null : constructor.newInstance(metered(call, http));
    }

    abstract Object metered(MeteredCall call, Object httpResponse) throws Throwable;
  }

  /** OkHttp 4: {@code response.newBuilder().body(ResponseBody.create(type, length, buffer(source(ours)))).build()}. */
  private static final class OkHttp extends Rebuilder {
    private final MethodHandle code;
    private final MethodHandle body;
    private final MethodHandle byteStream;
    private final MethodHandle contentType;
    private final MethodHandle contentLength;
    private final MethodHandle createBody;
    private final MethodHandle source;
    private final MethodHandle buffer;
    private final MethodHandle newBuilder;
    private final MethodHandle builderBody;
    private final MethodHandle build;

    OkHttp(Field field, Constructor<?> constructor) throws ReflectiveOperationException {
      super(field, constructor);
      ClassLoader loader = field.getType().getClassLoader();
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> response = field.getType();
      Class<?> responseBody = Class.forName("okhttp3.ResponseBody", false, loader);
      Class<?> mediaType = Class.forName("okhttp3.MediaType", false, loader);
      Class<?> builder = Class.forName("okhttp3.Response$Builder", false, loader);
      Class<?> okio = Class.forName("okio.Okio", false, loader);
      Class<?> okioSource = Class.forName("okio.Source", false, loader);
      Class<?> bufferedSource = Class.forName("okio.BufferedSource", false, loader);
      code = lookup.unreflect(response.getMethod("code")).asType(MethodType.methodType(int.class, Object.class));
      body = getter(lookup, response.getMethod("body"));
      byteStream = lookup.unreflect(responseBody.getMethod("byteStream"))
          .asType(MethodType.methodType(InputStream.class, Object.class));
      contentType = getter(lookup, responseBody.getMethod("contentType"));
      contentLength = lookup.unreflect(responseBody.getMethod("contentLength"))
          .asType(MethodType.methodType(long.class, Object.class));
      createBody = lookup.unreflect(responseBody.getMethod("create", mediaType, long.class, bufferedSource))
          .asType(MethodType.methodType(Object.class, Object.class, long.class, Object.class));
      source = lookup.unreflect(okio.getMethod("source", InputStream.class))
          .asType(MethodType.methodType(Object.class, InputStream.class));
      buffer = lookup.unreflect(okio.getMethod("buffer", okioSource)).asType(GETTER);
      newBuilder = getter(lookup, response.getMethod("newBuilder"));
      builderBody = lookup.unreflect(builder.getMethod("body", responseBody))
          .asType(MethodType.methodType(Object.class, Object.class, Object.class));
      build = getter(lookup, builder.getMethod("build"));
    }

    @Override
    Object metered(MeteredCall call, Object http) throws Throwable {
      Object original = body.invokeExact(http);
      if (original == null) {
        call.release();
        return http;
      }
      int status = (int) code.invokeExact(http);
      InputStream in = call.meter((InputStream) byteStream.invokeExact(original), status);
      Object type = contentType.invokeExact(original);
      long length = (long) contentLength.invokeExact(original);
      Object bufferedSource = buffer.invokeExact(source.invokeExact(in));
      Object meteredBody = createBody.invokeExact(type, length, bufferedSource);
      return build.invokeExact(builderBody.invokeExact(newBuilder.invokeExact(http), meteredBody));
    }
  }

  /** Apache HttpClient 4: a proxy of the response whose entity's content is our stream; close settles. */
  private static final class Apache extends Rebuilder {
    private final Class<?> responseType;
    private final Class<?> entityType;
    private final Method statusLine;
    private final Method statusCode;

    Apache(Field field, Constructor<?> constructor) throws ReflectiveOperationException {
      super(field, constructor);
      ClassLoader loader = field.getType().getClassLoader();
      responseType = field.getType();
      entityType = Class.forName("org.apache.http.HttpEntity", false, loader);
      statusLine = responseType.getMethod("getStatusLine");
      statusCode = Class.forName("org.apache.http.StatusLine", false, loader).getMethod("getStatusCode");
    }

    @Override
    Object metered(MeteredCall call, Object http) throws Throwable {
      int status = (int) statusCode.invoke(statusLine.invoke(http));
      Method getEntity = responseType.getMethod("getEntity");
      Object entity = getEntity.invoke(http);
      if (entity == null) {
        call.release();
        return http;
      }
      InputStream in = call.meter((InputStream) entityType.getMethod("getContent").invoke(entity), status);
      ClassLoader loader = responseType.getClassLoader();
      Object meteredEntity = Proxy.newProxyInstance(loader, new Class<?>[] {entityType}, (proxy, m, args) -> {
        switch (m.getName()) {
          case "getContent":
            return in;
          case "writeTo":
            in.transferTo((OutputStream) args[0]);
            return null;
          case "consumeContent":
            in.close();
            return null;
          case "isRepeatable":
            return false;
          default:
            return delegate(m, entity, args);
        }
      });
      return Proxy.newProxyInstance(loader, new Class<?>[] {responseType}, (InvocationHandler) (proxy, m, args) -> {
        switch (m.getName()) {
          case "getEntity":
            return meteredEntity;
          case "close":
            try {
              return delegate(m, http, args);
            } finally {
              in.close();
            }
          default:
            return delegate(m, http, args);
        }
      });
    }
  }

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

  private static MethodHandle getter(MethodHandles.Lookup lookup, Method m) throws IllegalAccessException {
    return lookup.unreflect(m).asType(GETTER);
  }

  private static Object delegate(Method m, Object target, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
