package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;

/**
 * Method handles on one SDK's {@code HttpRequest}, {@code HttpRequestBody} and {@code
 * HttpResponse}, looked up once per request class. Accessors differ across SDK versions only in
 * {@code body()}, which anthropic-java 3.x wraps in an {@code Optional}. They are also how a metered
 * call hands back that SDK's response (see {@link MeteredResponse}).
 */
final class SdkHandles implements MeteredCall.ResponseWrapper {

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);

  private static final ClassValue<SdkHandles> BY_REQUEST_CLASS = new ClassValue<>() {
    @Override
    protected SdkHandles computeValue(Class<?> type) {
      for (StainlessSdk sdk : HttpSeam.sdks()) {
        if (type.getName().equals(sdk.httpPackage() + ".HttpRequest")) {
          try {
            return new SdkHandles(sdk, type);
          } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Cached, not null: every later call of this SDK meets the failure policy, not a silent pass.
            SdkHandles unknown = new SdkHandles(sdk, type, e);
            dev.llmbudget.internal.Log.error("llm-budget: " + unknown.unknownShape.getMessage(), e);
            return unknown;
          }
        }
      }
      return null;
    }
  };

  final StainlessSdk sdk;
  /**
   * Why this SDK's request class cannot be read (a version whose HTTP layer the agent does not
   * know), or {@code null}: its priced calls go to the failure policy with this as the cause.
   */
  final RuntimeException unknownShape;
  final Class<?> responseType;
  private final MethodHandle method;
  private final MethodHandle pathSegments;
  private final MethodHandle body;
  private final MethodHandle bodyRepeatable;
  private final MethodHandle bodyWriteTo;
  private final MethodHandle statusCode;
  private final MethodHandle responseBody;
  private final MethodHandle responseClose;
  private final MethodHandle newResponseProxy;
  private final MethodHandle toBuilder;
  private final MethodHandle builderBody;
  private final MethodHandle builderBuild;
  /** {@code (request, body) -> a request like it with that body}, or {@code null}: the builder is used. */
  private final Copier copyWithBody;
  private final MethodHandle bodyContentType;
  private final MethodHandle bodyClose;
  private final MethodHandle newBodyProxy;

  private SdkHandles(StainlessSdk sdk, Class<?> requestType) throws ReflectiveOperationException {
    this.sdk = sdk;
    this.unknownShape = null;
    ClassLoader loader = requestType.getClassLoader();
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    Class<?> bodyType = Class.forName(sdk.httpPackage() + ".HttpRequestBody", false, loader);
    responseType = Class.forName(sdk.httpPackage() + ".HttpResponse", false, loader);
    method = getter(lookup, requestType, "method");
    pathSegments = getter(lookup, requestType, "pathSegments");
    body = getter(lookup, requestType, "body");
    bodyRepeatable = lookup.unreflect(bodyType.getMethod("repeatable"))
        .asType(MethodType.methodType(boolean.class, Object.class));
    bodyWriteTo = lookup.unreflect(bodyType.getMethod("writeTo", OutputStream.class))
        .asType(MethodType.methodType(void.class, Object.class, OutputStream.class));
    statusCode = lookup.unreflect(responseType.getMethod("statusCode"))
        .asType(MethodType.methodType(int.class, Object.class));
    responseBody = lookup.unreflect(responseType.getMethod("body"))
        .asType(MethodType.methodType(InputStream.class, Object.class));
    responseClose = lookup.unreflect(responseType.getMethod("close"))
        .asType(MethodType.methodType(void.class, Object.class));
    // The proxy class is made once; each call then costs one constructor call.
    Class<?> proxyType = Proxy.newProxyInstance(loader, new Class<?>[] {responseType}, (p, m, a) -> null).getClass();
    newResponseProxy = lookup.findConstructor(proxyType, MethodType.methodType(void.class, InvocationHandler.class))
        .asType(MethodType.methodType(Object.class, InvocationHandler.class));
    // For sending a request with a rewritten body: HttpRequest.toBuilder().body(newBody).build().
    Class<?> builderType = Class.forName(sdk.httpPackage() + ".HttpRequest$Builder", false, loader);
    toBuilder = getter(lookup, requestType, "toBuilder");
    builderBody = lookup.unreflect(builderType.getMethod("body", bodyType))
        .asType(MethodType.methodType(Object.class, Object.class, Object.class));
    builderBuild = getter(lookup, builderType, "build");
    copyWithBody = copierWithBody(requestType, bodyType);
    bodyContentType = getter(lookup, bodyType, "contentType");
    bodyClose = lookup.unreflect(bodyType.getMethod("close")).asType(MethodType.methodType(void.class, Object.class));
    Class<?> bodyProxyType = Proxy.newProxyInstance(loader, new Class<?>[] {bodyType}, (p, m, a) -> null).getClass();
    newBodyProxy = lookup.findConstructor(bodyProxyType, MethodType.methodType(void.class, InvocationHandler.class))
        .asType(MethodType.methodType(Object.class, InvocationHandler.class));
  }

  /**
   * The handles of a request class that lacks something the agent needs: only {@code method()} and
   * {@code pathSegments()}, when it still has them, so a call that is not priced still passes.
   */
  private SdkHandles(StainlessSdk sdk, Class<?> requestType, Throwable failure) {
    this.sdk = sdk;
    this.unknownShape = new IllegalStateException(requestType.getName() + " does not have the shape this "
        + "llm-budget agent knows (" + failure + "): the SDK's LLM calls cannot be metered; use an SDK "
        + "version the agent supports, or a newer llm-budget", failure);
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    MethodHandle m;
    MethodHandle p;
    try {
      m = getter(lookup, requestType, "method");
      p = getter(lookup, requestType, "pathSegments");
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      m = null;
      p = null;
    }
    method = m;
    pathSegments = p;
    responseType = null;
    body = null;
    bodyRepeatable = null;
    bodyWriteTo = null;
    statusCode = null;
    responseBody = null;
    responseClose = null;
    newResponseProxy = null;
    toBuilder = null;
    builderBody = null;
    builderBuild = null;
    copyWithBody = null;
    bodyContentType = null;
    bodyClose = null;
    newBodyProxy = null;
  }

  /** {@code true} when a request's HTTP method and path can be read, so its endpoint classified. */
  boolean canClassify() {
    return method != null && pathSegments != null;
  }

  /**
   * A copy of {@code request} whose body is {@code json}, with {@code original}'s content type;
   * closing it closes {@code original}.
   */
  Object withBody(Object request, Object original, byte[] json) throws Throwable {
    return withBody(request, original, json, json.length, json.length, NO_BYTES);
  }

  private static final byte[] NO_BYTES = new byte[0];

  /**
   * As {@link #withBody(Object, Object, byte[])}, the body being {@code json} with {@code json[from,
   * to)} replaced by {@code insert}: written in three parts rather than copied, since a long prompt
   * would be copied whole for a few bytes changed.
   */
  Object withBody(Object request, Object original, byte[] json, int from, int to, byte[] insert) throws Throwable {
    Object contentType = bodyContentType.invokeExact(original);
    InvocationHandler body = new RewrittenBody(this, original, contentType, json, from, to, insert);
    Object newBody = newBodyProxy.invokeExact(body);
    if (copyWithBody != null) {
      return copyWithBody.copy(request, newBody);
    }
    Object builder = toBuilder.invokeExact(request);
    builder = builderBody.invokeExact(builder, newBody);
    return builderBuild.invokeExact(builder);
  }

  /**
   * {@code (request, body) -> new HttpRequest(request.method(), ..., body)} through the public
   * constructor Kotlin makes for the builder (its last parameter a {@code DefaultConstructorMarker}),
   * or {@code null} when the class has no such constructor or its parameters are not each one field
   * of a distinct type with a getter of the field's name. The builder would copy the headers and
   * query parameters into new maps and lists (2.4 KB a call) to make the same immutable request;
   * this shares the original's, which are immutable. Parameters are matched to fields by type, so
   * the order of the fields does not matter, and a field more than the constructor takes (which it
   * would lose) means the builder.
   */
  static Copier copierWithBody(Class<?> requestType, Class<?> bodyType) {
    try {
      java.util.List<java.lang.reflect.Field> fields = new java.util.ArrayList<>();
      for (java.lang.reflect.Field f : requestType.getDeclaredFields()) {
        if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
          fields.add(f);
        }
      }
      for (java.lang.reflect.Constructor<?> c : requestType.getConstructors()) {
        Class<?>[] params = c.getParameterTypes();
        int n = params.length - 1;
        if (n != fields.size() || n < 1 || !params[n].getName().endsWith("kotlin.jvm.internal.DefaultConstructorMarker")) {
          continue;
        }
        java.lang.reflect.Method[] getters = new java.lang.reflect.Method[n];
        int bodyAt = -1;
        for (int i = 0; i < n; i++) {
          if (params[i] == bodyType) {
            if (bodyAt >= 0) {
              return null;
            }
            bodyAt = i; // the new body
            continue;
          }
          java.lang.reflect.Field only = null;
          for (java.lang.reflect.Field f : fields) {
            if (f.getType() == params[i]) {
              if (only != null) {
                return null;
              }
              only = f;
            }
          }
          java.lang.reflect.Method get = only == null ? null : requestType.getMethod(only.getName());
          if (get == null || get.getReturnType() != params[i]) {
            return null;
          }
          getters[i] = get;
        }
        return bodyAt < 0 ? null : new Copier(c, getters, bodyAt);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      // The builder is the way, as before.
    }
    return null;
  }

  /**
   * What {@link #copierWithBody} finds, called by reflection: method handle combinators over the
   * constructor (filter, permute, insert) would spin ~60 classes of the JDK's on the thread that
   * builds the handles, some 30 ms of CPU at every start of an app, for a copy that reflection makes
   * with one array of the constructor's arguments.
   */
  static final class Copier {
    private static final Object[] NO_ARGUMENTS = new Object[0];
    private final java.lang.reflect.Constructor<?> make;
    /** The getter of each constructor argument but the body's, in order; {@code null} at {@link #bodyAt}. */
    private final java.lang.reflect.Method[] getters;
    private final int bodyAt;

    Copier(java.lang.reflect.Constructor<?> make, java.lang.reflect.Method[] getters, int bodyAt) {
      this.make = make;
      this.getters = getters;
      this.bodyAt = bodyAt;
    }

    Object copy(Object request, Object body) throws Throwable {
      Object[] arguments = new Object[getters.length + 1]; // the last, Kotlin's marker, stays null
      try {
        for (int i = 0; i < getters.length; i++) {
          arguments[i] = i == bodyAt ? body : getters[i].invoke(request, NO_ARGUMENTS);
        }
        return make.newInstance(arguments);
      } catch (java.lang.reflect.InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  @Override
  public Object wrap(MeteredCall call, Object response) throws Throwable {
    return MeteredResponse.wrap(this, call, response);
  }

  /** A proxy of the SDK's {@code HttpResponse}, defined in the SDK's loader, calling {@code handler}. */
  Object responseProxy(InvocationHandler handler) throws Throwable {
    return newResponseProxy.invokeExact(handler);
  }

  private static MethodHandle getter(MethodHandles.Lookup lookup, Class<?> type, String name)
      throws ReflectiveOperationException {
    return lookup.unreflect(type.getMethod(name)).asType(GETTER);
  }

  /**
   * Builds the handles of {@code sdk}'s classes in {@code loader} on a daemon thread, so the thread
   * of the first call does not: ~15 method handles and two proxy classes spin ~30 hidden classes.
   * Started when the SDK's HTTP client class is woven, well before it sends anything; it initialises none of the
   * SDK's own classes. What goes wrong is left for the first call to find and report.
   */
  static void prepareSoon(StainlessSdk sdk, ClassLoader loader) {
    if (HttpSeam.sdks().isEmpty()) {
      // Not registered (a test that weaves only): the look-up would cache "no SDK" for the request class for good.
      return;
    }
    Thread t = new Thread(() -> {
      try {
        BY_REQUEST_CLASS.get(Class.forName(sdk.httpPackage() + ".HttpRequest", false, loader));
      } catch (Throwable e) {
        // The first call looks the class up again and reports what it finds.
      }
    }, "llm-budget-prepare");
    t.setDaemon(true);
    t.start();
  }

  /**
   * The handles for {@code request}'s SDK, or {@code null} when it is no SDK we know; handles with
   * an {@link #unknownShape} when it is one in a shape the agent cannot read.
   */
  static SdkHandles of(Object request) {
    // Before the seam is registered no SDK is known; asking would cache that answer for the class.
    return HttpSeam.sdks().isEmpty() ? null : BY_REQUEST_CLASS.get(request.getClass());
  }

  String httpMethod(Object request) throws Throwable {
    Object m = method.invokeExact(request);
    return m instanceof Enum ? ((Enum<?>) m).name() : String.valueOf(m);
  }

  @SuppressWarnings("unchecked")
  List<String> pathSegments(Object request) throws Throwable {
    return (List<String>) (Object) pathSegments.invokeExact(request);
  }

  /** The request's JSON body, or {@code null} when it has none or reading it would consume it. */
  byte[] bodyBytes(Object request) throws Throwable {
    return bytes(requestBody(request));
  }

  /** The request's {@code HttpRequestBody}, or {@code null}. */
  Object requestBody(Object request) throws Throwable {
    Object b = body.invokeExact(request);
    if (b instanceof Optional) {
      b = ((Optional<?>) b).orElse(null);
    }
    return b;
  }

  /** The bytes of a request body, or {@code null} when there is none or reading it would consume it. */
  byte[] bytes(Object b) throws Throwable {
    if (b == null || !(boolean) bodyRepeatable.invokeExact(b)) {
      return null;
    }
    BodyBytes out = new BodyBytes();
    bodyWriteTo.invokeExact(b, (OutputStream) out);
    return out.bytes();
  }

  /** Closes an SDK {@code HttpRequestBody}. */
  void closeBody(Object body) throws Throwable {
    bodyClose.invokeExact(body);
  }

  int statusCode(Object response) throws Throwable {
    return (int) statusCode.invokeExact(response);
  }

  InputStream body(Object response) throws Throwable {
    return (InputStream) responseBody.invokeExact(response);
  }

  void close(Object response) throws Throwable {
    responseClose.invokeExact(response);
  }
}
