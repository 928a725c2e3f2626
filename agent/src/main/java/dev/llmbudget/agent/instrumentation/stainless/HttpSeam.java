package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the advice calls. Every failure of ours is logged once and the call goes on unmetered; the
 * only exceptions that reach the host on purpose are {@link BudgetExceededError} and, when the
 * unknown-model policy is {@code block}, {@link UnknownModelException}.
 */
public final class HttpSeam {

  private static volatile List<StainlessSdk> sdks = List.of();
  /** The user of each prepared async request until it is sent; "" for none. */
  private static final ConcurrentHashMap<RequestKey, String> ASYNC_CALLERS = new ConcurrentHashMap<>();
  private static final int MAX_PENDING_ASYNC = 10_000;

  private HttpSeam() {}

  /** Called once by the installer, before any advice is installed. */
  public static void register(List<StainlessSdk> all) {
    sdks = List.copyOf(all);
  }

  static List<StainlessSdk> sdks() {
    return sdks;
  }

  /**
   * Tags the request an async call is preparing with the caller's user: the SDK sends it from a
   * pool thread. The tag is set before the returned future completes, so before the send.
   */
  @SuppressWarnings("unchecked")
  public static Object rememberCaller(Object future) {
    if (!(future instanceof CompletableFuture)) {
      return future;
    }
    try {
      String user = BudgetContext.currentUser();
      String tag = user == null ? "" : user;
      return ((CompletableFuture<Object>) future).thenApply(request -> {
        if (request != null && ASYNC_CALLERS.size() < MAX_PENDING_ASYNC) {
          ASYNC_CALLERS.put(new RequestKey(request), tag);
        }
        return request;
      });
    } catch (Throwable t) {
      Log.warnOnce("prepare:" + t.getClass().getName(), "llm-budget: could not capture the user of an async call ("
          + t + "); it is charged to the thread that sends it", t);
      return future;
    }
  }

  /** Reserves the call's worst-case cost; returns its state, or {@code null} when it is not metered. */
  public static Object enter(Object request) {
    return enter(request, false);
  }

  /** As {@link #enter}, but a refused call becomes a {@link Refusal} so the advice can skip the method. */
  public static Object enterAsync(Object request) {
    return enter(request, true);
  }

  private static Object enter(Object request, boolean async) {
    if (request == null) {
      return null;
    }
    String asyncCaller = ASYNC_CALLERS.isEmpty() ? null : ASYNC_CALLERS.remove(new RequestKey(request));
    LlmRequest llm = read(request);
    if (llm == null) {
      return null;
    }
    String user = asyncCaller == null ? MeteredCall.currentUser() : asyncCaller.isEmpty() ? null : asyncCaller;
    return async ? MeteredCall.reserveOrRefuse(user, llm) : MeteredCall.reserve(user, llm);
  }

  /** The priced request {@code request} is, or {@code null} when it is none or cannot be read. */
  private static LlmRequest read(Object request) {
    try {
      SdkHandles handles = SdkHandles.of(request);
      if (handles == null) {
        return null;
      }
      Endpoint endpoint = handles.sdk.classify(handles.httpMethod(request), handles.pathSegments(request));
      if (endpoint == null) {
        return null;
      }
      byte[] body = handles.bodyBytes(request);
      return body == null ? null : RequestReader.read(endpoint, body);
    } catch (Throwable t) {
      CallCounters.unmetered();
      Log.warnOnce("enter:" + t.getClass().getName(), "llm-budget: could not read an LLM request ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
  }

  /** Settles a failed call at once; wraps a response so its body is metered as it is read. */
  public static Object exit(Object state, Object request, Object response, Throwable thrown) {
    return MeteredCall.exit(state, response, thrown, state instanceof MeteredCall ? SdkHandles.of(request) : null);
  }

  /** The async form of {@link #exit}: a refused call's future fails with the budget error. */
  public static Object exitAsync(Object state, Object request, Object future, Throwable thrown) {
    return MeteredCall.exitAsync(state, future, thrown, state instanceof MeteredCall ? SdkHandles.of(request) : null);
  }

  /** Identity of an SDK request object, whatever its equals says. */
  private static final class RequestKey {
    private final Object request;

    RequestKey(Object request) {
      this.request = request;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RequestKey && ((RequestKey) o).request == request;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(request);
    }
  }
}

