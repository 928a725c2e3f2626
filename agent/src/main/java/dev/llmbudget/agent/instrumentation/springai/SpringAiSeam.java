package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.agent.internal.MeteredBelow;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.FailurePolicy;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;

/**
 * What the advice calls.
 * Every failure of ours before the call goes out is decided by the failure policy
 * ({@code llmbudget.on_error}: refused or counted as unmetered); the only exceptions that reach the
 * host on purpose are {@link BudgetExceededError} and its subclasses ({@link UnknownModelException},
 * {@code BudgetUnavailableError}).
 */
public final class SpringAiSeam {

  /** Set while this thread is inside a metered {@code call}, so a model delegating to another is charged once. */
  private static final ThreadLocal<Boolean> IN_CALL = new ThreadLocal<>();

  private SpringAiSeam() {}

  /** Reserves the call's worst-case cost; returns its state, or {@code null} when it is not metered. */
  public static Object enterCall(Object model, Object prompt) {
    if (IN_CALL.get() != null) {
      return null;
    }
    MeteredChat call = reserve(model, prompt);
    if (call != null) {
      IN_CALL.set(Boolean.TRUE);
    }
    return call;
  }

  /** Charges the usage the response reports; a failed call is charged nothing. */
  public static void exitCall(Object state, Object response, Throwable thrown) {
    if (!(state instanceof MeteredChat)) {
      return;
    }
    IN_CALL.remove();
    MeteredChat call = (MeteredChat) state;
    if (thrown != null || response == null) {
      call.release();
    } else {
      call.settle(response);
    }
  }

  /** As {@link #enterCall}, but a refused stream becomes a {@link StreamRefusal} so the advice skips the method. */
  public static Object enterStream(Object model, Object prompt) {
    try {
      if (model != null && MeteredBelow.isMeteredBelow(model)) {
        return new MeteredBelowStream(model);
      }
      return reserve(model, prompt);
    } catch (BudgetExceededError e) {
      return new StreamRefusal(e, model);
    }
  }

  /** A refused stream's Flux fails with the budget error; an accepted one is metered as it flows. */
  public static Object exitStream(Object state, Object flux, Throwable thrown) {
    if (state instanceof StreamRefusal) {
      StreamRefusal refusal = (StreamRefusal) state;
      try {
        return ReactorFlux.of(refusal.model).error(refusal.error);
      } catch (Throwable t) {
        Log.warnOnce("stream-refuse:" + t.getClass().getName(), "llm-budget: could not build a failing Flux ("
            + t + "); the refused stream returns nothing", t);
        return flux;
      }
    }
    if (state instanceof MeteredBelowStream) {
      return thrown != null || flux == null ? flux : ((MeteredBelowStream) state).unwrapBudgetErrors(flux);
    }
    if (!(state instanceof MeteredChat)) {
      return flux;
    }
    MeteredChat call = (MeteredChat) state;
    if (thrown != null || flux == null) {
      call.release();
      return flux;
    }
    return MeteredStream.wrap(call, flux);
  }

  private static MeteredChat reserve(Object model, Object prompt) {
    if (model == null || prompt == null) {
      return null;
    }
    ChatRequest request;
    String user;
    try {
      if (MeteredBelow.isMeteredBelow(model)) {
        return null;
      }
      request = ChatRequest.read(model, prompt);
      if (request.model() == null) {
        if (!Accessors.has(prompt, "getInstructions") || !Accessors.has(prompt, "getOptions")
            || !Accessors.has(model, "getDefaultOptions")) {
          // Not a model without a name: a Spring AI whose Prompt or ChatModel the agent cannot read.
          throw new IllegalStateException(prompt.getClass().getName() + " or " + model.getClass().getName()
              + " lacks getInstructions()/getOptions()/getDefaultOptions(): a Spring AI version the agent does not "
              + "know, so its calls cannot be metered");
        }
        Log.warnOnce("springai-model:" + model.getClass().getName(), "llm-budget: " + model.getClass().getName()
            + " names no model in its prompt or default options; its calls are not metered", null);
        return null;
      }
      user = BudgetContext.currentUser();
    } catch (Throwable t) {
      FailurePolicy.get().onMeteringFailure("a Spring AI call (reading its prompt)", t);
      return null;
    }
    Reservation reservation;
    try {
      reservation = request.reserve(user);
    } catch (Throwable t) {
      FailurePolicy.get().onMeteringFailure("a Spring AI call", t);
      return null;
    }
    return new MeteredChat(model, user, request, reservation);
  }
}
