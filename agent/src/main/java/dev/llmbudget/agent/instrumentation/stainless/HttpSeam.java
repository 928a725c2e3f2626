package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the advice calls. Every failure of ours goes to the failure policy ({@code llmbudget.on_error});
 * the only exceptions that reach the host on purpose are {@link BudgetExceededError} and its
 * subclasses ({@link UnknownModelException}, {@code BudgetUnavailableError}).
 */
public final class HttpSeam {

  /** The ledger's name of the SDK that sent {@code request}: anthropic-java and openai-java share this seam. */
  private static String sdk(Object request) {
    return request.getClass().getName().startsWith("com.anthropic.") ? "anthropic-java" : "openai-java";
  }

  private static volatile List<StainlessSdk> sdks = List.of();
  /** The user of each prepared async request until it is sent; "" for none. */
  private static final AsyncCallers ASYNC_CALLERS = new AsyncCallers();
  /** Hosts that took or rejected the usage option the agent adds. */
  static final StreamOptionHosts HOSTS = new StreamOptionHosts();
  /**
   * Set while this thread sends a call again without the usage option, so that the advice woven
   * into the method it calls lets it pass: the call is metered, by the one reservation it has.
   * Read only while {@link #RESENDS_IN_FLIGHT} says some thread resends, so other calls pay one
   * volatile read for it.
   */
  private static final ThreadLocal<Boolean> RESENDING = new ThreadLocal<>();
  private static final AtomicInteger RESENDS_IN_FLIGHT = new AtomicInteger();

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
        if (request != null) {
          ASYNC_CALLERS.remember(request, tag);
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
    if (RESENDS_IN_FLIGHT.get() > 0 && RESENDING.get() != null) {
      // The seam's own second sending of a call it metered already: it passes as it is.
      RESENDING.remove();
      return null;
    }
    String asyncCaller = ASYNC_CALLERS.take(request);
    Read read;
    try {
      read = read(request);
    } catch (BudgetExceededError e) {
      if (async) {
        return MeteredCall.refusal(e);
      }
      throw e;
    }
    if (read == null) {
      return null;
    }
    String user = asyncCaller == null ? MeteredCall.currentUser() : asyncCaller.isEmpty() ? null : asyncCaller;
    boolean canRewrite = read.endpoint != Endpoint.EMBEDDINGS;
    Object state = async ? MeteredCall.reserveOrRefuse(user, read.llm, canRewrite, sdk(request))
        : MeteredCall.reserve(user, read.llm, canRewrite, sdk(request));
    if (state instanceof MeteredCall && ((MeteredCall) state).capToSend() > 0) {
      return withCap((MeteredCall) state, request, read, user, async);
    }
    if (state instanceof MeteredCall) {
      StreamUsage.Splice asked = askUsage(read, request);
      if (asked != null) {
        sendAsking((MeteredCall) state, request, read, asked);
      }
    }
    return state;
  }

  /** The request the advice sends: the one with the cap the budget can pay for, else {@code request}. */
  public static Object sent(Object state, Object request) {
    return state instanceof MeteredCall ? ((MeteredCall) state).requestToSend(request) : request;
  }

  /**
   * Makes {@code call}'s request go out with the cap it reserved. If the body cannot be rewritten
   * the call is reserved again as {@code model_max} would, so it stays bounded.
   */
  private static Object withCap(MeteredCall call, Object request, Read read, String user, boolean async) {
    // The usage option first: the scan's offsets are those of the bytes the SDK made.
    StreamUsage.Splice asked = askUsage(read, request);
    if (asked != null) {
      try {
        byte[] body = RequestCaps.withCap(read.endpoint, asked.applyTo(read.bytes), call.capToSend());
        call.sendInstead(read.handles.withBody(request, read.body, body));
        call.hideUsageChunk(new CapOnly(request, read, call.capToSend()));
        return call;
      } catch (Throwable t) {
        // The cap alone may still be written: losing it would reserve model_max for want of a usage chunk.
        Log.warnOnce("stream-usage:" + t.getClass().getName(), "llm-budget: could not ask an OpenAI stream for "
            + "its usage (" + t + "); a stream without it is charged an estimate", t);
      }
    }
    try {
      call.sendInstead(CapOnly.build(request, read, call.capToSend()));
      return call;
    } catch (Throwable t) {
      Log.warnOnce("cap:" + t.getClass().getName(), "llm-budget: could not write the output cap into an LLM "
          + "request (" + t + "); its model's maximum output is reserved instead", t);
      call.release();
      return async ? MeteredCall.reserveOrRefuse(user, read.llm, false, sdk(request))
          : MeteredCall.reserve(user, read.llm, false, sdk(request));
    }
  }

  /** The app's request with only the output cap written: what a capped call sends without the usage option. */
  private static final class CapOnly {
    final Object request;
    final Read read;
    final long cap;

    CapOnly(Object request, Read read, long cap) {
      this.request = request;
      this.read = read;
      this.cap = cap;
    }

    Object build() throws Throwable {
      return build(request, read, cap);
    }

    static Object build(Object request, Read read, long cap) throws Throwable {
      return read.handles.withBody(request, read.body, RequestCaps.withCap(read.endpoint, read.bytes, cap));
    }
  }

  /**
   * How the request's bytes ask for the stream's usage chunk, when it is a stream that did not
   * ask for it ({@link StreamUsage}); {@code null} when it needs none or the agent is unsure how to
   * write it: that stream is estimated, as it was before the agent asked.
   */
  private static StreamUsage.Splice askUsage(Read read, Object request) {
    try {
      return BudgetRuntime.config().askStreamUsage() && !HOSTS.rejects(request)
          ? StreamUsage.asked(read.endpoint, read.scan, read.bytes) : null;
    } catch (Throwable t) {
      Log.warnOnce("stream-usage:" + t.getClass().getName(), "llm-budget: could not ask an OpenAI stream for its "
          + "usage (" + t + "); a stream without it is charged an estimate", t);
      return null;
    }
  }

  /**
   * Sends {@code call}'s request with its body spliced by {@code asked} and hides the usage chunk that the
   * app did not ask for from its SDK; if the request cannot be rebuilt it goes out as the app made it.
   */
  private static void sendAsking(MeteredCall call, Object request, Read read, StreamUsage.Splice asked) {
    try {
      call.sendInstead(read.handles.withBody(request, read.body, read.bytes, asked.from, asked.to, asked.bytes));
      call.hideUsageChunk(request);
    } catch (Throwable t) {
      Log.warnOnce("stream-usage:" + t.getClass().getName(), "llm-budget: could not ask an OpenAI stream for its "
          + "usage (" + t + "); a stream without it is charged an estimate", t);
    }
  }

  /** What the seam read of a priced request. */
  private static final class Read {
    final SdkHandles handles;
    final Endpoint endpoint;
    final Object body;
    final byte[] bytes;
    final RequestScan scan;
    final LlmRequest llm;

    Read(SdkHandles handles, Endpoint endpoint, Object body, byte[] bytes, RequestScan scan, LlmRequest llm) {
      this.handles = handles;
      this.endpoint = endpoint;
      this.body = body;
      this.bytes = bytes;
      this.scan = scan;
      this.llm = llm;
    }
  }

  /** The priced request {@code request} is, or {@code null} when it is none or cannot be read. */
  private static Read read(Object request) {
    try {
      SdkHandles handles = SdkHandles.of(request);
      if (handles == null) {
        return null;
      }
      if (handles.unknownShape != null) {
        // A call that is surely not priced (its path says so) passes; any other meets the policy.
        if (handles.canClassify() && handles.sdk.classify(handles.httpMethod(request), handles.pathSegments(request)) == null) {
          return null;
        }
        throw handles.unknownShape;
      }
      Endpoint endpoint = handles.sdk.classify(handles.httpMethod(request), handles.pathSegments(request));
      if (endpoint == null) {
        return null;
      }
      Object body = handles.requestBody(request);
      byte[] bytes = handles.bytes(body);
      if (bytes == null && body != null) {
        // A priced call whose body reading would consume: its cost cannot be bounded, so not a silent pass.
        throw new IllegalStateException("the body of a priced " + endpoint + " request cannot be read without "
            + "consuming it (" + body.getClass().getName() + " is not repeatable)");
      }
      RequestScan scan = bytes == null ? null : RequestScan.of(endpoint, bytes);
      LlmRequest llm = scan == null ? null : RequestReader.read(endpoint, bytes, scan);
      return llm == null ? null : new Read(handles, endpoint, body, bytes, scan, llm);
    } catch (Throwable t) {
      MeteredCall.unreadable("an LLM call (reading its request)", t); // refuses under on_error=block
      return null;
    }
  }

  /** Settles a failed call at once; wraps a response so its body is metered as it is read. */
  public static Object exit(Object state, Object request, Object response, Throwable thrown) {
    return MeteredCall.exit(state, response, thrown, state instanceof MeteredCall ? SdkHandles.of(request) : null);
  }

  /**
   * As {@link #exit(Object, Object, Object, Throwable)}, for {@code client.execute(request, options)}:
   * a call whose usage option the server rejected (400 or 422) is sent again through {@code client}
   * without it, and the app gets that answer.
   */
  public static Object exit(Object client, Object options, Object state, Object request, Object response,
      Throwable thrown) {
    if (thrown == null && response != null && mayResend(state)) {
      response = resendIfRejected(client, options, (MeteredCall) state, response);
    }
    return exit(state, request, response, thrown);
  }

  /** The async form of {@link #exit}: a refused call's future fails with the budget error. */
  public static Object exitAsync(Object state, Object request, Object future, Throwable thrown) {
    return MeteredCall.exitAsync(state, future, thrown, state instanceof MeteredCall ? SdkHandles.of(request) : null);
  }

  /** As {@link #exit(Object, Object, Object, Object, Object, Throwable)}, for {@code client.executeAsync}. */
  public static Object exitAsync(Object client, Object options, Object state, Object request, Object future,
      Throwable thrown) {
    if (thrown == null && future instanceof CompletableFuture && mayResend(state)) {
      future = resendIfRejectedAsync(client, options, (MeteredCall) state, future);
    }
    return exitAsync(state, request, future, thrown);
  }

  /**
   * {@code true} when {@code state} is a call the agent added the usage option to, for a host not
   * known to take it: once the host took it, nothing more is done (an async call's future is not
   * wrapped once more).
   */
  private static boolean mayResend(Object state) {
    if (!(state instanceof MeteredCall)) {
      return false;
    }
    Object unasked = ((MeteredCall) state).unaskedRequest();
    return unasked != null && !HOSTS.accepts(original(unasked));
  }

  /**
   * {@code response}, or when it is the rejection of the usage option by a server that rejects unknown
   * fields, the answer to the app's request sent again as the app made it (with the cap the call
   * reserved, if any). The second sending goes through the same client, so the SDK's own retries
   * apply to it, and it is metered by {@code call}: one reservation for one app call.
   */
  private static Object resendIfRejected(Object client, Object options, MeteredCall call, Object response) {
    Object unasked = call.unaskedRequest();
    Object original = original(unasked);
    if (!rejectsTheOption(original, response)) {
      return response;
    }
    Object again;
    try {
      again = send(client, "execute", unasked, options);
    } catch (Throwable t) {
      // The app gets the first answer: an error, as without the agent's retry, and it costs nothing.
      Log.warnOnce("stream-usage-resend:" + t.getClass().getName(), "llm-budget: could not send again without "
          + "stream_options a stream the server rejected (" + t + ")", t);
      return response;
    }
    if (again == null) {
      return response;
    }
    closeQuietly(original, response);
    call.sentUnasked();
    learn(original, again);
    return again;
  }

  @SuppressWarnings("unchecked")
  private static Object resendIfRejectedAsync(Object client, Object options, MeteredCall call, Object future) {
    CompletableFuture<Object> first = (CompletableFuture<Object>) future;
    CompletableFuture<Object> answer = new CompletableFuture<>();
    Object unasked = call.unaskedRequest();
    Object original = original(unasked);
    first.whenComplete((response, failure) -> {
      try {
        if (failure != null || response == null || !rejectsTheOption(original, response)) {
          complete(answer, response, failure);
          return;
        }
        Object again = send(client, "executeAsync", unasked, options);
        if (!(again instanceof CompletableFuture)) {
          answer.complete(response);
          return;
        }
        CompletableFuture<Object> second = (CompletableFuture<Object>) again;
        answer.whenComplete((r, t) -> {
          if (answer.isCancelled()) {
            second.cancel(false);
          }
        });
        second.whenComplete((response2, failure2) -> {
          closeQuietly(original, response);
          if (failure2 == null && response2 != null) {
            call.sentUnasked();
            learn(original, response2);
          }
          complete(answer, response2, failure2);
        });
      } catch (Throwable t) {
        Log.warnOnce("stream-usage-resend:" + t.getClass().getName(), "llm-budget: could not send again without "
            + "stream_options a stream the server rejected (" + t + ")", t);
        answer.complete(response);
      }
    });
    answer.whenComplete((r, t) -> {
      if (answer.isCancelled()) {
        first.cancel(false);
      }
    });
    return answer;
  }

  private static void complete(CompletableFuture<Object> future, Object value, Throwable failure) {
    if (failure != null) {
      future.completeExceptionally(failure);
    } else {
      future.complete(value);
    }
  }

  /** The app's own request behind what {@link MeteredCall#hideUsageChunk(Object)} remembered. */
  private static Object original(Object unasked) {
    return unasked instanceof CapOnly ? ((CapOnly) unasked).request : unasked;
  }

  /**
   * {@code true} when {@code response}, to a request the agent added the usage option to, is a 400
   * or 422; a success teaches that the host takes the option.
   */
  private static boolean rejectsTheOption(Object original, Object response) {
    int status;
    try {
      status = SdkHandles.of(original).statusCode(response);
    } catch (Throwable t) {
      return false;
    }
    if (status >= 200 && status < 300) {
      HOSTS.accepted(original);
      return false;
    }
    return status == 400 || status == 422;
  }

  /** A host that answered the request without the option with a success rejects the option. */
  private static void learn(Object original, Object response) {
    try {
      int status = SdkHandles.of(original).statusCode(response);
      if (status >= 200 && status < 300) {
        HOSTS.rejected(original);
      }
    } catch (Throwable t) {
      // nothing learned: the next stream to this host asks again, and is sent again if rejected
    }
  }

  private static void closeQuietly(Object original, Object response) {
    try {
      SdkHandles.of(original).close(response);
    } catch (Throwable t) {
      // an error answer already read to its end by the SDK's client; nothing to free
    }
  }

  /** {@code client.<method>(request, options)} with the request {@code unasked} stands for, passed through by our advice. */
  private static Object send(Object client, String method, Object unasked, Object options) throws Throwable {
    Object request = unasked instanceof CapOnly ? ((CapOnly) unasked).build() : unasked;
    Method m = SEND_METHODS.get(client.getClass()).get(method);
    if (m == null) {
      throw new NoSuchMethodException(client.getClass().getName() + "." + method + "(request, options)");
    }
    RESENDS_IN_FLIGHT.incrementAndGet();
    RESENDING.set(Boolean.TRUE);
    try {
      return m.invoke(client, request, options);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    } finally {
      RESENDING.remove();
      RESENDS_IN_FLIGHT.decrementAndGet();
    }
  }

  /** The public two-argument {@code execute} and {@code executeAsync} of each HTTP client class. */
  private static final ClassValue<java.util.Map<String, Method>> SEND_METHODS = new ClassValue<>() {
    @Override
    protected java.util.Map<String, Method> computeValue(Class<?> type) {
      java.util.Map<String, Method> found = new java.util.HashMap<>();
      for (Method m : type.getMethods()) {
        if ((m.getName().equals("execute") || m.getName().equals("executeAsync")) && m.getParameterCount() == 2
            && !m.isBridge()) {
          try {
            m.setAccessible(true);
          } catch (RuntimeException e) {
            // a public method of a public class needs no override
          }
          found.putIfAbsent(m.getName(), m);
        }
      }
      return found;
    }
  };
}
