package dev.llmbudget.agent.instrumentation.azure;

import dev.llmbudget.agent.instrumentation.meter.CapRewriter;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.Log;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * What the Azure OpenAI advice calls. The request body is read before it is sent and its cost
 * reserved; the answer's body is read for its usage: at once when the SDK already holds all of it
 * (a plain answer), else as the caller reads it (a stream). Anything of ours that fails before the
 * call goes out is decided by the failure policy ({@code llmbudget.on_error}); only the budget's
 * errors reach the host.
 */
public final class AzureSeam {

  private AzureSeam() {}

  /** Reserves the call; {@code null} when it cannot be metered. */
  public static MeteredCall enter(Object deployment, Object body) {
    LlmRequest request;
    try {
      request = read(deployment, body);
    } catch (Throwable t) {
      request = MeteredCall.unreadable("an Azure OpenAI call (reading its request)", t);
    }
    String user = MeteredCall.currentUser();
    byte[] bytes = request == null ? null : bytesOf(body);
    MeteredCall call = MeteredCall.reserve(user, request, ChatRequest.hasOutput(bytes));
    if (call == null || call.capToSend() <= 0) {
      return call;
    }
    try {
      // A request without a cap gets max_tokens, which every Azure API version knows, unless the
      // deployment runs a reasoning model, which takes only max_completion_tokens.
      String existing = ChatRequest.capField(bytes);
      String field = existing != null ? existing : reasoningModel(request.model()) ? "max_completion_tokens" : "max_tokens";
      byte[] capped = CapRewriter.withCap(bytes, call.capToSend(), field);
      call.sendInstead(AzureHandles.of(body).fromBytes(capped));
      return call;
    } catch (Throwable t) {
      Log.warnOnce("azure-cap:" + t.getClass().getName(), "llm-budget: could not write the output cap into an "
          + "Azure OpenAI request (" + t + "); its model's maximum output is reserved instead", t);
      call.release();
      return MeteredCall.reserve(user, request, false);
    }
  }

  /** True for o-series and GPT-5 models, by the deployment's model name ({@code llmbudget.azure.deployments}) or its own. */
  static boolean reasoningModel(String deployment) {
    String model = BudgetRuntime.config().azureDeployments().getOrDefault(deployment, deployment);
    String name = model == null ? "" : model.toLowerCase(java.util.Locale.ROOT);
    return name.startsWith("gpt-5") || name.length() >= 2 && name.charAt(0) == 'o' && Character.isDigit(name.charAt(1));
  }

  /** The body the advice sends: the one with the cap the budget can pay for, else {@code body}. */
  public static Object sent(Object call, Object body) {
    return call instanceof MeteredCall ? ((MeteredCall) call).requestToSend(body) : body;
  }

  private static byte[] bytesOf(Object body) {
    try {
      return AzureHandles.of(body).bytes(body);
    } catch (Throwable t) {
      return null;
    }
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
