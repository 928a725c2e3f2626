package dev.llmbudget.agent.instrumentation.stainless;

import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;

/**
 * The invocation handler behind the SDK {@code HttpRequestBody} the agent sends instead of the SDK's:
 * {@code json} with {@code json[from, to)} replaced by {@code insert}, written in three parts rather
 * than copied (a long prompt would be copied whole for a few bytes changed). Default methods (such
 * as openai-java's {@code content()}, for an app's own transport) run against the proxy, so they
 * read these bytes.
 */
final class RewrittenBody implements InvocationHandler {

  private final SdkHandles handles;
  private final Object original;
  private final Object contentType;
  private final byte[] json;
  private final int from;
  private final int to;
  private final byte[] insert;

  RewrittenBody(SdkHandles handles, Object original, Object contentType, byte[] json, int from, int to, byte[] insert) {
    this.handles = handles;
    this.original = original;
    this.contentType = contentType;
    this.json = json;
    this.from = from;
    this.to = to;
    this.insert = insert;
  }

  private long length() {
    return (long) json.length - (to - from) + insert.length;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    switch (method.getName()) {
      case "writeTo":
        if (args != null && args.length == 1 && args[0] instanceof OutputStream) {
          OutputStream out = (OutputStream) args[0];
          out.write(json, 0, from);
          out.write(insert);
          out.write(json, to, json.length - to);
          return null;
        }
        break;
      case "contentType":
        return contentType;
      case "contentLength":
        return length();
      case "repeatable":
        return true;
      case "close":
        handles.closeBody(original);
        return null;
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      case "toString":
        return "HttpRequestBody[" + length() + " bytes, rewritten by llm-budget]";
      default:
        break;
    }
    if (method.isDefault()) {
      return InvocationHandler.invokeDefault(proxy, method, args);
    }
    throw new UnsupportedOperationException(method.toString());
  }
}
