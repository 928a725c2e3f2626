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
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
      StreamUsage.Splice asked = askUsage(read);
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
    try {
      // The usage option first: the scan's offsets are those of the bytes the SDK made.
      StreamUsage.Splice asked = askUsage(read);
      byte[] body = RequestCaps.withCap(read.endpoint, asked != null ? asked.applyTo(read.bytes) : read.bytes,
          call.capToSend());
      call.sendInstead(read.handles.withBody(request, read.body, body));
      if (asked != null) {
        call.hideUsageChunk();
      }
      return call;
    } catch (Throwable t) {
      Log.warnOnce("cap:" + t.getClass().getName(), "llm-budget: could not write the output cap into an LLM "
          + "request (" + t + "); its model's maximum output is reserved instead", t);
      call.release();
      return async ? MeteredCall.reserveOrRefuse(user, read.llm, false, sdk(request))
          : MeteredCall.reserve(user, read.llm, false, sdk(request));
    }
  }

  /**
   * How the request's bytes ask for the stream's usage chunk, when it is a stream that did not
   * ask for it ({@link StreamUsage}); {@code null} when it needs none or the agent is unsure how to
   * write it: that stream is estimated, as it was before the agent asked.
   */
  private static StreamUsage.Splice askUsage(Read read) {
    try {
      return BudgetRuntime.config().askStreamUsage() ? StreamUsage.asked(read.endpoint, read.scan, read.bytes) : null;
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
      call.hideUsageChunk();
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

  /** The async form of {@link #exit}: a refused call's future fails with the budget error. */
  public static Object exitAsync(Object state, Object request, Object future, Throwable thrown) {
    return MeteredCall.exitAsync(state, future, thrown, state instanceof MeteredCall ? SdkHandles.of(request) : null);
  }
}

