package dev.llmbudget.agent.instrumentation.bedrock;

import dev.llmbudget.internal.Log;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Puts a {@link BedrockCall} between the SDK and the caller's event-stream response handler:
 * proxies of the handler, of the {@code SdkPublisher} it is given, of the subscriber the caller
 * subscribes and of that subscriber's subscription. Every event passes through unchanged after the
 * call has seen it; the stream's end, its failure or a cancel settles the call. The proxies are
 * defined in the SDK's class loader and implement only SDK and Reactive Streams interfaces.
 */
final class MeteredStream {

  private MeteredStream() {}

  /** The SDK interfaces a stream's proxies implement, as the client's loader sees them. */
  static final class Types {
    final ClassLoader loader;
    final Class<?> publisher;
    final Class<?> subscriber;
    final Class<?> subscription;

    Types(ClassLoader loader) throws ClassNotFoundException {
      this.loader = loader;
      this.publisher = Class.forName("software.amazon.awssdk.core.async.SdkPublisher", false, loader);
      this.subscriber = Class.forName("org.reactivestreams.Subscriber", false, loader);
      this.subscription = Class.forName("org.reactivestreams.Subscription", false, loader);
    }
  }

  private static final ClassValue<Types> TYPES = new ClassValue<>() {
    @Override
    protected Types computeValue(Class<?> client) {
      try {
        return new Types(client.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        Log.warnOnce("bedrock-types", "llm-budget: the Bedrock client's loader lacks the event-stream types ("
            + e + "); its streams are charged what they reserved and counted as unmetered", e);
        return null;
      }
    }
  };

  /**
   * A handler that meters {@code handler}'s stream, or {@code handler} itself when it cannot be
   * wrapped: the call is then settled when the returned future completes, charged what it reserved
   * if it completes normally (its answer went by unseen).
   */
  static Object handler(BedrockCall call, Object client, Object handler, String handlerInterface) {
    if (handler == null) {
      return null; // the SDK refuses it; the call fails and is released
    }
    try {
      Types types = TYPES.get(client.getClass());
      if (types == null) {
        call.unfollowed(new IllegalStateException(client.getClass().getName()
            + "'s class loader lacks the SDK's event-stream types"));
        return handler;
      }
      Class<?> iface = Class.forName(handlerInterface, false, types.loader);
      if (!iface.isInstance(handler)) {
        call.unfollowed(new IllegalStateException(handler.getClass().getName() + " is no " + handlerInterface
            + " of the client's class loader"));
        return handler;
      }
      return Proxy.newProxyInstance(types.loader, new Class<?>[] {iface}, new Handler(call, types, handler));
    } catch (Throwable t) {
      Log.warnOnce("bedrock-handler:" + t.getClass().getName(), "llm-budget: could not meter a Bedrock stream ("
          + t + "); it is charged what it reserved if it completes", t);
      call.unfollowed(t);
      return handler;
    }
  }

  /** Calls {@code handler.exceptionOccurred(error)}, as the SDK does for a call that fails before sending. */
  static void refuse(Object handler, Throwable error) {
    try {
      Method m = findPublic(handler.getClass(), "exceptionOccurred", Throwable.class);
      if (m != null) {
        m.invoke(handler, error);
      }
    } catch (Throwable t) {
      // The caller still gets the error through the returned future.
    }
  }

  private static Method findPublic(Class<?> type, String name, Class<?>... params) {
    for (Class<?> i : type.getInterfaces()) {
      try {
        return i.getMethod(name, params);
      } catch (NoSuchMethodException e) {
        // try the next
      }
    }
    Class<?> sup = type.getSuperclass();
    return sup == null ? null : findPublic(sup, name, params);
  }

  /** Common to the proxies: Object's methods by identity, everything else to the target. */
  private abstract static class Forwarding implements InvocationHandler {
    final Object target;

    Forwarding(Object target) {
      this.target = target;
    }

    Object forward(Method method, Object[] args) throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }

    Object objectMethod(Object proxy, Method method, Object[] args) {
      switch (method.getName()) {
        case "equals":
          return proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return target.toString();
      }
    }

    static boolean isObjectMethod(Method m) {
      return m.getDeclaringClass() == Object.class;
    }
  }

  /** The caller's response handler: its stream is metered, its end settles the call. */
  private static final class Handler extends Forwarding {
    private final BedrockCall call;
    private final Types types;

    Handler(BedrockCall call, Types types, Object handler) {
      super(handler);
      this.call = call;
      this.types = types;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args);
      }
      String name = method.getName();
      if (name.equals("onEventStream") && args != null && args.length == 1 && types.publisher.isInstance(args[0])) {
        args = new Object[] {publisher(args[0])};
      } else if (name.equals("exceptionOccurred")) {
        call.finish(true);
      } else if (name.equals("complete")) {
        call.finish(false);
      }
      return forward(method, args);
    }

    private Object publisher(Object publisher) {
      try {
        return Proxy.newProxyInstance(types.loader, new Class<?>[] {types.publisher}, new Publisher(call, types, publisher));
      } catch (Throwable t) {
        Log.warnOnce("bedrock-publisher:" + t.getClass().getName(), "llm-budget: could not meter a Bedrock stream ("
            + t + "); it is charged what it reserved if it completes", t);
        call.unfollowed(t);
        return publisher;
      }
    }
  }

  /** The event publisher: a subscriber is wrapped; its default operators run against the proxy, so they subscribe through it. */
  private static final class Publisher extends Forwarding {
    private final BedrockCall call;
    private final Types types;

    Publisher(BedrockCall call, Types types, Object publisher) {
      super(publisher);
      this.call = call;
      this.types = types;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args);
      }
      if (method.getName().equals("subscribe") && args != null && args.length == 1
          && types.subscriber.isInstance(args[0])) {
        Object subscriber = Proxy.newProxyInstance(types.loader, new Class<?>[] {types.subscriber},
            new Subscriber(call, types, args[0]));
        return forward(method, new Object[] {subscriber});
      }
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, args);
      }
      return forward(method, args);
    }
  }

  /** The caller's subscriber: sees each event first; a terminal signal settles the call before the caller hears it. */
  private static final class Subscriber extends Forwarding {
    private final BedrockCall call;
    private final Types types;

    Subscriber(BedrockCall call, Types types, Object subscriber) {
      super(subscriber);
      this.call = call;
      this.types = types;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args);
      }
      switch (method.getName()) {
        case "onSubscribe":
          if (args != null && args.length == 1 && types.subscription.isInstance(args[0])) {
            args = new Object[] {Proxy.newProxyInstance(types.loader, new Class<?>[] {types.subscription},
                new Subscription(call, args[0]))};
          }
          break;
        case "onNext":
          call.onEvent(args[0]);
          break;
        case "onError":
          call.finish(true);
          break;
        case "onComplete":
          call.finish(false);
          break;
        default:
          break;
      }
      return forward(method, args);
    }
  }

  /** The subscriber's subscription: a cancel charges what was received. */
  private static final class Subscription extends Forwarding {
    private final BedrockCall call;

    Subscription(BedrockCall call, Object subscription) {
      super(subscription);
      this.call = call;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (isObjectMethod(method)) {
        return objectMethod(proxy, method, args);
      }
      try {
        return forward(method, args);
      } finally {
        if (method.getName().equals("cancel")) {
          call.finish(false);
        }
      }
    }
  }
}
