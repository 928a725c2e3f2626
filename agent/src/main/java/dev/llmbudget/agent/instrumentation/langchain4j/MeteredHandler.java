package dev.llmbudget.agent.instrumentation.langchain4j;

import dev.llmbudget.internal.Log;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;

/**
 * Stands in for the caller's {@code StreamingChatResponseHandler}: every callback goes on to the
 * caller's handler unchanged, after the call is charged at {@code onCompleteResponse} or
 * {@code onError}. Partial text is remembered for the estimate of a stream that stops early; the
 * {@code StreamingHandle} in a partial callback's context (LangChain4j 1.2+) is wrapped so that
 * {@code cancel()} charges what was received.
 */
final class MeteredHandler implements InvocationHandler {

  /** Per context class: {@code new XContext(StreamingHandle)} and the handle's interface, if it has that shape. */
  private static final ClassValue<Optional<ContextShape>> CONTEXTS = new ClassValue<>() {
    @Override
    protected Optional<ContextShape> computeValue(Class<?> type) {
      try {
        Method getter = type.getMethod("streamingHandle");
        Class<?> handleType = getter.getReturnType();
        if (!handleType.isInterface()) {
          return Optional.empty();
        }
        MethodHandle ctor = MethodHandles.publicLookup().findConstructor(type,
            MethodType.methodType(void.class, handleType)).asType(MethodType.methodType(Object.class, Object.class));
        MethodHandle handle = MethodHandles.publicLookup().unreflect(getter)
            .asType(MethodType.methodType(Object.class, Object.class));
        return Optional.of(new ContextShape(handleType, handle, ctor));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return Optional.empty();
      }
    }
  };

  private final Object delegate;
  private final MeteredChat call;

  private MeteredHandler(Object delegate, MeteredChat call) {
    this.delegate = delegate;
    this.call = call;
  }

  /** A proxy of {@code handlerType} (defined in its own loader) that meters {@code call}. */
  static Object wrap(Class<?> handlerType, Object delegate, MeteredChat call) {
    return Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
        new MeteredHandler(delegate, call));
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (method.getDeclaringClass() == Object.class) {
      switch (name) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return "metered " + delegate;
      }
    }
    Object[] forwarded = args;
    try {
      forwarded = observe(name, args);
    } catch (Throwable t) {
      Log.warnOnce("lc4j-handler:" + t.getClass().getName(), "llm-budget: could not follow a LangChain4j stream ("
          + t + "); its charge may be an estimate", t);
    }
    try {
      return method.invoke(delegate, forwarded);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private Object[] observe(String name, Object[] args) throws Throwable {
    int n = args == null ? 0 : args.length;
    switch (name) {
      case "onCompleteResponse":
        call.complete(n > 0 ? args[0] : null);
        return args;
      case "onError":
        call.fail();
        return args;
      case "onPartialResponse":
      case "onPartialThinking":
        if (n > 0) {
          receivedPart(args[0]);
        }
        return n == 2 ? withMeteredContext(args) : args;
      default:
        return n == 2 ? withMeteredContext(args) : args;
    }
  }

  /**
   * Remembers a partial response's text for the estimate. One the agent cannot read is marked, so
   * that a stream reporting no usage is charged what it reserved instead of a short estimate.
   */
  private void receivedPart(Object part) {
    try {
      if (part instanceof String || part == null) {
        call.received((String) part);
      } else if (Accessors.has(part, "text")) {
        call.received(Accessors.string(part, "text"));
      } else {
        throw new IllegalStateException(part.getClass().getName() + " has no text()");
      }
    } catch (Throwable t) {
      Log.warnOnce("lc4j-part:" + t.getClass().getName(), "llm-budget: could not read a LangChain4j partial "
          + "response (" + t + "); unless the stream reports its usage, it is charged what it reserved", t);
      call.unreadPart(t);
    }
  }

  /** The same callback with a context whose {@code StreamingHandle.cancel()} settles the call first. */
  private Object[] withMeteredContext(Object[] args) throws Throwable {
    Object context = args[1];
    if (context == null) {
      return args;
    }
    Optional<ContextShape> shape = CONTEXTS.get(context.getClass());
    if (shape.isEmpty()) {
      return args;
    }
    ContextShape s = shape.get();
    Object handle = (Object) s.handle.invokeExact(context);
    if (handle == null) {
      return args;
    }
    Object metered = Proxy.newProxyInstance(s.handleType.getClassLoader(), new Class<?>[] {s.handleType},
        new CancelHook(handle, call));
    Object[] out = args.clone();
    out[1] = (Object) s.ctor.invokeExact(metered);
    return out;
  }

  private static final class ContextShape {
    final Class<?> handleType;
    final MethodHandle handle;
    final MethodHandle ctor;

    ContextShape(Class<?> handleType, MethodHandle handle, MethodHandle ctor) {
      this.handleType = handleType;
      this.handle = handle;
      this.ctor = ctor;
    }
  }

  /** Charges the received text when the consumer cancels the stream, then cancels it. */
  private static final class CancelHook implements InvocationHandler {
    private final Object delegate;
    private final MeteredChat call;

    CancelHook(Object delegate, MeteredChat call) {
      this.delegate = delegate;
      this.call = call;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getDeclaringClass() == Object.class) {
        switch (method.getName()) {
          case "equals":
            return proxy == args[0];
          case "hashCode":
            return System.identityHashCode(proxy);
          default:
            return "metered " + delegate;
        }
      }
      if ("cancel".equals(method.getName())) {
        call.stoppedEarly();
      }
      try {
        return method.invoke(delegate, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
