package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
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
    if (request == null) {
      return null;
    }
    String asyncCaller = ASYNC_CALLERS.isEmpty() ? null : ASYNC_CALLERS.remove(new RequestKey(request));
    SdkHandles handles;
    LlmRequest llm;
    BudgetEngine engine;
    String user;
    try {
      handles = SdkHandles.of(request);
      if (handles == null) {
        return null;
      }
      Endpoint endpoint = handles.sdk.classify(handles.httpMethod(request), handles.pathSegments(request));
      if (endpoint == null) {
        return null;
      }
      byte[] body = handles.bodyBytes(request);
      if (body == null) {
        return null;
      }
      llm = RequestReader.read(endpoint, body);
      if (llm == null) {
        return null;
      }
      engine = BudgetRuntime.get().engine();
      user = asyncCaller == null ? BudgetContext.currentUser() : asyncCaller.isEmpty() ? null : asyncCaller;
    } catch (Throwable t) {
      Log.warnOnce("enter:" + t.getClass().getName(), "llm-budget: could not read an LLM request ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
    Reservation reservation;
    try {
      reservation = engine.reserveForCall(user, llm.model(), llm.prompt(), llm.messageCount(), llm.maxOutputTokens());
    } catch (BudgetExceededError | UnknownModelException e) {
      throw e;
    } catch (Throwable t) {
      Log.warnOnce("reserve:" + t.getClass().getName(), "llm-budget: could not reserve the cost of an LLM call ("
          + t + "); the call goes on unmetered", t);
      return null;
    }
    return new MeteredCall(handles, reservation, llm);
  }

  /** As {@link #enter}, but a refused call becomes a {@link Refusal} so the advice can skip the method. */
  public static Object enterAsync(Object request) {
    try {
      return enter(request);
    } catch (BudgetExceededError | UnknownModelException e) {
      return new Refusal(e);
    }
  }

  /** Settles a failed call at once; wraps a response so its body is metered as it is read. */
  public static Object exit(Object state, Object response, Throwable thrown) {
    if (!(state instanceof MeteredCall)) {
      return response;
    }
    MeteredCall call = (MeteredCall) state;
    if (thrown != null || response == null) {
      call.release();
      return response;
    }
    return call.wrap(response);
  }

  /** The async form of {@link #exit}: a refused call's future fails with the budget error. */
  @SuppressWarnings("unchecked")
  public static Object exitAsync(Object state, Object future, Throwable thrown) {
    if (state instanceof Refusal) {
      return CompletableFuture.failedFuture(((Refusal) state).error);
    }
    if (!(state instanceof MeteredCall)) {
      return future;
    }
    MeteredCall call = (MeteredCall) state;
    if (thrown != null || !(future instanceof CompletableFuture)) {
      call.release();
      return future;
    }
    CompletableFuture<Object> source = (CompletableFuture<Object>) future;
    CompletableFuture<Object> metered = new CompletableFuture<>();
    source.whenComplete((response, failure) -> {
      if (failure != null || response == null) {
        call.release();
        if (failure != null) {
          metered.completeExceptionally(failure);
        } else {
          metered.complete(null);
        }
      } else {
        metered.complete(call.wrap(response));
      }
    });
    metered.whenComplete((r, t) -> {
      if (metered.isCancelled()) {
        source.cancel(false);
      }
    });
    return metered;
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

