package dev.llmbudget.agent.instrumentation.azure;

import dev.llmbudget.agent.instrumentation.meter.CapRewriter;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.agent.instrumentation.meter.BodyMeter;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.Log;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the Azure OpenAI advice calls. The request body is read before it is sent and its cost
 * reserved; the answer's body is read for its usage: at once when the SDK already holds all of it
 * (a plain answer), else as the caller reads it (a stream). Anything of ours that fails before the
 * call goes out is decided by the failure policy ({@code llmbudget.on_error}); only the budget's
 * errors reach the host.
 */
public final class AzureSeam {

  /** How the ledger names the SDK of the calls metered here. */
  private static final String SDK = "azure-openai";

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
    MeteredCall call = MeteredCall.reserve(user, request, ChatRequest.hasOutput(bytes), SDK);
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
      return MeteredCall.reserve(user, request, false, SDK);
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
    if (body == null) {
      return null; // the SDK refuses a null body before it sends anything
    }
    AzureHandles h = AzureHandles.ofRequest(body);
    if (!h.isBinaryData(body)) {
      return null;
    }
    if (!h.replayable(body)) {
      // Reading it would consume what the SDK sends (a BinaryData.fromStream of the caller's): the
      // cost cannot be bounded, so the policy decides rather than a silent pass.
      throw new IllegalStateException("the request body of an Azure OpenAI call is a BinaryData that cannot be read "
          + "twice (" + body.getClass().getName() + "); pass one made by BinaryData.fromString/fromBytes/fromObject");
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
    if (h != null && data == null) {
      call.release(); // no body: nothing was answered to bill
      return response;
    }
    if (h == null || !h.isBinaryData(data)) {
      // answered, but not in a shape the agent reads: MeteredCall charges what it reserved, counted
      throw new IllegalStateException("an Azure OpenAI answer the agent cannot read ("
          + (h == null ? response.getClass().getName() : data.getClass().getName()) + ")");
    }
    int status = h.status(response);
    if (h.replayable(data)) {
      // The SDK holds the whole answer already: read it now, hand it on untouched.
      call.settle(h.bytes(data), status);
      return response;
    }
    return withValue(h, response, h.fromStream(call.meter(h.stream(data), status)));
  }

  /** A proxy of {@code response} whose {@code getValue()} is {@code metered}. */
  private static Object withValue(AzureHandles h, Object response, Object metered) {
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

  /**
   * {@code Mono<Response<BinaryData>>} of {@code OpenAIAsyncClient}: each subscription sends the
   * request, so each is reserved when it subscribes (for the user of the thread that built the
   * Mono) and refused with the budget's error as its error signal. The answer is settled as it is
   * read; a subscription that errs before an answer is released, one cancelled before an answer is
   * charged its prompt (see {@link MeteredCall#chargeSent()}).
   */
  public static Object exitAsync(Object deployment, Object body, Object mono, Throwable thrown) {
    if (thrown != null || mono == null || body == null) {
      return mono;
    }
    try {
      LlmRequest request = read(deployment, body);
      if (request == null) {
        return mono;
      }
      AzureReactor reactor = AzureReactor.of(body);
      String user = MeteredCall.currentUser();
      return reactor.defer(() -> subscribe(reactor, user, request, mono));
    } catch (Throwable t) {
      return unmetered(body, mono, t);
    }
  }

  /**
   * An async call that cannot be metered: the Mono the policy says, failing with its refusal under
   * {@code on_error=block}, else {@code mono} itself, counted. Only when not even a failing Mono can
   * be made does the call go on uncounted by the policy, and then it is counted and logged here.
   */
  private static Object unmetered(Object body, Object mono, Throwable cause) {
    dev.llmbudget.BudgetExceededError refusal =
        dev.llmbudget.internal.FailurePolicy.get().refusalFor("an async Azure OpenAI call", cause);
    if (refusal == null) {
      return mono;
    }
    try {
      return AzureReactor.of(body).error(refusal);
    } catch (Throwable t) {
      dev.llmbudget.internal.CallCounters.unmetered();
      Log.error("llm-budget: an async Azure OpenAI call could not be refused as " + refusal.getMessage()
          + " requires (" + t + "); it goes on unmetered and is counted", t);
      return mono;
    }
  }

  private static Object subscribe(AzureReactor reactor, String user, LlmRequest request, Object mono) {
    Object state = MeteredCall.reserveOrRefuse(user, request, false, SDK);
    try {
      if (state instanceof Refusal) {
        return reactor.error(((Refusal) state).error);
      }
      if (!(state instanceof MeteredCall)) {
        return mono;
      }
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
    MeteredCall call = (MeteredCall) state;
    AtomicBoolean answered = new AtomicBoolean();
    try {
      Object metered = reactor.flatMap(mono, response -> {
        answered.set(true);
        return meterAsync(reactor, call, response);
      });
      return reactor.watched(metered, () -> {
        if (!answered.get()) {
          call.release();
        }
      }, () -> {
        if (!answered.get()) {
          call.chargeSent();
        }
      });
    } catch (Throwable t) {
      call.release();
      dev.llmbudget.BudgetExceededError refusal =
          dev.llmbudget.internal.FailurePolicy.get().refusalFor("an async Azure OpenAI call", t);
      if (refusal == null) {
        return mono;
      }
      try {
        return reactor.error(refusal);
      } catch (Throwable again) {
        throw refusal; // inside Mono.defer: Reactor turns it into the subscriber's error signal
      }
    }
  }

  /** A {@code Mono} of {@code response} whose body settles {@code call} as it is read. */
  private static Object meterAsync(AzureReactor reactor, MeteredCall call, Object response) {
    try {
      AzureHandles h = AzureHandles.of(response);
      Object data = h == null ? null : h.value(response);
      if (h != null && data == null) {
        call.release(); // no body: nothing was answered to bill
        return reactor.just(response);
      }
      if (h == null || !h.isBinaryData(data)) {
        throw new IllegalStateException("an Azure OpenAI answer the agent cannot read ("
            + (h == null ? response.getClass().getName() : data.getClass().getName()) + ")");
      }
      int status = h.status(response);
      if (h.replayable(data)) {
        call.settle(h.bytes(data), status);
        return reactor.just(response);
      }
      BodyMeter meter = call.body(status);
      Object bytes = reactor.watchedBytes(data, meter::accept, meter::finish);
      return reactor.map(reactor.binaryDataOf(bytes), metered -> withValue(h, response, metered));
    } catch (Throwable t) {
      Log.warnOnce("azure-async-body:" + t.getClass().getName(), "llm-budget: could not meter an async Azure OpenAI "
          + "answer (" + t + "); the call is charged what it reserved and counted as unmetered", t);
      call.chargeReserved();
      dev.llmbudget.internal.CallCounters.unmetered();
      try {
        return reactor.just(response);
      } catch (Throwable again) {
        throw new IllegalStateException(again);
      }
    }
  }
}
