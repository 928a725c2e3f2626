package dev.llmbudget.agent.instrumentation.langchain4j;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.agent.internal.MeteredBelow;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.FailurePolicy;
import dev.llmbudget.internal.Log;
import dev.llmbudget.pricing.UnknownModelException;
import java.lang.reflect.Method;

/**
 * What the LangChain4j advice calls.
 * Every failure of ours before the call goes out is decided by the failure policy
 * ({@code llmbudget.on_error}: refused or counted as unmetered); the only exceptions that reach the
 * host on purpose are {@link BudgetExceededError} and its subclasses ({@link UnknownModelException},
 * {@code BudgetUnavailableError}).
 */
public final class ChatSeam {

  /**
   * Set on the thread while a metered chat method runs. The outer {@code chat} overload meters the
   * call; the overload it delegates to (and any chat a provider makes inside it) is not charged again.
   */
  private static final ThreadLocal<MeteredChat> IN_CALL = new ThreadLocal<>();

  private ChatSeam() {}

  /** Reserves the call's worst-case cost; returns its state, or {@code null} when it is not metered here. */
  public static Object enter(Object chatModel, Object request) {
    if (chatModel == null || request == null || IN_CALL.get() != null) {
      return null;
    }
    ChatRequests.Request read;
    BudgetEngine engine;
    String user;
    try {
      if (MeteredBelow.isMeteredBelow(chatModel)) {
        return null;
      }
      read = ChatRequests.read(chatModel, request);
      if (read == null) {
        if (!Accessors.has(request, "messages") || !Accessors.has(request, "parameters")) {
          // Not a model without a name: a LangChain4j whose ChatRequest the agent cannot read.
          throw new IllegalStateException(request.getClass().getName() + " has no messages()/parameters(): a "
              + "LangChain4j version the agent does not know, so its calls cannot be metered");
        }
        Log.warnOnce("lc4j-model:" + chatModel.getClass().getName(), "llm-budget: no model name on a "
            + chatModel.getClass().getName() + " request; its calls are not metered", null);
        return null;
      }
      engine = BudgetRuntime.get().engine();
      user = BudgetContext.currentUser();
    } catch (Throwable t) {
      FailurePolicy.get().onMeteringFailure("a LangChain4j call (reading its request)", t);
      return null;
    }
    Reservation reservation;
    Object capped = null;
    try {
      BudgetEngine.CallReservation held = engine.reserveCall(user, read.model,
          dev.llmbudget.tokens.TokenCounter.upperBoundTokens(read.prompt), read.prompt, read.messageCount,
          read.maxOutputTokens, 1, ChatRequestCaps.supports(chatModel), "langchain4j", read.serviceTier);
      reservation = held.reservation();
      if (held.rewrite()) {
        try {
          capped = ChatRequestCaps.withCap(request, held.outputCap());
        } catch (Throwable t) {
          Log.warnOnce("lc4j-cap:" + t.getClass().getName(), "llm-budget: could not set the output cap on a "
              + "LangChain4j request (" + t + "); its model's maximum output is reserved instead", t);
          reservation.release();
          reservation = engine.reserveForCall(user, read.model, read.prompt, read.messageCount, read.maxOutputTokens,
              "langchain4j");
        }
      }
    } catch (Throwable t) {
      FailurePolicy.get().onMeteringFailure("a LangChain4j call", t);
      return null;
    }
    MeteredChat call = new MeteredChat(chatModel, reservation, read);
    call.sendInstead(capped);
    IN_CALL.set(call);
    return call;
  }

  /** The request the advice passes on: the one with the cap the budget can pay for, else {@code request}. */
  public static Object sent(Object state, Object request) {
    return state instanceof MeteredChat ? ((MeteredChat) state).requestToSend(request) : request;
  }

  /** Charges a finished call, or settles a failed one. */
  public static void exit(Object state, Object response, Throwable thrown) {
    if (!(state instanceof MeteredChat)) {
      return;
    }
    IN_CALL.remove();
    MeteredChat call = (MeteredChat) state;
    if (thrown != null || response == null) {
      call.fail();
    } else {
      call.complete(response);
    }
  }

  /** As {@link #enter} for a streaming call; a refusal becomes a {@link StreamRefusal} so the advice skips the method. */
  public static Object enterStream(Object chatModel, Object[] args) {
    if (args == null || args.length < 2) {
      return null;
    }
    try {
      return enter(chatModel, args[0]);
    } catch (BudgetExceededError e) {
      return new StreamRefusal(e);
    }
  }

  /** The arguments with the caller's handler replaced by one that charges the call when the stream ends. */
  public static Object[] streamArguments(Object state, Object[] args) {
    if (!(state instanceof MeteredChat)) {
      return args;
    }
    MeteredChat call = (MeteredChat) state;
    int last = args.length - 1;
    try {
      Object handler = args[last];
      if (handler == null) {
        call.release(); // LangChain4j refuses a null handler itself; nothing goes out
        return args;
      }
      Class<?> handlerType = handlerType(call.chatModel, handler);
      if (handlerType == null) {
        throw new IllegalStateException("no " + LangChain4jInstrumentation.HANDLER + " for " + handler.getClass().getName());
      }
      Object[] out = args.clone();
      out[0] = call.requestToSend(out[0]);
      out[last] = MeteredHandler.wrap(handlerType, handler, call);
      return out;
    } catch (Throwable t) {
      // Nothing is sent yet: the failure policy decides (streamState turns a refusal into a StreamRefusal).
      call.release();
      call.refusal = FailurePolicy.get().refusalFor("a LangChain4j stream whose handler the agent cannot follow", t);
      return args;
    }
  }

  /**
   * What the stream advice's enter returns once {@link #streamArguments} ran: a {@link StreamRefusal}
   * when following the stream failed and the failure policy refuses it, else {@code state}.
   */
  public static Object streamState(Object state) {
    if (state instanceof MeteredChat && ((MeteredChat) state).refusal != null) {
      IN_CALL.remove();
      return new StreamRefusal(((MeteredChat) state).refusal);
    }
    return state;
  }

  /** Settles a stream that failed before returning; tells the handler of a refused one. */
  public static void exitStream(Object state, Object[] args, Throwable thrown) {
    if (state instanceof StreamRefusal) {
      notifyRefusal(((StreamRefusal) state).error, args);
      return;
    }
    if (!(state instanceof MeteredChat)) {
      return;
    }
    IN_CALL.remove();
    if (thrown != null) {
      ((MeteredChat) state).fail();
    }
  }

  /** LangChain4j reports a streaming call's failures to the handler's {@code onError}, so a refusal goes there too. */
  private static void notifyRefusal(RuntimeException error, Object[] args) {
    Object handler = args == null || args.length == 0 ? null : args[args.length - 1];
    try {
      Class<?> type = handler == null ? null : findInterface(handler.getClass(), LangChain4jInstrumentation.HANDLER);
      if (type == null) {
        throw error;
      }
      Method onError = type.getMethod("onError", Throwable.class);
      onError.invoke(handler, error);
    } catch (java.lang.reflect.InvocationTargetException e) {
      Log.warnOnce("lc4j-refusal-handler", "llm-budget: a streaming handler's onError failed on a budget refusal ("
          + e.getCause() + ")", e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      Log.warnOnce("lc4j-refusal:" + e.getClass().getName(), "llm-budget: could not report a budget refusal to a "
          + "LangChain4j streaming handler (" + e + ")", e);
    }
  }

  private static Class<?> handlerType(Object chatModel, Object handler) throws ClassNotFoundException {
    Class<?> fromHandler = handler == null ? null
        : findInterface(handler.getClass(), LangChain4jInstrumentation.HANDLER);
    if (fromHandler != null) {
      return fromHandler;
    }
    return Class.forName(LangChain4jInstrumentation.HANDLER, false, chatModel.getClass().getClassLoader());
  }

  static Class<?> findInterface(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Class<?> i : c.getInterfaces()) {
        if (i.getName().equals(name)) {
          return i;
        }
        Class<?> up = findInterface(i, name);
        if (up != null) {
          return up;
        }
      }
    }
    return null;
  }
}
