package dev.llmbudget.agent.instrumentation.genai;

import dev.llmbudget.agent.instrumentation.meter.CapRewriter;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import java.nio.charset.StandardCharsets;

/**
 * What the Google GenAI advice calls. A priced request is reserved before it is sent and its
 * response is handed back with a metered body; anything of ours that fails before the call goes out
 * is decided by the failure policy ({@code llmbudget.on_error}). The only errors that reach the host
 * on purpose are the budget's.
 */
public final class GenAiSeam {

  /** How the ledger names the SDK of the calls metered here. */
  private static final String SDK = "google-genai";

  /**
   * The user a 1.x {@code AsyncModels} call was made for, while its pool thread runs it through
   * {@code Models}; "" for none. Unset on every other thread.
   */
  private static final ThreadLocal<String> HANDED_OVER = new ThreadLocal<>();
  private static final CallerTags CALLERS = new CallerTags();

  private GenAiSeam() {}

  /** Reserves a priced request; {@code null} when it is not one or cannot be metered. */
  public static MeteredCall enter(String path, String body) {
    String user = user();
    LlmRequest request = request(path, body);
    return (MeteredCall) withCap(MeteredCall.reserve(user, request, true, SDK), user, request, body, false);
  }

  /** As {@link #enter}, but a refused call becomes a {@link Refusal}, so the advice can skip the send. */
  public static Object enterAsync(String path, String body) {
    String user = user();
    LlmRequest request;
    try {
      request = request(path, body);
    } catch (dev.llmbudget.BudgetExceededError e) {
      return MeteredCall.refusal(e); // the failure policy refused a request it could not read
    }
    return withCap(MeteredCall.reserveOrRefuse(user, request, true, SDK), user, request, body, true);
  }

  /** The body the advice sends: the one with the cap the budget can pay for, else {@code body}. */
  public static String sent(Object call, String body) {
    return call instanceof MeteredCall ? (String) ((MeteredCall) call).requestToSend(body) : body;
  }

  /**
   * Makes a clamped call's body carry {@code generationConfig.maxOutputTokens}; if it cannot, the
   * call is reserved again as {@code model_max} would, so it stays bounded.
   */
  private static Object withCap(Object state, String user, LlmRequest request, String body, boolean async) {
    if (!(state instanceof MeteredCall) || ((MeteredCall) state).capToSend() <= 0) {
      return state;
    }
    MeteredCall call = (MeteredCall) state;
    try {
      byte[] capped = CapRewriter.withCap(body.getBytes(StandardCharsets.UTF_8), call.capToSend(),
          "generationConfig.maxOutputTokens");
      call.sendInstead(new String(capped, StandardCharsets.UTF_8));
      return call;
    } catch (Throwable t) {
      Log.warnOnce("genai-cap:" + t.getClass().getName(), "llm-budget: could not write the output cap into a "
          + "Gemini request (" + t + "); its model's maximum output is reserved instead", t);
      call.release();
      return async ? MeteredCall.reserveOrRefuse(user, request, false, SDK) : MeteredCall.reserve(user, request, false, SDK);
    }
  }

  private static LlmRequest request(String path, String body) {
    try {
      return GeminiRequest.read(path, body);
    } catch (Throwable t) {
      return MeteredCall.unreadable("a Gemini call (reading its request)", t);
    }
  }

  private static String user() {
    String handed = HANDED_OVER.get();
    if (handed != null) {
      return handed.isEmpty() ? null : handed;
    }
    return MeteredCall.currentUser();
  }

  /** Releases a failed call; gives back {@code response} with its body metered. */
  public static Object exit(Object call, Object response, Throwable thrown) {
    return MeteredCall.exit(call, response, thrown, GenAiResponses::wrap);
  }

  /** The async form of {@link #exit}: a refused call's future fails with the budget's error. */
  public static Object exitAsync(Object call, Object future, Throwable thrown) {
    return MeteredCall.exitAsync(call, future, thrown, GenAiResponses::wrap);
  }

  /** 1.x {@code AsyncModels}: remembers whose call this content list is before a pool thread runs it. */
  public static void tagCaller(Object contents) {
    try {
      if (contents != null) {
        String user = MeteredCall.currentUser();
        CALLERS.put(contents, user == null ? "" : user);
      }
    } catch (Throwable t) {
      Log.warnOnce("genai-tag:" + t.getClass().getName(), "llm-budget: could not capture the user of an async "
          + "Gemini call (" + t + "); it is charged to the thread that sends it", t);
    }
  }

  /** On entering {@code Models.generateContent*}: takes over the user tagged on {@code contents}; returns what to restore. */
  public static String handOver(Object contents) {
    String previous = HANDED_OVER.get();
    try {
      String tagged = contents == null ? null : CALLERS.take(contents);
      if (tagged != null) {
        HANDED_OVER.set(tagged);
      }
    } catch (Throwable t) {
      Log.warnOnce("genai-handover:" + t.getClass().getName(), "llm-budget: could not hand an async Gemini "
          + "call's user over (" + t + ")", t);
    }
    return previous;
  }

  public static void restore(String previous) {
    if (previous == null) {
      HANDED_OVER.remove();
    } else {
      HANDED_OVER.set(previous);
    }
  }
}
