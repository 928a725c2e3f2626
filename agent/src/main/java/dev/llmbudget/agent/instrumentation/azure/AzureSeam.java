package dev.llmbudget.agent.instrumentation.azure;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * What the Azure OpenAI advice calls. The request body is read before it is sent and its cost
 * reserved; the answer's body is read for its usage: at once when the SDK already holds all of it
 * (a plain answer), else as the caller reads it (a stream). Anything of ours that fails is logged
 * once and the call goes on unmetered; only the budget's errors reach the host.
 */
public final class AzureSeam {

  private AzureSeam() {}

  /** Reserves the call; {@code null} when it cannot be metered. */
  public static MeteredCall enter(Object deployment, Object body) {
    LlmRequest request;
    try {
      request = read(deployment, body);
    } catch (Throwable t) {
      CallCounters.unmetered();
      Log.warnOnce("azure-request:" + t.getClass().getName(), "llm-budget: could not read an Azure OpenAI request ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
    return MeteredCall.reserve(MeteredCall.currentUser(), request);
  }

  static LlmRequest read(Object deployment, Object body) throws Throwable {
    AzureHandles h = AzureHandles.of(body);
    if (h == null || !h.isBinaryData(body) || !h.replayable(body)) {
      return null;
    }
    return ChatRequest.read(deployment instanceof String ? (String) deployment : null, h.bytes(body));
  }

  /** Settles or meters {@code response} ({@code Response<BinaryData>}); a failed call is released. */
  public static Object exit(Object call, Object response, Throwable thrown) {
    return MeteredCall.exit(call, response, thrown, AzureSeam::meter);
  }

  static Object meter(MeteredCall call, Object response) throws Throwable {
    AzureHandles h = AzureHandles.of(response);
    Object data = h == null ? null : h.value(response);
    if (h == null || !h.isBinaryData(data)) {
      call.release();
      return response;
    }
    int status = h.status(response);
    if (h.replayable(data)) {
      // The SDK holds the whole answer already: read it now, hand it on untouched.
      call.settle(h.bytes(data), status);
      return response;
    }
    Object metered = h.fromStream(call.meter(h.stream(data), status));
    return Proxy.newProxyInstance(h.responseType.getClassLoader(), new Class<?>[] {h.responseType},
        (InvocationHandler) (proxy, m, args) -> {
          if (m.getName().equals("getValue") && (args == null || args.length == 0)) {
            return metered;
          }
          if (m.isDefault()) {
            return InvocationHandler.invokeDefault(proxy, m, args);
          }
          try {
            return m.invoke(response, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
