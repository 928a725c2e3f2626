package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.meter.BodyMeter;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import java.io.InputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The invocation handler behind the proxied SDK {@code HttpResponse}: {@code body()} returns the
 * metering stream, {@code close()} settles, default methods run against the proxy (so they read
 * the metered body) and everything else goes to the SDK's response.
 */
final class MeteredResponse implements InvocationHandler {

  private final SdkHandles handles;
  private final Object response;
  private final BodyMeter meter;
  private InputStream body;

  private MeteredResponse(SdkHandles handles, Object response, BodyMeter meter) {
    this.handles = handles;
    this.response = response;
    this.meter = meter;
  }

  /** A proxy of the SDK's {@code HttpResponse} whose body is metered by {@code call}. */
  static Object wrap(SdkHandles handles, MeteredCall call, Object response) throws Throwable {
    BodyMeter meter = call.body(handles.statusCode(response));
    Object proxy = handles.responseProxy(new MeteredResponse(handles, response, meter));
    // A response dropped unread and unclosed would hold its reservation for ever.
    meter.settleWhenCollected(proxy);
    return proxy;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (args == null || args.length == 0) {
      switch (method.getName()) {
        case "body":
          return body(proxy);
        case "close":
          try {
            handles.close(response);
          } finally {
            meter.finish();
          }
          return null;
        case "hashCode":
          return System.identityHashCode(proxy);
        case "toString":
          return response.toString();
        default:
          break;
      }
    } else if (method.getName().equals("equals") && args.length == 1) {
      return proxy == args[0];
    }
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    try {
      return method.invoke(response, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private synchronized InputStream body(Object proxy) throws Throwable {
    if (body == null) {
      body = meter.stream(handles.body(response), proxy);
    }
    return body;
  }
}
