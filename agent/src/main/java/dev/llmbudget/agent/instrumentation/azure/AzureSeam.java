package dev.llmbudget.agent.instrumentation.azure;

import dev.llmbudget.agent.instrumentation.meter.BodyMeter;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.Log;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;

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
      Log.warnOnce("azure-async:" + t.getClass().getName(), "llm-budget: could not meter an async Azure OpenAI call ("
          + t + "); the call goes on unmetered", t);
      return mono;
    }
  }

  private static Object subscribe(AzureReactor reactor, String user, LlmRequest request, Object mono) {
    Object state = MeteredCall.reserveOrRefuse(user, request);
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
      Log.warnOnce("azure-subscribe:" + t.getClass().getName(), "llm-budget: could not meter an async Azure OpenAI "
          + "call (" + t + "); the call goes on unmetered", t);
      call.release();
      return mono;
    }
  }

  /** A {@code Mono} of {@code response} whose body settles {@code call} as it is read. */
  private static Object meterAsync(AzureReactor reactor, MeteredCall call, Object response) {
    try {
      AzureHandles h = AzureHandles.of(response);
      Object data = h == null ? null : h.value(response);
      if (h == null || !h.isBinaryData(data)) {
        call.release();
        return reactor.just(response);
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
          + "answer (" + t + "); the call is not charged", t);
      call.release();
      try {
        return reactor.just(response);
      } catch (Throwable again) {
        throw new IllegalStateException(again);
      }
    }
  }
}
